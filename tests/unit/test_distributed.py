"""The Ray engine on a local Ray instance: the same rows, once each, in order, with the same scores as local."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from stancekit.cli import main
from stancekit.model.classifier import load
from stancekit.scoring.file import score_file
from tests.conftest import WORDS

ray = pytest.importorskip("ray", reason="the Ray engine needs the optional extra: pip install 'stancekit[ray]'")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def _input(path: Path, rows: int = 500) -> Path:
    texts = [" ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(2 + i % 17)) for i in range(rows)]
    texts[7] = ""  # a row-level error travels through Ray too
    topics = ["csto", "russia", "the west"]
    frame = pd.DataFrame(
        {"id": [str(i) for i in range(rows)], "text": texts, "topic": [topics[i % 3] for i in range(rows)]}
    )
    frame.to_csv(path, index=False)
    return path


def _shards(folder: Path) -> pd.DataFrame:
    files = sorted(folder.glob("*.parquet"))
    assert files, f"no shards in {folder}"
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def test_score_dataset_matches_local_scoring(local_ray: None, tmp_path: Path, tiny_stance_dir: Path) -> None:
    from stancekit.scoring.distributed import read_dataset, score_dataset

    src = _input(tmp_path / "in.csv")
    # float32 on both sides: bfloat16 results depend on the batch shapes, which differ between the two engines.
    score_file(load(tiny_stance_dir, device="cpu", dtype="float32"), src, tmp_path / "local.parquet",
               target_column="topic", progress=False)  # fmt: skip
    local = pd.read_parquet(tmp_path / "local.parquet")
    with warnings.catch_warnings():  # no deprecated Ray Data argument (concurrency=, ray_remote_args)
        warnings.simplefilter("error", DeprecationWarning)
        ds = score_dataset(read_dataset(src), tiny_stance_dir, target_column="topic", num_workers=2, batch_rows=64,
                           dtype="float32")  # fmt: skip
    distributed = pa.concat_tables(ray.get(ds.to_arrow_refs())).to_pandas()
    assert distributed["id"].tolist() == local["id"].tolist()  # every row once, in input order
    pd.testing.assert_frame_equal(distributed[local.columns], local, check_dtype=False, atol=1e-6)
    assert "empty text" in distributed["error"][7]


def test_cli_engine_ray_writes_shards(local_ray: None, tmp_path: Path, tiny_stance_dir: Path) -> None:
    src = _input(tmp_path / "in.csv", 300)
    out = tmp_path / "in.v1.scored"  # a folder name with dots (README: -o tweets.scored)
    args = ["score", str(src), "--model", str(tiny_stance_dir), "--target", "CSTO", "--target", "Russia",
            "--engine", "ray", "--num-workers", "2", "-o", str(out), "--quiet", "--dtype", "float32"]  # fmt: skip
    assert main(args) == 0
    ray_rows = _shards(out)
    local_path = tmp_path / "local.parquet"
    score_file(load(tiny_stance_dir, device="cpu", dtype="float32"), src, local_path, targets=["CSTO", "Russia"],
               progress=False)  # fmt: skip
    local = pd.read_parquet(local_path)
    assert len(ray_rows) == 600
    assert ray_rows[["id", "target"]].values.tolist() == local[["id", "target"]].values.tolist()
    pd.testing.assert_frame_equal(ray_rows[local.columns], local, check_dtype=False, atol=1e-6)
    assert main(args) == 2  # the folder exists now: refused without --force


def test_holders_through_ray(local_ray: None, tmp_path: Path) -> None:
    """A holder (one for all rows, with aliases, or a holder column) reaches an entity-marker model on the Ray
    engine as it does locally."""
    from stancekit.core.text import Target
    from stancekit.scoring.distributed import read_dataset, score_dataset
    from tests.conftest import make_tiny

    clf = make_tiny(tmp_path, "stance", max_length=64)
    clf.spec.uses_holder = True
    clf.spec.entity_markers = True
    model_dir = clf.save_pretrained(tmp_path / "holder-model", compact=False)
    src = _input(tmp_path / "in.csv", 120)
    frame = pd.read_csv(src, keep_default_na=False).assign(who=lambda f: ["armenia", "russia", ""] * 40)
    frame.to_csv(src, index=False)
    # float32 on both sides: bfloat16 (the default on CPUs with native bf16) depends on the batch shapes, which
    # differ between one local window and Ray's 50-row batches
    local_clf = load(model_dir, device="cpu", dtype="float32")
    aliased = Target("armenia", ("the", "of"))  # words of the fixture texts: their mentions get marked
    assert local_clf.items(["the war of words"], "csto", aliased)[0][0] == "<< the >> war << of >> words"
    for n, kwargs in enumerate(({"holder": "armenia"}, {"holder_column": "who"}, {"holder": aliased})):
        local_path = tmp_path / f"local-{n}.parquet"
        score_file(local_clf, src, local_path, target_column="topic", progress=False, **kwargs)  # type: ignore[arg-type]
        local = pd.read_parquet(local_path)
        ds = score_dataset(
            read_dataset(src), model_dir, target_column="topic", num_workers=1, batch_rows=50, dtype="float32", **kwargs
        )
        distributed = pa.concat_tables(ray.get(ds.to_arrow_refs())).to_pandas()
        assert distributed["id"].tolist() == local["id"].tolist()
        pd.testing.assert_frame_equal(distributed[local.columns], local, check_dtype=False, atol=1e-6)
    assert (local["error"].isna() | local["text"].eq("")).all()  # an empty holder cell is not an error
