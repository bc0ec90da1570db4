"""Scoring on a Ray cluster with Ray Data, for inputs larger than one machine can score in time.

Each Ray actor loads the model once and scores the batches Ray hands it with the same inference core as local
scoring (:func:`stancekit.scoring.score_frame`: length-sorted batches under a token budget inside every batch,
one output row per input row, the same ``error`` column). Needs the optional extra: ``pip install
'stancekit[ray]'``.

On an existing cluster, every node must be able to read the model folder at the same path (a shared file system,
or stancekit and its ``models/`` installed on each node's image)::

    import ray
    from stancekit.scoring import distributed as sd
    ray.init(address="auto")
    ds = ray.data.read_parquet("s3://bucket/tweets/")
    sd.score_dataset(ds, "sentiment", num_workers=16).write_parquet("s3://bucket/scored/")

:func:`score_path` does what ``stancekit score --engine ray`` does: start (or join) Ray, read a file or folder,
score it and write Parquet shards.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import torch

from stancekit.core.deps import require
from stancekit.core.errors import ConfigError, InputError, OutputExistsError
from stancekit.core.text import Target, TermLike
from stancekit.io.tables import FORMATS, TableSource
from stancekit.model.classifier import Classifier
from stancekit.model.folder import resolve_model_path
from stancekit.model.options import LoadOptions
from stancekit.scoring.frame import prediction_columns, score_frame

__all__ = ["read_dataset", "score_dataset", "score_path"]


def _ray() -> Any:
    require("ray.data", "ray", purpose="the Ray engine")  # optional: the 'ray' extra
    return require("ray", "ray", purpose="the Ray engine")


class _Scorer:
    """One per actor: the model is loaded once, then every batch goes through ``score_frame``."""

    def __init__(
        self,
        model_path: str,
        *,
        options: dict[str, Any],
        threads: int,
        text_column: str,
        target_column: str | None,
        targets: Sequence[TermLike] | None,
        holder: TermLike | None = None,
        holder_column: str | None = None,
    ) -> None:
        torch.set_num_threads(max(1, threads))
        self.clf = Classifier.from_pretrained(model_path, LoadOptions(**options))
        self.text_column, self.target_column, self.targets = text_column, target_column, targets
        self.holder, self.holder_column = holder, holder_column

    def __call__(self, batch: pd.DataFrame) -> pa.Table:
        for col in (self.text_column, self.target_column, self.holder_column):
            if col is not None and col not in batch.columns:
                raise InputError(f"no column {col!r} in the dataset; columns are {list(batch.columns)}")
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


def _actor_resources(ray: Any, num_workers: int, cpus_per_worker: float | None) -> tuple[int, float]:
    """Torch threads per actor and the CPUs it reserves."""
    if cpus_per_worker is not None:
        return max(1, round(cpus_per_worker)), cpus_per_worker
    total = float(ray.cluster_resources().get("CPU", os.cpu_count() or 1)) if ray.is_initialized() else 1.0
    threads = max(1, int(total // num_workers))
    # Reserve less than the actors' share so that the read and write tasks always find a CPU: with every CPU held
    # by an actor, Ray Data could not schedule the reads feeding them (a deadlock).
    return threads, min(float(threads), max(0.25, (total - 1) / num_workers))


def score_dataset(
    dataset: Any,
    model: str | os.PathLike[str] = "stance",
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: TermLike | Sequence[TermLike] | None = None,
    holder: TermLike | None = None,
    holder_column: str | None = None,
    num_workers: int = 1,
    cpus_per_worker: float | None = None,
    batch_rows: int = 4096,
    options: LoadOptions | None = None,
    **overrides: Any,
) -> Any:
    """Score a Ray Dataset; returns a lazy Ray Dataset with the scores added (one row per row and target).

    Args:
        dataset: a ``ray.data.Dataset`` with a text column (and a target column for stance, unless ``targets``).
        model: model name or folder; the folder must be readable at the same path on every node.
        text_column, target_column, targets, holder, holder_column: as in :func:`stancekit.scoring.score_file`
            (targets and holder may carry aliases: :class:`~stancekit.core.text.Target`).
        num_workers: actors, each holding one copy of the model.
        cpus_per_worker: CPUs reserved per actor (and its torch threads); default: torch threads = the
            cluster's CPUs divided by ``num_workers``, with slightly less reserved so reads can still be scheduled.
        batch_rows: rows per Ray batch; each is sorted by length and cut into token-budget batches inside.
        options: how each actor loads and runs the model (:class:`~stancekit.model.options.LoadOptions`: dtype,
            backend, experts, batch budget, ...); ``overrides`` change single fields. ``device="auto"`` means the
            CPU here (a GPU must be asked for, so that Ray reserves one per actor).

    Row order follows Ray's execution options; set
    ``ray.data.DataContext.get_current().execution_options.preserve_order = True`` to keep input order.
    """
    ray = _ray()
    if num_workers < 1 or batch_rows < 1:
        raise ConfigError("num_workers and batch_rows must be positive")
    if targets and target_column:
        raise ConfigError("give either targets or target_column, not both")
    opts = LoadOptions.from_any(options, **overrides)
    if opts.device == "auto":
        opts = opts.replace(device="cpu")
    threads, cpus = _actor_resources(ray, num_workers, cpus_per_worker)
    kwargs = {
        "model_path": str(resolve_model_path(model).resolve()),
        "options": opts.to_dict(),
        "threads": threads,
        "text_column": text_column,
        "target_column": target_column,
        "targets": [targets] if isinstance(targets, (str, Target)) else (list(targets) if targets else None),
        "holder": holder,
        "holder_column": holder_column,
    }
    return dataset.map_batches(
        _Scorer,
        fn_constructor_kwargs=kwargs,
        batch_format="pandas",
        batch_size=batch_rows,
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        num_cpus=cpus,
        num_gpus=1 if opts.device.startswith("cuda") else None,
    )


def score_path(
    input_path: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    model: str | os.PathLike[str] = "stance",
    *,
    address: str | None = None,
    force: bool = False,
    progress: bool = True,
    log_to_driver: bool = False,
    ray_log_level: int | None = None,
    **kwargs: Any,
) -> Path:
    """Score a CSV / JSONL / Parquet file or folder on Ray into a folder of Parquet shards, in input order.

    Joins the cluster at ``address`` (or the one already initialised, or starts a local Ray, stopped again at the
    end). ``kwargs`` go to :func:`score_dataset` (columns, targets, holders, workers, ``options``...).
    ``ray_log_level`` (e.g. ``logging.ERROR``) is the level of the lines Ray and Ray Data print to the console
    during the run (``None``: Ray's own, info); their full logs stay in Ray's session folder either way.

    Raises:
        ConfigError: an output named like a file (``.csv``, ``.parquet``...: the output is a folder).
        OutputExistsError: it exists without ``force``.
    """
    ray = _ray()
    out = output_folder(output_dir)
    if out.exists():
        if not force:
            raise OutputExistsError(f"{out} exists; pass --force (force=True) to overwrite it")
        shutil.rmtree(out)
    with _console_level(ray_log_level):
        started = not ray.is_initialized()
        if started:
            init: dict[str, Any] = {} if ray_log_level is None else {"logging_level": ray_log_level}
            ray.init(address=address, include_dashboard=False, log_to_driver=log_to_driver, **init)
        try:
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = progress
            score_dataset(read_dataset(input_path), model, **kwargs).write_parquet(str(out))
        finally:
            if started:
                ray.shutdown()
    return out


def output_folder(output_dir: str | os.PathLike[str]) -> Path:
    """The folder :func:`score_path` writes: any name, dots included (``tweets.scored``, ``run.v2``), except one
    ending in a table extension, which would be mistaken for a single file.

    Raises:
        ConfigError: a name ending in ``.csv``, ``.jsonl``, ``.ndjson``, ``.parquet``, ``.pq`` or ``.txt``.
    """
    out = Path(output_dir)
    if out.suffix.lower() in FORMATS:
        raise ConfigError(
            f"{out}: the Ray engine writes a folder of Parquet shards, not a {out.suffix} file; give a folder name "
            f"(e.g. {out.with_suffix('.scored')})"
        )
    return out


@contextmanager
def _console_level(level: int | None) -> Iterator[None]:
    """Ray Data's console handlers at ``level`` for the run (its log file keeps everything), then as they were."""
    handlers = [] if level is None else [
        h for h in logging.getLogger("ray.data").handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    ]  # fmt: skip
    before = [h.level for h in handlers]
    for h in handlers:
        h.setLevel(max(h.level, level or 0))
    try:
        yield
    finally:
        for h, old in zip(handlers, before):
            h.setLevel(old)


def read_dataset(path: str | os.PathLike[str], *, text_columns: Sequence[str] = ()) -> Any:
    """A Ray Dataset over a CSV / JSONL / Parquet file or a folder of them (format from the extension).

    CSV columns are read as text (no type guessing), like the local engine. A malformed file fails the Ray job:
    for dirty inputs, the local engine records bad rows in the ``error`` column instead.
    """
    ray = _ray()
    src = Path(path)
    files = sorted(p for p in src.iterdir() if p.is_file() and not p.name.startswith(".")) if src.is_dir() else [src]
    if not files:
        raise InputError(f"{src}: no input files")
    suffixes = {p.suffix.lower() for p in files}
    if len(suffixes) != 1:
        raise InputError(f"{src}: mixed file types {sorted(suffixes)}; give one format per folder")
    suffix = suffixes.pop()
    names = [str(p) for p in files]
    if suffix == ".csv":
        import pyarrow.csv as pacsv

        header = TableSource(files[0]).scan().columns
        convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, strings_can_be_null=False)
        return ray.data.read_csv(names, convert_options=convert)
    if suffix in (".jsonl", ".ndjson"):
        return ray.data.read_json(names, lines=True)
    if suffix in (".parquet", ".pq"):
        return ray.data.read_parquet(names)
    raise InputError(f"{src}: the Ray engine reads .csv, .jsonl or .parquet, not {suffix!r}")
