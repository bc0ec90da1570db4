"""Documents: plain-text files, folders of them and JSONL files of documents, and a document as a table of
sentences (x targets) that file scoring reads like any other table."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from stancekit.core.errors import ConfigError, InputError
from stancekit.core.text import split_sentences
from stancekit.io.paths import check_input_file
from stancekit.io.tables import TableChunk, expand_targets


def read_documents(paths: Sequence[str | Path], *, text_field: str = "text", id_field: str = "id") -> dict[str, str]:
    """Documents by id, in order, from ``.txt`` files, folders of ``.txt`` files and ``.jsonl`` files of documents.

    A single ``.txt`` file is named by its stem; several files (or a folder's) by their file names; a JSONL line by
    its ``id_field`` (else ``FILE-STEM:LINE``).

    Raises:
        InputError: a missing path, an empty folder, an unreadable or empty document, a repeated id, a JSONL line
            that is not an object with a string ``text_field`` (the message names the file and line).
    """
    docs: dict[str, str] = {}
    folders = [Path(p) for p in paths]
    for path in folders:
        for f in _document_files(path):
            named = len(folders) > 1 or path.is_dir()
            for doc_id, text, where in _read_document_file(f, named, text_field, id_field):
                if doc_id in docs:
                    raise InputError(f"{where}: document id {doc_id!r} is used twice")
                if not text.strip():
                    raise InputError(f"{where}: the document is empty")
                docs[doc_id] = text
    return docs


def _document_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise InputError(f"{path}: no .txt documents in this folder")
        return files
    if path.is_file():
        return [path]
    raise InputError(f"{path}: no such file or folder")


def _read_document_file(f: Path, named: bool, text_field: str, id_field: str) -> Iterator[tuple[str, str, str]]:
    """``(document id, text, where)`` for each document of one file."""
    if f.suffix.lower() != ".jsonl":
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{f}: not UTF-8 text ({exc})") from exc
        yield (f.name if named else f.stem), text, str(f)
        return
    with f.open("rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError as exc:
                raise InputError(f"{f}, line {line_no}: not valid JSON ({exc})") from exc
            if not isinstance(rec, dict) or not isinstance(rec.get(text_field), str):
                raise InputError(f"{f}, line {line_no}: expected an object with a string {text_field!r}")
            yield str(rec.get(id_field, f"{f.stem}:{line_no}")), rec[text_field], f"{f}, line {line_no}"


def document_rows(document: str, targets: Sequence[str] | None) -> pd.DataFrame:
    """One row per sentence (x target): ``sentence_index``, ``sentence`` and ``target``."""
    sentences = split_sentences(document)
    base = pd.DataFrame({"sentence_index": range(len(sentences)), "sentence": sentences})
    return expand_targets(base, targets) if targets else base


class DocumentSource:
    """A .txt document as a table of sentences (x targets), in chunks, with the interface of
    :class:`~stancekit.io.tables.TableSource`."""

    def __init__(self, path: Path, targets: Sequence[str] | None, chunk_rows: int) -> None:
        check_input_file(path)
        if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be a positive number of rows, got {chunk_rows!r}")
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
