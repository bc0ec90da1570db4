"""Scoring on a Ray cluster with Ray Data, for inputs larger than one machine can score in time.

Each Ray actor loads the model once and scores the batches Ray hands it with the same inference core as local
scoring (:func:`stancekit.scoring.score_frame`: length-sorted batches under a token budget inside every batch,
one output row per input row, the same ``error`` column). Needs the optional extra: ``pip install
'stancekit[ray]'``.

On an existing cluster, every node must be able to read the model folder at the same path (a shared file system,
or stancekit and its ``models/`` installed on each node's image)::

    import ray, stancekit.distributed as sd
    ray.init(address="auto")
    ds = ray.data.read_parquet("s3://bucket/tweets/")
    sd.score_dataset(ds, "sentiment", num_workers=16).write_parquet("s3://bucket/scored/")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from stancekit.classifier import resolve_model_path

__all__ = ["read_dataset", "score_dataset"]


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("the Ray engine needs Ray Data: pip install 'stancekit[ray]'") from exc
    return ray


class _Scorer:
    """One per actor: the model is loaded once, then every batch goes through ``score_frame``."""

    def __init__(
        self,
        model_path: str,
        *,
        device: str,
        dtype: str,
        allow_pickle: bool,
        threads: int,
        text_column: str,
        target_column: str | None,
        targets: Sequence[str] | None,
        holder: str | None = None,
        holder_column: str | None = None,
    ) -> None:
        import torch

        from stancekit.classifier import Classifier

        torch.set_num_threads(max(1, threads))
        self.clf = Classifier.from_pretrained(model_path, device=device, dtype=dtype, allow_pickle=allow_pickle)
        self.text_column, self.target_column, self.targets = text_column, target_column, targets
        self.holder, self.holder_column = holder, holder_column

    def __call__(self, batch: pd.DataFrame) -> pa.Table:
        from stancekit.scoring import prediction_columns, score_frame

        for col in (self.text_column, self.target_column, self.holder_column):
            if col is not None and col not in batch.columns:
                raise KeyError(f"no column {col!r} in the dataset; columns are {list(batch.columns)}")
        out = score_frame(
            self.clf,
            batch,
            text_column=self.text_column,
            target_column=self.target_column,
            targets=self.targets,
            holder=self.holder,
            holder_column=self.holder_column,
        )
        # Fixed types for the score columns, so that blocks (some all-null) share one schema.
        label_col, proba_cols = prediction_columns(self.clf, list(batch.columns))
        fixed = {label_col: pa.string(), "error": pa.string(), "truncated": pa.bool_(), "target": pa.string()}
        if self.holder is not None:
            fixed["holder"] = pa.string()
        fixed.update({c: pa.float32() for c in proba_cols})
        fields = []
        for name in out.columns:
            if name in fixed and (name != "target" or self.targets) and (name != "holder" or self.holder):
                fields.append(pa.field(name, fixed[name]))
            else:
                fields.append(pa.Schema.from_pandas(out[[name]], preserve_index=False).field(name))
        return pa.Table.from_pandas(out, schema=pa.schema(fields), preserve_index=False)


def score_dataset(
    dataset: Any,
    model: str | os.PathLike[str] = "stance",
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: Sequence[str] | None = None,
    holder: str | None = None,
    holder_column: str | None = None,
    num_workers: int = 1,
    cpus_per_worker: float | None = None,
    batch_rows: int = 4096,
    device: str = "cpu",
    dtype: str = "auto",
    allow_pickle: bool = False,
) -> Any:
    """Score a Ray Dataset; returns a lazy Ray Dataset with the scores added (one row per row and target).

    Args:
        dataset: a ``ray.data.Dataset`` with a text column (and a target column for stance, unless ``targets``).
        model: model name or folder; the folder must be readable at the same path on every node.
        text_column, target_column, targets, holder, holder_column: as in :func:`stancekit.scoring.score_file`.
        num_workers: actors, each holding one copy of the model.
        cpus_per_worker: CPUs reserved per actor (and its torch threads); default: torch threads = the
            cluster's CPUs divided by ``num_workers``, with slightly less reserved so reads can still be scheduled.
        batch_rows: rows per Ray batch; each is sorted by length and cut into token-budget batches inside.
        device, dtype: per actor; ``device="cuda"`` also reserves one GPU per actor.

    Row order follows Ray's execution options; set
    ``ray.data.DataContext.get_current().execution_options.preserve_order = True`` to keep input order.
    """
    ray = _ray()
    if num_workers < 1 or batch_rows < 1:
        raise ValueError("num_workers and batch_rows must be positive")
    if targets and target_column:
        raise ValueError("give either targets or target_column, not both")
    path = str(resolve_model_path(model).resolve())
    if cpus_per_worker is None:
        total = float(ray.cluster_resources().get("CPU", os.cpu_count() or 1)) if ray.is_initialized() else 1.0
        threads = max(1, int(total // num_workers))
        # Reserve less than the actors' share so that the read and write tasks always find a CPU: with every
        # CPU held by an actor, Ray Data could not schedule the reads feeding them (a deadlock).
        cpus_per_worker = min(float(threads), max(0.25, (total - 1) / num_workers))
    else:
        threads = max(1, round(cpus_per_worker))
    kwargs = {
        "model_path": path,
        "device": device,
        "dtype": dtype,
        "allow_pickle": allow_pickle,
        "threads": threads,
        "text_column": text_column,
        "target_column": target_column,
        "targets": list(targets) if targets else None,
        "holder": holder,
        "holder_column": holder_column,
    }
    return dataset.map_batches(
        _Scorer,
        fn_constructor_kwargs=kwargs,
        batch_format="pandas",
        batch_size=batch_rows,
        concurrency=num_workers,
        num_cpus=cpus_per_worker,
        num_gpus=1 if device.startswith("cuda") else None,
    )


def read_dataset(path: str | os.PathLike[str], *, text_columns: Sequence[str] = ()) -> Any:
    """A Ray Dataset over a CSV / JSONL / Parquet file or a folder of them (format from the extension).

    CSV columns are read as text (no type guessing), like the local engine. A malformed file fails the Ray job:
    for dirty inputs, the local engine records bad rows in the ``error`` column instead.
    """
    ray = _ray()
    src = Path(path)
    files = sorted(p for p in src.iterdir() if p.is_file() and not p.name.startswith(".")) if src.is_dir() else [src]
    if not files:
        raise FileNotFoundError(f"{src}: no input files")
    suffixes = {p.suffix.lower() for p in files}
    if len(suffixes) != 1:
        raise ValueError(f"{src}: mixed file types {sorted(suffixes)}; give one format per folder")
    suffix = suffixes.pop()
    names = [str(p) for p in files]
    if suffix == ".csv":
        import pyarrow.csv as pacsv

        from stancekit.io import TableSource

        header = TableSource(files[0]).scan().columns
        convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, strings_can_be_null=False)
        return ray.data.read_csv(names, convert_options=convert)
    if suffix in (".jsonl", ".ndjson"):
        return ray.data.read_json(names, lines=True)
    if suffix in (".parquet", ".pq"):
        return ray.data.read_parquet(names)
    raise ValueError(f"{src}: the Ray engine reads .csv, .jsonl or .parquet, not {suffix!r}")
