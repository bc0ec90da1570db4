"""One LoadOptions for load, the command line and the Ray actors; one held-out-split guard for every fitting step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import stancekit
from stancekit.cli import main
from stancekit.core.errors import ConfigError, LeakageError
from stancekit.fitting.calibration import calibrate, calibrate_bias
from stancekit.model import Classifier, LoadOptions
from stancekit.scoring import distributed

FORCED = ["--backend", "torch", "--no-experts", "--batch-size", "7", "--max-tokens", "99", "--dtype", "float32"]
WANT = LoadOptions(device="auto", dtype="float32", backend="torch", experts=False, batch_size=7, max_tokens=99)


def test_load_options_validate_and_merge() -> None:
    assert LoadOptions.from_any(None, batch_size=3).batch_size == 3
    assert LoadOptions.from_any(WANT, dtype="auto").backend == "torch"
    with pytest.raises(ConfigError, match="batch_size must be a positive integer"):
        LoadOptions(batch_size=0)
    with pytest.raises(ConfigError, match="unknown load option"):
        LoadOptions.from_any(None, batchsize=3)


def test_load_applies_every_option(tiny_stance_dir: Path) -> None:
    clf = stancekit.load(tiny_stance_dir, WANT)
    assert (clf.backend, clf.batch_size, clf.max_tokens, clf.experts) == ("torch", 7, 99, None)
    assert clf.options == WANT


class _FakeData:
    """Stands in for ray.data: records what map_batches is asked to do."""

    class ActorPoolStrategy:
        def __init__(self, size: int) -> None:
            self.size = size

    def __init__(self) -> None:
        self.data = self

    def is_initialized(self) -> bool:
        return False


class _FakeDataset:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def map_batches(self, fn: Any, **kwargs: Any) -> _FakeDataset:
        self.calls.append({"fn": fn, **kwargs})
        return self


def test_ray_actors_get_the_same_load_options(monkeypatch: pytest.MonkeyPatch, tiny_stance_dir: Path) -> None:
    monkeypatch.setattr(distributed, "_ray", lambda: _FakeData())
    ds = _FakeDataset()
    distributed.score_dataset(ds, tiny_stance_dir, targets="CSTO", num_workers=2, options=WANT)
    (call,) = ds.calls
    assert call["compute"].size == 2
    kwargs = call["fn_constructor_kwargs"]
    assert kwargs["options"] == WANT.replace(device="cpu").to_dict()  # "auto" means the CPU on Ray
    assert kwargs["targets"] == ["CSTO"]  # one string is one target
    scorer = call["fn"](**kwargs)  # what each actor builds
    clf: Classifier = scorer.clf
    assert (clf.backend, clf.batch_size, clf.max_tokens, clf.experts) == ("torch", 7, 99, None)
    out = scorer(pd.DataFrame({"text": ["armenia might leave the csto"]}))
    assert out.num_rows == 1 and out.column("label")[0].as_py() in clf.labels


def test_cli_engine_ray_passes_every_load_option(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def fake_score_path(input_path: Any, output_dir: Any, model: Any, **kwargs: Any) -> Path:
        seen.update(kwargs)
        return Path(output_dir)

    monkeypatch.setattr(distributed, "score_path", fake_score_path)
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["a"]}).to_csv(src, index=False)
    code = main(["score", str(src), "--engine", "ray", "-o", str(tmp_path / "out.scored"), "--target", "CSTO", *FORCED])
    assert code == 0
    assert seen["options"] == WANT and [t.name for t in seen["targets"]] == ["CSTO"]


@pytest.mark.parametrize("split", ["test", "validation+test", "train+test_b"])
def test_calibration_refuses_held_out_rows_even_joined(tiny_stance: Classifier, split: str) -> None:
    tiny_stance.experts = None
    for fit in (calibrate, calibrate_bias):
        with pytest.raises(LeakageError, match="held out for evaluation"):
            fit(tiny_stance, [("semeval2016", split)])


def test_calibration_refuses_glue_dev_and_the_cli_says_so(tiny_sentiment_dir: Path, capsys: Any) -> None:
    code = main(["calibrate", "--model", str(tiny_sentiment_dir), "--dataset", "sst2", "--split", "validation+dev"])
    assert code == 2
    assert "sst2:validation+dev: dev is held out for evaluation" in capsys.readouterr().err
