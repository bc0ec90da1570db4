"""``-`` as a path: stdin spooled to a temporary file, and an output file streamed to stdout at the end.

Spooling keeps every guarantee of file scoring (chunked, bounded memory, every row kept, the output's lock)
for data that arrives on a pipe: the library only ever sees files.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from stancekit.core.errors import InputError

STDIO = "-"
SUFFIXES = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "txt": ".txt"}
_BLOCK = 1 << 20


def is_stdio(path: Path | str | None) -> bool:
    """Whether a path argument is ``-`` (stdin as an input, stdout as an output)."""
    return path is not None and str(path) == STDIO


def spool_stdin(folder: Path, fmt: str) -> Path:
    """Copy stdin, as bytes, into ``folder/stdin.<fmt>``; returns that file.

    Raises:
        InputError: there is no stdin to read (an empty stdin is read like an empty file).
    """
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("-: there is no stdin to read; pipe the input in (e.g. < in.jsonl) or give a file")
    path = folder / f"stdin{SUFFIXES[fmt]}"
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, _BLOCK)
    return path


def stream_to_stdout(path: Path) -> None:
    """Write a finished file to stdout unchanged (bytes: Parquet too)."""
    sys.stdout.flush()
    stream = getattr(sys.stdout, "buffer", None)
    with path.open("rb") as f:
        if stream is None:  # a text-only replacement of sys.stdout
            sys.stdout.write(f.read().decode("utf-8"))
        else:
            shutil.copyfileobj(f, stream, _BLOCK)
    (stream or sys.stdout).flush()
