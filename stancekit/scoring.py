"""Batch scoring of files: every input row gets exactly one output row, in input order, in bounded memory.

A row whose text is missing, empty or not text, or that the reader could not parse (a ragged CSV row, a broken
JSONL line, invalid UTF-8), still gets its row, with the ``error`` column saying why and the prediction columns
left empty; the run goes on. Structural problems stop the run before any work.

A run is crash-safe and resumable. Each chunk of ``chunk_rows`` input rows is scored, written to its own part
file (synced, then renamed into place) in a hidden folder next to the output, ``.OUTPUT.partial/``, and only then
recorded as done in that folder's ``state.json``. The output itself appears, by an atomic rename, only when every
chunk is done. After a crash (even SIGKILL) or Ctrl-C, ``resume=True`` (``--resume``) re-reads the input past the
recorded chunks and carries on; the run's fingerprint (input file size and modification time, model weights,
columns, targets, chunk size) must match, so a resumed output is row for row what an uninterrupted run writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from stancekit import __version__
from stancekit.classifier import Classifier
from stancekit.config import first_segment
from stancekit.io import InputError, TableChunk, TableSource, assemble, file_format, is_missing, write_part
from stancekit.progress import Progress, make_progress
from stancekit.text import split_sentences

logger = logging.getLogger(__name__)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
STATE_FILE = "state.json"


@dataclass
class ScoreSummary:
    """What a scoring run did."""

    input: Path
    output: Path
    rows: int
    errors: int
    truncated: int
    resumed_from: int = 0  # input rows that an earlier, interrupted run had already scored


class ScoringInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM through the CLI) stopped a run; the finished chunks are kept for ``resume=True``."""

    def __init__(self, rows_done: int, rows_total: int | None, partial: Path) -> None:
        self.rows_done, self.rows_total, self.partial = rows_done, rows_total, partial
        of = f" of {rows_total}" if rows_total is not None else ""
        super().__init__(
            f"interrupted: {rows_done}{of} input rows are scored and saved in {partial}; "
            "run the same command again with --resume (resume=True) to continue"
        )


def _cell_error(value: Any, what: str) -> str | None:
    if is_missing(value):
        return f"missing {what}"
    if not isinstance(value, str):
        return f"{what} is {type(value).__name__}, not text"
    if not value.strip():
        return f"empty {what}"
    if _LONE_SURROGATE.search(value):
        return f"{what} holds invalid Unicode (a lone surrogate)"
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
    holder: str | None = None,
    holder_column: str | None = None,
    row_errors: Sequence[str | None] | None = None,
    progress: Progress | bool = False,
) -> pd.DataFrame:
    """Score one chunk: the input columns plus the label, ``p_<label>`` columns, ``truncated`` and ``error``.

    With ``targets`` (and no ``target_column``) every row is scored against each target: the output then has
    one row per input row and target, grouped by input row, with a ``target`` column. ``holder`` (one for all
    rows, added as a ``holder`` column) or ``holder_column`` (one per row) say whose stance to read; they need a
    holder-aware model, and a row with no holder is scored without one. ``row_errors`` are problems already
    known for some input rows (from the reader); those rows are not scored.
    """
    if (holder is not None or holder_column is not None) and not clf.spec.uses_holder:
        raise InputError("holders need a holder-aware model (such as 'directed'); this model reads only the target")
    if holder is not None and holder_column is not None:
        raise InputError("give either a holder or a holder column, not both")
    if targets and not target_column:
        repeated = None if row_errors is None else [e for e in row_errors for _ in targets]
        return score_frame(
            clf,
            expand_targets(frame, targets),
            text_column=text_column,
            target_column="target",
            holder=holder,
            holder_column=holder_column,
            row_errors=repeated,
            progress=progress,
        )
    if holder is not None:
        if not isinstance(holder, str) or not holder.strip():
            raise InputError(f"the holder must be a non-empty string, got {holder!r}")
        frame = frame.assign(holder=holder)
        holder_column = "holder"
    texts = frame[text_column].tolist()
    tgts = frame[target_column].tolist() if target_column else [None] * len(texts)
    holders = frame[holder_column].tolist() if holder_column else [None] * len(texts)
    known = list(row_errors) if row_errors is not None else [None] * len(texts)
    errors: list[str | None] = []
    for i, (text, tgt, known_error) in enumerate(zip(texts, tgts, known)):
        err = known_error or _cell_error(text, f"text ({text_column!r})")
        if err is None and clf.spec.is_pair:
            err = _cell_error(tgt, f"target ({target_column!r})")
        h = holders[i]
        if holder_column is not None and (is_missing(h) or (isinstance(h, str) and not h.strip())):
            holders[i] = None  # no holder: the row is scored for the stance the text itself expresses
        elif err is None and holder_column is not None:
            err = _cell_error(holders[i], f"holder ({holder_column!r})")
        errors.append(err)
    good = [i for i, e in enumerate(errors) if e is None]
    proba = np.full((len(texts), len(clf.labels)), np.nan, dtype=np.float32)
    truncated = np.zeros(len(texts), dtype=bool)
    items = ((texts[i], first_segment(str(tgts[i]), holders[i]) if clf.spec.is_pair else None) for i in good)
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
    out["error"] = pd.Series(errors, index=out.index, dtype=object)
    return out


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


class _DocumentSource:
    """A .txt document as a table of sentences (x targets), in chunks, with the interface of TableSource."""

    def __init__(self, path: Path, targets: Sequence[str] | None, chunk_rows: int) -> None:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            document = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
        self.path, self.format, self.chunk_rows = path, "txt", chunk_rows
        self.frame = document_rows(document, targets)
        self.rows = len(self.frame)
        self.columns = list(self.frame.columns)
        self.schema = pa.schema(
            [("sentence_index", pa.int64()), ("sentence", pa.string())] + ([("target", pa.string())] if targets else [])
        )

    def chunks(self, skip_chunks: int = 0) -> Iterator[TableChunk]:
        starts = range(0, max(self.rows, 1), self.chunk_rows)
        for index, start in enumerate(starts):
            if index >= skip_chunks:
                part = self.frame.iloc[start : start + self.chunk_rows].reset_index(drop=True)
                yield TableChunk(part, [None] * len(part), start + 1)


def partial_dir(output: Path) -> Path:
    """The hidden folder where a run keeps its finished chunks until the output is complete."""
    return output.parent / f".{output.name}.partial"


def model_fingerprint(clf: Classifier) -> str:
    """SHA-256 over the labels and every weight (so a resumed run provably uses the same model)."""
    digest = hashlib.sha256(json.dumps([clf.spec.to_dict(), str(clf.dtype)], sort_keys=True).encode())
    for name, tensor in clf.model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _read_state(folder: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((folder / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    tmp = folder / (STATE_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / STATE_FILE)


def score_file(
    clf: Classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: Sequence[str] | None = None,
    holder: str | None = None,
    holder_column: str | None = None,
    id_column: str | None = None,
    chunk_rows: int = 10_000,
    progress: bool = True,
    force: bool = False,
    resume: bool = False,
) -> ScoreSummary:
    """Score a CSV / JSONL / Parquet table or a plain-text document into ``output_path``, a chunk at a time.

    Args:
        clf: the classifier.
        input_path: ``.csv``, ``.jsonl``, ``.parquet`` (rows) or ``.txt`` (a document, split into sentences).
        output_path: ``.csv``, ``.jsonl`` or ``.parquet``; refused if it exists unless ``force``.
        text_column: column holding the text (tables).
        target_column: column holding each row's target (stance models; tables).
        targets: targets to score every row/sentence against, when there is no target column.
        holder: whose stance to read, for every row (holder-aware models; added as a ``holder`` column).
        holder_column: column holding each row's holder; an empty cell scores that row without a holder.
        id_column: a column of row identifiers; a repeated or missing identifier is recorded as the row's error
            (the row is kept, unscored), so that results can be joined back without ambiguity.
        chunk_rows: input rows read, scored and committed at a time (memory stays bounded; the resume unit).
        progress: a bar with rows/s and ETA on a terminal, else a log line every 30 s (``stancekit.progress``).
        force: overwrite an existing output, and discard an interrupted run's saved chunks.
        resume: continue an interrupted run of the same command from its last committed chunk.

    Raises:
        InputError: unreadable input, unknown format, missing column, no target for a stance model, or a resume
            whose input, model or settings differ from the interrupted run.
        FileExistsError: the output exists and ``force`` is False, or an interrupted run's chunks exist and
            neither ``resume`` nor ``force`` is given.
        ScoringInterrupted: Ctrl-C; the finished chunks are kept for ``resume=True``.
    """
    src, dst = Path(input_path), Path(output_path)
    fmt = file_format(src)
    out_fmt = file_format(dst)
    if out_fmt == "txt":
        raise InputError(f"{dst}: cannot write a table as .txt; use .csv, .jsonl or .parquet")
    if dst.exists() and not force:
        raise FileExistsError(f"{dst} exists; pass --force (force=True) to overwrite it")
    if src.exists() and dst.resolve() == src.resolve():
        raise InputError(f"{dst}: output would overwrite the input")
    if not dst.parent.exists():
        raise InputError(f"{dst}: folder {dst.parent} does not exist")
    if clf.spec.is_pair and not targets and not target_column:
        raise InputError(f"{src}: a stance model needs a target: give --target T or --target-column C")
    if not clf.spec.is_pair and (targets or target_column):
        raise InputError("a sentiment model takes no targets; drop --target/--target-column")
    if targets and target_column:
        raise InputError("give either --target or --target-column, not both")
    if targets and len(set(targets)) != len(targets):
        raise InputError(f"a target is given twice: {list(targets)}")
    if (holder is not None or holder_column is not None) and not clf.spec.uses_holder:
        raise InputError(
            "--holder/--holder-column need a holder-aware model such as --model directed; this model reads only "
            "the target"
        )
    if holder is not None and holder_column is not None:
        raise InputError("give either --holder or --holder-column, not both")
    if holder is not None and not holder.strip():
        raise InputError("--holder is empty")

    source: TableSource | _DocumentSource
    if fmt == "txt":
        source = _DocumentSource(src, targets if clf.spec.is_pair else None, chunk_rows)
        text_column, target_column, targets = "sentence", ("target" if clf.spec.is_pair else None), None
        id_column = holder_column = None
    else:
        source = TableSource(src, chunk_rows).scan()
        source.check_text_columns(
            {"text": text_column, "target": target_column, "holder": holder_column, "id": id_column}
        )
        if targets and "target" in source.columns:
            raise InputError(f"{src}: already has a 'target' column; use --target-column target instead of --target")
    if holder is not None and "holder" in source.columns:
        raise InputError(f"{src}: already has a 'holder' column; use --holder-column holder instead of --holder")
    label_col, proba_cols = prediction_columns(clf, source.columns)
    clash = [c for c in [label_col, *proba_cols, "truncated", "error"] if c in source.columns]
    if clash:
        raise InputError(f"{src}: input columns {clash} would be overwritten by the scores; rename them first")
    schema = pa.schema(
        [source.schema.field(c) for c in source.columns]
        + ([pa.field("target", pa.string())] if targets else [])
        + ([pa.field("holder", pa.string())] if holder is not None else [])
        + [pa.field(label_col, pa.string())]
        + [pa.field(c, pa.float32()) for c in proba_cols]
        + [pa.field("truncated", pa.bool_()), pa.field("error", pa.string())]
    )
    stat = src.stat()
    fingerprint = {
        "stancekit": __version__,
        "input": str(src.resolve()),
        "input_size": stat.st_size,
        "input_mtime_ns": stat.st_mtime_ns,
        "model": model_fingerprint(clf),
        "text_column": text_column,
        "target_column": target_column,
        "targets": list(targets or []),
        "holder": holder,
        "holder_column": holder_column,
        "id_column": id_column,
        "chunk_rows": chunk_rows,
        "output_format": out_fmt,
    }
    parts_dir = partial_dir(dst)
    state = _prepare_partial(parts_dir, fingerprint, resume=resume, force=force, total=source.rows)
    per_row = max(1, len(targets or []))
    done_chunks = int(state["chunks_done"])
    if done_chunks:
        logger.warning("resuming %s: %d input rows already scored in %s", dst, state["rows_in"], parts_dir)
    bar = make_progress(progress, source.rows * per_row, initial=int(state["rows_out"]))
    seen_ids: dict[Any, int] = {}
    try:
        if id_column is not None and done_chunks:
            for chunk in TableSource(src, chunk_rows).scan().chunks():
                if chunk.first_row > int(state["rows_in"]):
                    break
                _id_errors(chunk, id_column, seen_ids)
        for chunk in source.chunks(skip_chunks=done_chunks):
            errors = chunk.errors
            if id_column is not None:
                errors = [a or b for a, b in zip(errors, _id_errors(chunk, id_column, seen_ids))]
            scored = score_frame(
                clf,
                chunk.frame,
                text_column=text_column,
                target_column=target_column,
                targets=targets,
                holder=holder,
                holder_column=holder_column,
                row_errors=errors,
                progress=bar,
            )
            n_errors = int(scored["error"].notna().sum())
            bar.update(n_errors)  # error rows skip the model, so the core never counts them
            index = int(state["chunks_done"])
            write_part(scored, parts_dir / f"part-{index:06d}", out_fmt, schema)
            state.update(
                chunks_done=index + 1,
                rows_in=int(state["rows_in"]) + len(chunk.frame),
                rows_out=int(state["rows_out"]) + len(scored),
                errors=int(state["errors"]) + n_errors,
                truncated=int(state["truncated"]) + int(scored["truncated"].sum()),
            )
            _write_state(parts_dir, state)
    except KeyboardInterrupt:
        bar.close()
        raise ScoringInterrupted(int(state["rows_in"]), source.rows, parts_dir) from None
    except BaseException:
        bar.close()
        if state["chunks_done"]:
            logger.error("stopped; %d input rows are saved in %s for --resume", state["rows_in"], parts_dir)
        raise
    bar.close()
    parts = [parts_dir / f"part-{i:06d}" for i in range(int(state["chunks_done"]))]
    assemble(parts, dst, out_fmt, schema)
    shutil.rmtree(parts_dir, ignore_errors=True)
    summary = ScoreSummary(
        src, dst, int(state["rows_out"]), int(state["errors"]), int(state["truncated"]), int(state["resumed_from"])
    )
    logger.info("scored %s", asdict(summary))
    return summary


def _prepare_partial(
    folder: Path, fingerprint: dict[str, Any], *, resume: bool, force: bool, total: int
) -> dict[str, Any]:
    """The state to start from: a matching interrupted run's (``resume``), else a fresh one."""
    fresh = {"fingerprint": fingerprint, "chunks_done": 0, "rows_in": 0, "rows_out": 0, "errors": 0, "truncated": 0}
    if folder.exists():
        state = _read_state(folder)
        if resume and state is not None:
            old = state.get("fingerprint", {})
            changed = sorted(k for k in set(old) | set(fingerprint) if old.get(k) != fingerprint.get(k))
            if changed:
                raise InputError(
                    f"cannot resume from {folder}: the interrupted run differs in {', '.join(changed)}; "
                    "run the same command as before, or pass --force (without --resume) to start over"
                )
            state["resumed_from"] = state["rows_in"]
            return state
        if not resume and not force and state is not None and state.get("chunks_done"):
            raise FileExistsError(
                f"{folder} holds an interrupted run ({state.get('rows_in')} of {total} input rows scored); "
                "pass --resume to continue it or --force to start over"
            )
        shutil.rmtree(folder)
    elif resume:
        logger.warning("nothing to resume at %s; starting from the first row", folder)
    folder.mkdir(parents=True)
    fresh["resumed_from"] = 0
    _write_state(folder, fresh)
    return fresh


def _id_errors(chunk: TableChunk, id_column: str, seen: dict[Any, int]) -> list[str | None]:
    out: list[str | None] = []
    for offset, value in enumerate(chunk.frame[id_column].tolist()):
        row = chunk.first_row + offset
        if is_missing(value) or (isinstance(value, str) and not value.strip()):
            out.append(f"missing id ({id_column!r})")
            continue
        key = value if isinstance(value, (str, int, float, bool)) else json.dumps(value, sort_keys=True, default=str)
        first = seen.setdefault(key, row)
        out.append(None if first == row else f"duplicate id {value!r} in {id_column!r} (first at row {first})")
    return out
