"""Batch scoring of files: every input row gets exactly one output row, in input order, in bounded memory.

A row whose text is missing, empty or not text, or that the reader could not parse (a ragged CSV row, a broken
JSONL line, invalid UTF-8), still gets its row, with the ``error`` column saying why and the prediction columns
left empty; the run goes on. Structural problems stop the run before any work. Runs are crash-safe and
resumable (:mod:`stancekit.scoring.resume`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from stancekit.core.errors import ConfigError, InputError
from stancekit.core.progress import make_progress
from stancekit.core.text import Target, TermLike, as_term
from stancekit.core.version import __version__
from stancekit.io.documents import DocumentSource
from stancekit.io.paths import check_input_file, check_output_file
from stancekit.io.tables import TableChunk, TableSource, assemble, file_format, is_missing, write_part
from stancekit.model.classifier import Classifier
from stancekit.scoring.frame import check_holder_options, prediction_columns, score_frame
from stancekit.scoring.resume import RunLock, ScoringInterrupted, partial_dir, prepare_partial, write_state

logger = logging.getLogger(__name__)


@dataclass
class ScoreSummary:
    """What a scoring run did."""

    input: Path
    output: Path
    rows: int
    errors: int
    truncated: int
    resumed_from: int = 0  # input rows that an earlier, interrupted run had already scored


@dataclass
class _Request:
    """One file-scoring run's settings, checked."""

    src: Path
    dst: Path
    out_fmt: str
    text_column: str = "text"
    target_column: str | None = None
    targets: list[str] = field(default_factory=list)
    holder: str | None = None
    holder_column: str | None = None
    id_column: str | None = None
    chunk_rows: int = 10_000
    target_terms: list[Target] = field(default_factory=list)  # the targets with their aliases
    holder_term: Target | None = None  # the holder with its aliases
    identity: tuple[int, ...] = ()  # the input file's (device, inode, size, mtime, ctime) when the run started


def _identity(path: Path) -> tuple[int, ...]:
    # ctime too: a rewrite that keeps the size and puts the old mtime back (os.utime) still changes it.
    stat = path.stat()
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _check_unchanged(req: _Request) -> None:
    """Stop if the input was rewritten, replaced or touched since the run started (its rows would mix)."""
    try:
        now = _identity(req.src)
    except OSError as exc:
        raise InputError(f"{req.src}: the input disappeared during the run ({exc.strerror})") from exc
    if now != req.identity:
        raise InputError(
            f"{req.src}: the input file changed during the run (size, modification time or inode differ from "
            "when it started); nothing more is written. Score a copy that stays put, then run again with --force"
        )


def _check_request(clf: Classifier, req: _Request, *, force: bool) -> None:
    if isinstance(req.chunk_rows, bool) or not isinstance(req.chunk_rows, int) or req.chunk_rows < 1:
        raise ConfigError(f"chunk_rows (--chunk-rows) must be a positive number of rows, got {req.chunk_rows!r}")
    check_input_file(req.src)
    file_format(req.src)
    if req.out_fmt == "txt":
        raise InputError(f"{req.dst}: cannot write a table as .txt; use .csv, .jsonl or .parquet")
    if req.dst.exists() and req.dst.resolve() == req.src.resolve():
        raise InputError(f"{req.dst}: output would overwrite the input")
    check_output_file(req.dst, force=force)
    if clf.spec.is_pair and not req.targets and not req.target_column:
        raise InputError(f"{req.src}: a stance model needs a target: give --target T or --target-column C")
    if not clf.spec.is_pair and (req.targets or req.target_column):
        raise InputError("a sentiment model takes no targets; drop --target/--target-column")
    if req.targets and req.target_column:
        raise InputError("give either --target or --target-column, not both")
    if len(set(req.targets)) != len(req.targets):
        raise InputError(f"a target is given twice: {req.targets}")
    check_holder_options(clf, req.holder, req.holder_column)


def _open_source(clf: Classifier, req: _Request) -> TableSource | DocumentSource:
    """The input, scanned (structural problems stop here); a document's sentences become its rows."""
    if file_format(req.src) == "txt":
        source = DocumentSource(req.src, req.targets if clf.spec.is_pair else None, req.chunk_rows)
        req.text_column, req.target_column, req.targets = "sentence", ("target" if clf.spec.is_pair else None), []
        req.id_column = req.holder_column = None
        return source
    table = TableSource(req.src, req.chunk_rows).scan()
    roles = {"text": req.text_column, "target": req.target_column, "holder": req.holder_column, "id": req.id_column}
    table.check_text_columns(roles)
    if req.targets and "target" in table.columns:
        raise InputError(f"{req.src}: already has a 'target' column; use --target-column target instead of --target")
    return table


def _output_schema(clf: Classifier, req: _Request, source: TableSource | DocumentSource) -> pa.Schema:
    if req.holder is not None and "holder" in source.columns:
        raise InputError(f"{req.src}: already has a 'holder' column; use --holder-column holder instead of --holder")
    label_col, proba_cols = prediction_columns(clf, source.columns)
    clash = [c for c in [label_col, *proba_cols, "truncated", "error"] if c in source.columns]
    if clash:
        raise InputError(f"{req.src}: input columns {clash} would be overwritten by the scores; rename them first")
    return pa.schema(
        [source.schema.field(c) for c in source.columns]
        + ([pa.field("target", pa.string())] if req.targets else [])
        + ([pa.field("holder", pa.string())] if req.holder is not None else [])
        + [pa.field(label_col, pa.string())]
        + [pa.field(c, pa.float32()) for c in proba_cols]
        + [pa.field("truncated", pa.bool_()), pa.field("error", pa.string())]
    )


def _fingerprint(clf: Classifier, req: _Request) -> dict[str, Any]:
    """What a resumed run must share with the interrupted one: the input file as it was, every setting of the
    model that changes a score (each its own field, so that a refusal names it), and the run's options."""
    stat = req.src.stat()
    return {
        "stancekit": __version__,
        "input": str(req.src.resolve()),
        "input_size": stat.st_size,
        "input_mtime_ns": stat.st_mtime_ns,
        "input_inode": stat.st_ino,
        "input_ctime_ns": stat.st_ctime_ns,  # a rewrite that puts the old mtime back still changes it
        **{f"model.{key}": value for key, value in clf.fingerprint_fields().items()},
        "text_column": req.text_column,
        "target_column": req.target_column,
        "targets": list(req.targets),
        "target_aliases": {t.name: list(t.aliases) for t in req.target_terms if t.aliases},
        "holder": req.holder,
        "holder_aliases": list(req.holder_term.aliases) if req.holder_term is not None else [],
        "holder_column": req.holder_column,
        "id_column": req.id_column,
        "chunk_rows": req.chunk_rows,
        "output_format": req.out_fmt,
    }


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


def _seen_ids(req: _Request, state: dict[str, Any]) -> dict[Any, int]:
    """The ids of the rows an interrupted run already scored (so a repeat across the resume is still caught)."""
    seen: dict[Any, int] = {}
    if req.id_column is None or not state["chunks_done"]:
        return seen
    for chunk in TableSource(req.src, req.chunk_rows).scan().chunks():
        if chunk.first_row > int(state["rows_in"]):
            break
        _id_errors(chunk, req.id_column, seen)
    return seen


def _score_chunk(clf: Classifier, req: _Request, chunk: TableChunk, seen: dict[Any, int], bar: Any) -> Any:
    errors = chunk.errors
    if req.id_column is not None:
        errors = [a or b for a, b in zip(errors, _id_errors(chunk, req.id_column, seen))]
    scored = score_frame(
        clf, chunk.frame, text_column=req.text_column, target_column=req.target_column,
        targets=req.target_terms or None, holder=req.holder_term, holder_column=req.holder_column,
        row_errors=errors, progress=bar,
    )  # fmt: skip
    bar.update(int(scored["error"].notna().sum()))  # error rows skip the model, so the core never counts them
    return scored


def _run_chunks(
    clf: Classifier, req: _Request, source: Any, schema: pa.Schema, state: dict[str, Any], progress: bool
) -> None:
    """Score every chunk not yet done, with a progress bar; Ctrl-C becomes :class:`ScoringInterrupted`."""
    bar = make_progress(progress, source.rows * max(1, len(req.targets)), initial=int(state["rows_out"]))
    parts_dir = partial_dir(req.dst)
    try:
        _commit_chunks(clf, req, source, schema, state, bar)
    except KeyboardInterrupt:
        raise ScoringInterrupted(int(state["rows_in"]), source.rows, parts_dir) from None
    except BaseException:
        if state["chunks_done"]:
            logger.error("stopped; %d input rows are saved in %s for --resume", state["rows_in"], parts_dir)
        raise
    finally:
        bar.close()


def _commit_chunks(
    clf: Classifier, req: _Request, source: Any, schema: pa.Schema, state: dict[str, Any], bar: Any
) -> None:
    """Score every chunk not yet done, committing each (part file, then state) before the next."""
    parts_dir = partial_dir(req.dst)
    seen = _seen_ids(req, state)
    for chunk in source.chunks(skip_chunks=int(state["chunks_done"])):
        scored = _score_chunk(clf, req, chunk, seen, bar)
        index = int(state["chunks_done"])
        _check_unchanged(req)  # before the commit: a chunk read from a rewritten file is never kept
        write_part(scored, parts_dir / f"part-{index:06d}", req.out_fmt, schema)
        state.update(
            chunks_done=index + 1,
            rows_in=int(state["rows_in"]) + len(chunk.frame),
            rows_out=int(state["rows_out"]) + len(scored),
            errors=int(state["errors"]) + int(scored["error"].notna().sum()),
            truncated=int(state["truncated"]) + int(scored["truncated"].sum()),
        )
        write_state(parts_dir, state)


def _write_locked(
    clf: Classifier,
    req: _Request,
    source: Any,
    schema: pa.Schema,
    fingerprint: dict[str, Any],
    *,
    resume: bool,
    force: bool,
    progress: bool,
) -> dict[str, Any]:
    """Score and assemble the output under the output's lock (one run per output); returns the final state."""
    state: dict[str, Any] = {"rows_in": 0}
    with RunLock(partial_dir(req.dst), req.dst) as lock:
        try:
            state = prepare_partial(lock, fingerprint, resume=resume, force=force, total=source.rows)
            if state["chunks_done"]:
                logger.warning("resuming %s: %d input rows already scored in %s", req.dst, state["rows_in"],
                               lock.folder)  # fmt: skip
            _run_chunks(clf, req, source, schema, state, progress)
            _check_unchanged(req)
            parts = [lock.folder / f"part-{i:06d}" for i in range(int(state["chunks_done"]))]
            assemble(parts, req.dst, req.out_fmt, schema)
        except ScoringInterrupted:
            raise
        except KeyboardInterrupt:  # between the chunks (or while assembling): what is committed stays
            raise ScoringInterrupted(int(state["rows_in"]), source.rows, lock.folder) from None
        lock.remove()
    return state


def score_file(
    clf: Classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: TermLike | Sequence[TermLike] | None = None,
    holder: TermLike | None = None,
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
        targets: a target, or targets, to score every row/sentence against, when there is no target column; each
            a name or a :class:`~stancekit.core.text.Target` with aliases (entity-marker models mark its mentions).
        holder: whose stance to read, for every row (holder-aware models; added as a ``holder`` column); a name or
            a ``Target`` with aliases, e.g. ``Target("Armenia", ["Pashinyan", "Yerevan"])``.
        holder_column: column holding each row's holder; an empty cell scores that row without a holder.
        id_column: a column of row identifiers; a repeated or missing identifier is recorded as the row's error
            (the row is kept, unscored), so that results can be joined back without ambiguity.
        chunk_rows: input rows read, scored and committed at a time (memory stays bounded; the resume unit).
        progress: a bar with rows/s and ETA on a terminal, else a log line every 30 s (``stancekit.progress``).
        force: overwrite an existing output, and discard an interrupted run's saved chunks.
        resume: continue an interrupted run of the same command from its last committed chunk.

    Raises:
        InputError: unreadable input, unknown format, missing column, no target for a stance model, an output
            path that cannot be written, a resume whose input, model or settings differ from the interrupted run
            (the differing fields are named), or an input file that changed during the run.
        ConfigError: a chunk size that is not a positive number of rows; a set of targets (its order is arbitrary).
        OutputExistsError: the output exists and ``force`` is False, or an interrupted run's chunks exist and
            neither ``resume`` nor ``force`` is given.
        OutputLockedError: another live run is writing the same output (its pid is named).
        ScoringInterrupted: Ctrl-C; the finished chunks are kept for ``resume=True``.
    """
    if isinstance(targets, (set, frozenset)):
        raise ConfigError("targets must be a string or a list (a set has no order); e.g. targets=['CSTO', 'Russia']")
    terms = (
        [as_term(targets, "target")]
        if isinstance(targets, (str, Target))
        else [as_term(t, "target") for t in (targets or [])]
    )
    holder_term = None if holder is None else as_term(holder, "the holder")
    src, dst = Path(input_path), Path(output_path)
    req = _Request(src, dst, file_format(dst), text_column, target_column, [t.name for t in terms],
                   None if holder_term is None else holder_term.name, holder_column, id_column, chunk_rows,
                   terms, holder_term)  # fmt: skip
    _check_request(clf, req, force=force)
    req.identity = _identity(src)
    fingerprint = _fingerprint(clf, req)
    source = _open_source(clf, req)  # structural problems stop here, before anything is written
    schema = _output_schema(clf, req, source)
    state = _write_locked(clf, req, source, schema, fingerprint, resume=resume, force=force, progress=progress)
    summary = ScoreSummary(src, dst, int(state["rows_out"]), int(state["errors"]), int(state["truncated"]),
                           int(state["resumed_from"]))  # fmt: skip
    logger.info("scored %s", asdict(summary))
    return summary
