"""Reading and writing tables in chunks (CSV, JSONL, Parquet) with atomic output.

Structural problems (unreadable file, unknown format, missing column) raise :class:`InputError` before any
work is done; row-level problems are the caller's to record in an ``error`` column.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
FORMATS = {**TABLE_FORMATS, ".txt": "txt"}


class InputError(ValueError):
    """A file cannot be scored as given (format, encoding, columns); the message names the file and column."""


def file_format(path: Path) -> str:
    """``csv``, ``jsonl``, ``parquet`` or ``txt``, from the file extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown format {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return fmt


def iter_table(path: Path, chunk_rows: int = 10_000) -> Iterator[pd.DataFrame]:
    """Read a CSV/JSONL/Parquet file in chunks of at most ``chunk_rows`` rows.

    CSV cells are read as strings exactly as written (no "NA" -> NaN guessing); an empty cell is ``""``.

    Raises:
        InputError: the file is missing, unreadable, or malformed (with the reader's reason).
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = file_format(path)
    try:
        if fmt == "csv":
            with pd.read_csv(
                path, dtype=str, keep_default_na=False, na_filter=False, chunksize=chunk_rows, encoding="utf-8"
            ) as reader:
                yield from reader
        elif fmt == "jsonl":
            with pd.read_json(path, lines=True, chunksize=chunk_rows, dtype=False, encoding="utf-8") as reader:
                yield from reader
        elif fmt == "parquet":
            pf = pq.ParquetFile(path)
            empty = True
            for batch in pf.iter_batches(batch_size=chunk_rows):
                empty = False
                yield batch.to_pandas()
            if empty:
                yield pf.schema_arrow.empty_table().to_pandas()
        else:
            raise InputError(f"{path}: a .txt file is a document, not a table")
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        return
    except (ValueError, UnicodeDecodeError, pa.ArrowException, pd.errors.ParserError, OSError) as exc:
        raise InputError(f"{path}: cannot read as {fmt}: {exc}") from exc


def read_table(path: Path) -> pd.DataFrame:
    """A whole table in memory (for small files such as training data)."""
    chunks = list(iter_table(path))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


class TableWriter:
    """Write chunks to ``path`` through a temporary file that is renamed into place on success.

    Use as a context manager: on an exception the temporary file is removed and ``path`` is left untouched.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = file_format(path)
        if self.format == "txt":
            raise InputError(f"{path}: cannot write a table as .txt; use .csv, .jsonl or .parquet")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent or Path("."))
        os.close(fd)
        self.tmp = Path(tmp)
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._rows = 0
        self._header = False

    def write(self, frame: pd.DataFrame) -> None:
        if self.format == "csv":
            frame.to_csv(self.tmp, mode="a", header=not self._header, index=False)
            self._header = True
        elif self.format == "jsonl":
            with self.tmp.open("a", encoding="utf-8") as fh:
                if len(frame):
                    body = frame.to_json(orient="records", lines=True, force_ascii=False)
                    fh.write(body if body.endswith("\n") else body + "\n")
        else:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.tmp, self._schema)
            else:
                table = table.cast(self._schema)
            self._parquet.write_table(table)
        self._rows += len(frame)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if exc_type is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            return
        if self.format == "parquet" and self._parquet is None:
            pq.write_table(pa.table({}), self.tmp)
        os.replace(self.tmp, self.path)
