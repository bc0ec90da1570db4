"""Batch scoring of files: every input row gets exactly one output row, in input order.

A row whose text is missing, empty or not text still gets its row, with the ``error`` column saying why and the
prediction columns left empty; the run goes on. Structural problems stop the run before any work.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from stancekit.classifier import Classifier
from stancekit.io import InputError, TableWriter, file_format, iter_table
from stancekit.text import split_sentences

logger = logging.getLogger(__name__)


@dataclass
class ScoreSummary:
    """What a scoring run did."""

    input: Path
    output: Path
    rows: int
    errors: int
    truncated: int


def _cell_error(value: Any, what: str) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"missing {what}"
    if not isinstance(value, str):
        return f"{what} is {type(value).__name__}, not text"
    if not value.strip():
        return f"empty {what}"
    return None


def prediction_columns(clf: Classifier, existing: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Name of the predicted-label column and the probability columns (``p_<label>``)."""
    label_col = "predicted_label" if "label" in existing else "label"
    return label_col, [f"p_{name}" for name in clf.labels]


def score_frame(
    clf: Classifier,
    frame: pd.DataFrame,
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: Sequence[str] | None = None,
    progress: tqdm | bool = False,
) -> pd.DataFrame:
    """Score one chunk: the input columns plus the label, ``p_<label>`` columns, ``truncated`` and ``error``.

    With ``targets`` (and no ``target_column``) every row is scored against each target: the output then has
    one row per input row and target, grouped by input row, with a ``target`` column.
    """
    if targets and not target_column:
        return score_frame(
            clf, expand_targets(frame, targets), text_column=text_column, target_column="target", progress=progress
        )
    texts = frame[text_column].tolist()
    tgts = frame[target_column].tolist() if target_column else [None] * len(texts)
    errors: list[str | None] = []
    for text, tgt in zip(texts, tgts):
        err = _cell_error(text, f"text ({text_column!r})")
        if err is None and clf.spec.is_pair:
            err = _cell_error(tgt, f"target ({target_column!r})")
        errors.append(err)
    good = [i for i, e in enumerate(errors) if e is None]
    proba = np.full((len(texts), len(clf.labels)), np.nan, dtype=np.float32)
    truncated = np.zeros(len(texts), dtype=bool)
    items = ((texts[i], tgts[i] if clf.spec.is_pair else None) for i in good)
    pos = 0
    for chunk in clf.iter_proba(items, progress=progress):
        idx = good[pos : pos + len(chunk.proba)]
        proba[idx] = chunk.proba
        truncated[idx] = chunk.truncated
        pos += len(chunk.proba)
    label_col, proba_cols = prediction_columns(clf, list(frame.columns))
    out = frame.copy()
    labels = np.asarray(clf.labels, dtype=object)
    out[label_col] = [labels[int(np.argmax(p))] if e is None else None for p, e in zip(proba, errors)]
    for j, col in enumerate(proba_cols):
        out[col] = proba[:, j]
    out["truncated"] = truncated
    out["error"] = errors
    return out


def _check_columns(path: Path, columns: Sequence[str], needed: dict[str, str | None]) -> None:
    for role, col in needed.items():
        if col is not None and col not in columns:
            raise InputError(
                f"{path}: no {role} column {col!r}; columns are {list(columns)} (choose one with --{role}-column)"
            )


def expand_targets(frame: pd.DataFrame, targets: Sequence[str]) -> pd.DataFrame:
    """Each row once per target, grouped by row and in ``targets`` order, with a ``target`` column."""
    out = frame.loc[frame.index.repeat(len(targets))].reset_index(drop=True)
    out["target"] = list(targets) * len(frame)
    return out


def document_rows(document: str, targets: Sequence[str] | None) -> pd.DataFrame:
    """One row per sentence (x target): ``sentence_index``, ``sentence`` and ``target``."""
    sentences = split_sentences(document)
    base = pd.DataFrame({"sentence_index": range(len(sentences)), "sentence": sentences})
    return expand_targets(base, targets) if targets else base


def score_file(
    clf: Classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: Sequence[str] | None = None,
    chunk_rows: int = 10_000,
    progress: bool = True,
    force: bool = False,
) -> ScoreSummary:
    """Score a CSV / JSONL / Parquet table or a plain-text document, writing ``output_path`` atomically.

    Args:
        clf: the classifier.
        input_path: ``.csv``, ``.jsonl``, ``.parquet`` (rows) or ``.txt`` (a document, split into sentences).
        output_path: ``.csv``, ``.jsonl`` or ``.parquet``; refused if it exists unless ``force``.
        text_column: column holding the text (tables).
        target_column: column holding each row's target (stance models; tables).
        targets: targets to score every row/sentence against, when there is no target column.
        chunk_rows: rows read and written at a time (memory stays bounded).
        progress: progress bar on a terminal.
        force: overwrite an existing output.

    Raises:
        InputError: unreadable input, unknown format, missing column, or no target for a stance model.
        FileExistsError: the output exists and ``force`` is False.
    """
    src, dst = Path(input_path), Path(output_path)
    fmt = file_format(src)
    file_format(dst)
    if dst.exists() and not force:
        raise FileExistsError(f"{dst} exists; pass --force (force=True) to overwrite it")
    if dst.resolve() == src.resolve():
        raise InputError(f"{dst}: output would overwrite the input")
    if not dst.parent.exists():
        raise InputError(f"{dst}: folder {dst.parent} does not exist")
    if clf.spec.is_pair and not targets and not target_column:
        raise InputError(f"{src}: a stance model needs a target: give --target T or --target-column C")
    if not clf.spec.is_pair and (targets or target_column):
        raise InputError("a sentiment model takes no targets; drop --target/--target-column")
    if targets and target_column:
        raise InputError("give either --target or --target-column, not both")

    chunks: Iterator[pd.DataFrame]
    if fmt == "txt":
        if not src.is_file():
            raise InputError(f"{src}: no such file")
        try:
            document = src.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{src}: not UTF-8 text ({exc})") from exc
        frame = document_rows(document, targets if clf.spec.is_pair else None)
        chunks = iter([frame])
        text_column, target_column, targets = "sentence", ("target" if clf.spec.is_pair else None), None
        total: int | None = len(frame)
    else:
        chunks = iter_table(src, chunk_rows)
        total = _count_rows(src, fmt)

    first = next(chunks, None)
    if first is None:
        first = pd.DataFrame({text_column: pd.Series([], dtype=object)})
        if target_column:
            first[target_column] = pd.Series([], dtype=object)
    _check_columns(src, list(first.columns), {"text": text_column, "target": target_column})
    if targets and "target" in first.columns:
        raise InputError(f"{src}: already has a 'target' column; use --target-column target instead of --target")

    rows = errors = truncated = 0
    bar = tqdm(total=total * max(1, len(targets or [])) if total else None, unit="row", disable=not progress)
    with TableWriter(dst) as writer, bar:

        def handle(frame: pd.DataFrame) -> None:
            nonlocal rows, errors, truncated
            scored = score_frame(
                clf, frame, text_column=text_column, target_column=target_column, targets=targets, progress=bar
            )
            n_errors = int(scored["error"].notna().sum())
            bar.update(n_errors)  # error rows skip the model, so the core's bar never counts them
            writer.write(scored)
            rows += len(scored)
            errors += n_errors
            truncated += int(scored["truncated"].sum())

        handle(first)
        for frame in chunks:
            # A later JSONL chunk may lack a key altogether: its rows get "missing text" errors, not a crash.
            for col in (text_column, target_column):
                if col is not None and col not in frame.columns:
                    frame[col] = None
            handle(frame)
    logger.info("scored %d rows of %s into %s (%d errors, %d truncated)", rows, src, dst, errors, truncated)
    return ScoreSummary(src, dst, rows, errors, truncated)


def _count_rows(path: Path, fmt: str) -> int | None:
    """Row count for the progress bar, when it is cheap to know."""
    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # the reader reports the real problem
            return None
    return None
