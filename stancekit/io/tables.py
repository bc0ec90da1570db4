"""Streaming tables: read CSV / JSONL / Parquet a chunk at a time, write them a part at a time.

Reading is two passes over the file. :meth:`TableSource.scan` reads it once without keeping anything but counts
(rows, columns, the value types of a JSONL column) so that structural problems (unreadable file, malformed CSV
quoting, a duplicate header, a Parquet text column that is not text) stop the run *before any work*, and so that a
progress bar knows the total. :meth:`TableSource.chunks` then yields bounded chunks. A problem confined to one row
(a ragged CSV row, a broken JSONL line, invalid UTF-8 in a cell) does not stop anything: the row still comes out,
in order, with its problem in :attr:`TableChunk.errors`, so the caller can record it in an ``error`` column.

Writing goes through :func:`write_part` (one chunk to one file, synced and renamed into place) and
:func:`assemble` (the parts, in order, into the final file through a temporary name), which is what makes an
interrupted run resumable (see :mod:`stancekit.scoring`). :class:`TableWriter` wraps both for small whole tables.
:func:`expand_targets` is the one sentence (row) x target expansion, used by file scoring and document analysis.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stancekit.core.errors import ConfigError, InputError
from stancekit.io.paths import check_input_file
from stancekit.io.values import cell_text, is_missing, json_line, lone_surrogate_key, replace_surrogates

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
FORMATS = {**TABLE_FORMATS, ".txt": "txt"}
# RFC 4180 line ends: Python's csv quotes a field holding any character of the line terminator, so with "\r\n" a
# lone "\r" inside a text is quoted too (with "\n" alone it would be written bare and split the row for readers).
CSV_LINE_END = "\r\n"
_BAD_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by errors="surrogateescape"
_CSV_FIELD_LIMIT = 2**31 - 1  # the csv module's default (128 KiB) would reject a long text as malformed
_LINE_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_TEXT_TYPES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view, pa.types.is_null)
# What a file that is not UTF-8 text starts with: byte-order marks of other encodings and other formats' magic.
_NOT_UTF8 = {
    b"\xff\xfe\x00\x00": "UTF-32 text",
    b"\x00\x00\xfe\xff": "UTF-32 text",
    b"\xff\xfe": "UTF-16 text",
    b"\xfe\xff": "UTF-16 text",
    b"PAR1": "a Parquet file",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\xd0\xcf\x11\xe0": "an old Excel / Office file",
}


def file_format(path: Path) -> str:
    """``csv``, ``jsonl``, ``parquet`` or ``txt``, from the file extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown format {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return fmt


def repair_utf8(value: str) -> str:
    """A cell read with ``surrogateescape``: its undecodable bytes as U+FFFD, so it can be written out."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass
class TableChunk:
    """Rows ``first_row .. first_row + len(frame) - 1`` (1-based) of a table, with per-row read problems."""

    frame: pd.DataFrame
    errors: list[str | None]
    first_row: int


@dataclass
class _JsonColumn:
    types: set[type] = field(default_factory=set)

    def arrow_type(self) -> pa.DataType:
        kinds = self.types
        if not kinds or kinds == {str}:
            return pa.string()
        if kinds == {bool}:
            return pa.bool_()
        if kinds == {int}:
            return pa.int64()
        if kinds <= {int, float}:
            return pa.float64()
        return pa.string()  # mixed or nested values are written as JSON text


class TableSource:
    """A CSV, JSONL or Parquet file read in chunks of at most ``chunk_rows`` rows.

    Attributes (after :meth:`scan`):
        rows: number of data rows (CSV: records after the header, blank lines skipped; JSONL: non-blank lines,
            broken ones included; Parquet: rows).
        columns: column names in file order (JSONL: every key seen, in order of first appearance).
        schema: Arrow types of the columns (CSV: all strings; JSONL: inferred over the whole file; Parquet: its own).

    Raises:
        InputError: from :meth:`scan`, when the file is missing or structurally unreadable.
    """

    def __init__(self, path: str | os.PathLike[str], chunk_rows: int = 10_000) -> None:
        self.path = Path(path)
        self.format = file_format(self.path)
        if self.format == "txt":
            raise InputError(f"{self.path}: a .txt file is a document, not a table")
        if chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be a positive number of rows, got {chunk_rows}")
        self.chunk_rows = chunk_rows
        self.rows = 0
        self.columns: list[str] = []
        self.schema = pa.schema([])
        self._scanned = False

    # ------------------------------------------------------------------------------------------------- scanning
    def scan(self) -> TableSource:
        """Read the file once: count rows, learn the columns, stop on structural problems. Returns ``self``."""
        check_input_file(self.path)
        if self.format != "parquet":
            _check_text_file(self.path, self.format)
        try:
            getattr(self, f"_scan_{self.format}")()
        except InputError:
            raise
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise InputError(f"{self.path}: cannot read as {self.format}: {exc}") from exc
        self._scanned = True
        return self

    def _scan_csv(self) -> None:
        header: list[str] | None = None
        rows = 0
        with _open_csv(self.path) as fh:
            reader = csv.reader(fh, strict=True)
            try:
                for record in reader:
                    if not record:
                        continue
                    if header is None:
                        _refuse_bad_header(self.path, record, reader.line_num)
                        header = list(record)
                    else:
                        rows += 1
            except csv.Error as exc:
                raise InputError(f"{self.path}: line {reader.line_num}: malformed CSV ({exc})") from exc
        header = header or []
        dupes = sorted({c for c in header if header.count(c) > 1})
        if dupes:
            raise InputError(f"{self.path}: the header names column(s) {dupes} more than once")
        self.rows, self.columns = rows, header
        self.schema = pa.schema([(c, pa.string()) for c in header])

    def _scan_jsonl(self) -> None:
        columns: dict[str, _JsonColumn] = {}
        rows = 0
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rows += 1
                record = _parse_json_line(line)[0]
                if record is None:
                    continue
                for key, value in record.items():
                    col = columns.setdefault(key, _JsonColumn())
                    if not is_missing(value):
                        col.types.add(_json_kind(value))
        self.rows, self.columns = rows, list(columns)
        self.schema = pa.schema([(name, col.arrow_type()) for name, col in columns.items()])

    def _scan_parquet(self) -> None:
        pf = pq.ParquetFile(self.path)
        self.rows = int(pf.metadata.num_rows)
        # A pandas frame's index is stored as ordinary columns plus metadata; they are read as ordinary columns.
        self.schema = pf.schema_arrow.remove_metadata()
        self.columns = list(self.schema.names)
        dupes = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if dupes:
            raise InputError(f"{self.path}: the schema names column(s) {dupes} more than once")

    def check_text_columns(self, roles: dict[str, str | None]) -> None:
        """Every named column exists and, in Parquet, holds text. ``roles`` maps a role (``text``) to a column.

        Raises:
            InputError: naming the file, the column and the CLI option that chooses another one.
        """
        # No keys at all (an empty file, or a JSONL file whose every line is broken or {}): nothing names a
        # column, so there is none to miss; each row gets its own error, and the output gets the column.
        empty = not self.columns and ((self.rows == 0 and self.format == "csv") or self.format == "jsonl")
        for role, col in roles.items():
            if col is None:
                continue
            if empty and col not in self.columns:
                self.columns.append(col)
                self.schema = self.schema.append(pa.field(col, pa.string()))
                continue
            if col not in self.columns:
                raise InputError(
                    f"{self.path}: no {role} column {col!r}; columns are {self.columns} "
                    f"(choose one with --{role}-column)"
                )
            if self.format == "parquet":
                kind = self.schema.field(col).type
                if pa.types.is_dictionary(kind):
                    kind = kind.value_type
                if not any(test(kind) for test in _TEXT_TYPES):
                    raise InputError(f"{self.path}: {role} column {col!r} holds {kind}, not text (string)")

    # -------------------------------------------------------------------------------------------------- reading
    def chunks(self, skip_chunks: int = 0) -> Iterator[TableChunk]:
        """Chunks in file order; the first ``skip_chunks`` are read past without building frames where possible."""
        if not self._scanned:
            self.scan()
        reader = getattr(self, f"_chunks_{self.format}")
        try:
            yield from reader(skip_chunks)
        except InputError:
            raise
        except (OSError, pa.ArrowException, csv.Error) as exc:  # the file changed under us since scan()
            raise InputError(f"{self.path}: cannot read as {self.format}: {exc}") from exc

    def _frame(self, records: list[dict[str, Any]]) -> pd.DataFrame:
        # Object columns of the values as read: no dtype inference (an int column with gaps stays exact ints).
        return _object_frame({c: [r.get(c) for r in records] for c in self.columns})

    def _batches(
        self, items: Iterator[Any], skip_chunks: int, parse: Callable[[int, Any], tuple[dict[str, Any], str | None]]
    ) -> Iterator[TableChunk]:
        """Number the raw rows from 1, pass the first ``skip_chunks`` chunks unparsed, parse and group the rest."""
        skip = skip_chunks * self.chunk_rows
        records: list[dict[str, Any]] = []
        errors: list[str | None] = []
        first = skip + 1
        for row, item in enumerate(items, 1):
            if row <= skip:
                continue
            record, problem = parse(row, item)
            records.append(record)
            errors.append(problem)
            if len(records) == self.chunk_rows:
                yield TableChunk(self._frame(records), errors, first)
                records, errors, first = [], [], row + 1
        if records or first == 1:  # a file with no rows still gives one (empty) chunk, for its columns
            yield TableChunk(self._frame(records), errors, first)

    def _chunks_csv(self, skip_chunks: int) -> Iterator[TableChunk]:
        header = self.columns
        width = len(header)
        with _open_csv(self.path) as fh:
            reader = csv.reader(fh, strict=True)
            records = (record for record in reader if record)
            next(records, None)  # the header

            def parse(row: int, record: list[str]) -> tuple[dict[str, Any], str | None]:
                problem = None
                if len(record) != width:
                    problem = f"row {row} (line {reader.line_num}): {len(record)} fields where the header has {width}"
                    record = (record + [""] * width)[:width]
                values: dict[str, Any] = {}
                for name, cell in zip(header, record):
                    if _BAD_UTF8.search(cell):
                        problem = problem or f"row {row}, column {name!r}: invalid UTF-8 (bytes shown as U+FFFD)"
                        cell = repair_utf8(cell)
                    values[name] = cell
                return values, problem

            yield from self._batches(records, skip_chunks, parse)

    def _chunks_jsonl(self, skip_chunks: int) -> Iterator[TableChunk]:
        def parse(row: int, numbered: tuple[int, bytes]) -> tuple[dict[str, Any], str | None]:
            line_no, line = numbered
            record, problem = _parse_json_line(line)
            return record or {}, None if problem is None else f"row {row} (line {line_no}): {problem}"

        with self.path.open("rb") as fh:
            lines = ((n, line) for n, line in enumerate(fh, 1) if line.strip())
            yield from self._batches(lines, skip_chunks, parse)

    def _chunks_parquet(self, skip_chunks: int) -> Iterator[TableChunk]:
        pf = pq.ParquetFile(self.path)
        first, empty = 1, True
        for index, batch in enumerate(pf.iter_batches(batch_size=self.chunk_rows)):
            empty = False
            if index >= skip_chunks:
                errors: list[str | None] = [None] * batch.num_rows
                values = {
                    name: _arrow_values(batch.column(i), name, first, errors)
                    for i, name in enumerate(batch.schema.names)
                }
                yield TableChunk(_object_frame(values), errors, first)
            first += batch.num_rows
        if empty and skip_chunks == 0:
            yield TableChunk(_object_frame({c: [] for c in self.columns}), [], 1)


def _object_frame(values: dict[str, list[Any]]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(cells, dtype=object) for name, cells in values.items()})


def _arrow_values(column: pa.Array, name: str, first: int, errors: list[str | None]) -> list[Any]:
    """A Parquet column's cells as Python values; invalid UTF-8 in a text cell becomes that row's error."""
    try:
        return list(column.to_pylist())
    except UnicodeDecodeError:
        pass
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_dictionary(column.type):
        column = column.cast(kind)
    raw = column.view(pa.large_binary() if pa.types.is_large_string(kind) else pa.binary())
    cells: list[Any] = []
    for offset, value in enumerate(raw.to_pylist()):
        if value is None:
            cells.append(None)
            continue
        try:
            cells.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            cells.append(value.decode("utf-8", "replace"))
            if errors[offset] is None:
                errors[offset] = f"row {first + offset}, column {name!r}: invalid UTF-8 (bytes shown as U+FFFD)"
    return cells


def _check_text_file(path: Path, fmt: str) -> None:
    """Refuse a file that is really in another encoding or another format, saying which.

    CSV: its first bytes (a UTF-16 byte-order mark, a ZIP / Excel, gzip or Parquet signature). JSONL, whose broken
    lines are each a row's error: only a UTF-16 / UTF-32 file of JSON objects (every line would be broken).
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    for magic, what in _NOT_UTF8.items():
        if not head.startswith(magic):
            continue
        if fmt == "jsonl" and not _decodes_to_json(head, what):
            return
        raise InputError(f"{path}: is {what}, not UTF-8 {fmt}; convert it to UTF-8 {fmt} first")


def _decodes_to_json(head: bytes, what: str) -> bool:
    if not what.startswith("UTF-"):
        return False
    codec = {"UTF-16 text": "utf-16", "UTF-32 text": "utf-32"}[what]
    try:
        return head.decode(codec, errors="ignore").lstrip().startswith("{")
    except UnicodeError:
        return False


def _refuse_bad_header(path: Path, header: list[str], line: int) -> None:
    """Undecodable bytes in the header: the file is in another encoding (its names would come out garbled)."""
    for name in header:
        found = _BAD_UTF8.search(name)
        if found:
            byte = ord(found.group()) - 0xDC00  # surrogateescape keeps byte b as U+DC00 + b
            raise InputError(
                f"{path}: is not UTF-8 text (byte 0x{byte:02x} in the header, line {line}); "
                "save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 IN > OUT`"
            )


def _open_csv(path: Path) -> Any:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    return path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")


def _json_kind(value: Any) -> type:
    kind = type(value)
    if kind is int and not -(2**63) <= value < 2**63:
        return dict  # too big for int64: written as JSON text
    return kind


def _parse_json_line(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"invalid UTF-8 at byte {exc.start}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, "invalid JSON (nested too deeply)"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__}, not an object"
    where = lone_surrogate_key(value)
    if where is not None:  # valid JSON ("\\ud800") that no UTF-8 output can hold: kept with U+FFFD instead
        return replace_surrogates(value), f"invalid Unicode (a lone surrogate escape) in {where}"
    return value, None


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A whole (small) table in memory, e.g. training data.

    Raises:
        InputError: the file is unreadable, or a row is malformed (naming the row).
    """
    source = TableSource(path).scan()
    frames = []
    for chunk in source.chunks():
        problem = next((e for e in chunk.errors if e), None)
        if problem:
            raise InputError(f"{source.path}: {problem}")
        frames.append(chunk.frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# ------------------------------------------------------------------------------------------------------ writing
def output_schema(frame: pd.DataFrame, known: pa.Schema | None = None) -> pa.Schema:
    """Arrow types for ``frame``'s columns: ``known`` ones kept, the rest inferred (all-empty objects: string)."""
    fields = []
    for name in frame.columns:
        if known is not None and name in known.names:
            fields.append(known.field(name))
            continue
        col = frame[name]
        if col.dtype == object:
            values = [v for v in col if not is_missing(v)]
            kind = pa.bool_() if values and all(isinstance(v, bool) for v in values) else pa.string()
        else:
            kind = pa.Schema.from_pandas(col.to_frame(), preserve_index=False).field(name).type
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _text_cells(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pd.DataFrame:
    """Object columns as text cells (``42`` -> ``"42"``, ``{"a": 1}`` -> its JSON); with ``schema``, only the
    columns it types as text (the others keep their values for their Arrow type)."""
    out = frame.copy()
    for name in frame.columns:
        if frame[name].dtype != object:
            continue
        kind = None if schema is None else schema.field(name).type
        if kind is None or any(test(kind) for test in _TEXT_TYPES[:3]):
            out[name] = pd.Series([cell_text(v) for v in frame[name]], index=frame.index, dtype=object)
    return out


def write_part(frame: pd.DataFrame, path: Path, fmt: str, schema: pa.Schema) -> None:
    """Write one chunk (CSV without header) to ``path`` durably: temporary name, fsync, rename."""
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "csv":
        _text_cells(frame).to_csv(tmp, header=False, index=False, lineterminator=CSV_LINE_END)
    elif fmt == "jsonl":
        names = [str(c) for c in frame.columns]
        # Columns as numpy values (not itertuples, which widens float32 scores to float64 digits).
        columns = [list(frame[c].to_numpy()) for c in frame.columns]
        lines = (json_line(dict(zip(names, row))) for row in zip(*columns))
        # Characters that some line splitters (str.splitlines, JavaScript) treat as line ends, escaped.
        body = "".join(line.translate(_LINE_SEPARATORS) + "\n" for line in lines)
        tmp.write_text(body, encoding="utf-8")
    else:
        table = pa.Table.from_pandas(_text_cells(frame, schema), schema=schema, preserve_index=False)
        pq.write_table(table, tmp)
    _fsync(tmp)
    os.replace(tmp, path)


def assemble(parts: Sequence[Path], dst: Path, fmt: str, schema: pa.Schema) -> None:
    """Concatenate parts (in order) into ``dst`` through a temporary file renamed into place at the end."""
    # Not mkstemp: its 0600 mode would stick to the output; open() honours the user's umask.
    tmp = dst.parent / f".{dst.name}.{os.getpid()}.tmp"
    try:
        if fmt == "parquet":
            with pq.ParquetWriter(tmp, schema) as writer:
                for part in parts:
                    writer.write_table(pq.read_table(part, schema=schema))
        else:
            with tmp.open("wb") as out:
                if fmt == "csv":
                    header = pd.DataFrame(columns=schema.names).to_csv(index=False, lineterminator=CSV_LINE_END)
                    out.write(header.encode("utf-8"))
                for part in parts:
                    with part.open("rb") as fh:
                        shutil.copyfileobj(fh, out, 1 << 20)
        _fsync(tmp)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


class TableWriter:
    """Write a whole table to ``path`` atomically, chunk by chunk; on an exception ``path`` is left untouched.

    Use as a context manager. The first chunk fixes the column types (``schema`` may give them up front).
    """

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema | None = None) -> None:
        self.path = Path(path)
        self.format = file_format(self.path)
        if self.format == "txt":
            raise InputError(f"{self.path}: cannot write a table as .txt; use .csv, .jsonl or .parquet")
        self.schema = schema
        self._dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".parts", dir=self.path.parent))
        self._parts: list[Path] = []

    def write(self, frame: pd.DataFrame) -> None:
        if self.schema is None:
            self.schema = output_schema(frame)
        part = self._dir / f"part-{len(self._parts):06d}"
        write_part(frame, part, self.format, self.schema)
        self._parts.append(part)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                assemble(self._parts, self.path, self.format, self.schema or pa.schema([]))
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)


def expand_targets(frame: pd.DataFrame, targets: Sequence[str]) -> pd.DataFrame:
    """Each row once per target, grouped by row and in ``targets`` order, with a ``target`` column."""
    out = frame.loc[frame.index.repeat(len(targets))].reset_index(drop=True)
    out["target"] = list(targets) * len(frame)
    return out
