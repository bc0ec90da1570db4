"""The io layer: tables (CSV / JSONL / Parquet) read and written in bounded chunks, and documents.

See :mod:`stancekit.io.tables` and :mod:`stancekit.io.documents`.
"""

from stancekit.core.errors import InputError
from stancekit.io.documents import DocumentSource, document_rows, read_documents
from stancekit.io.tables import (
    FORMATS,
    TABLE_FORMATS,
    TableChunk,
    TableSource,
    TableWriter,
    assemble,
    expand_targets,
    file_format,
    is_missing,
    read_table,
    write_part,
)

__all__ = [
    "FORMATS",
    "TABLE_FORMATS",
    "DocumentSource",
    "InputError",
    "TableChunk",
    "TableSource",
    "TableWriter",
    "assemble",
    "document_rows",
    "expand_targets",
    "file_format",
    "is_missing",
    "read_documents",
    "read_table",
    "write_part",
]
