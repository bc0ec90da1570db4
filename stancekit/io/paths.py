"""Paths checked before any work: an input that is a readable file, an output that can be written.

Every command checks its output paths up front (``score -o``, ``evaluate --json``, ``analyze --report / -o /
--png / --summary``, a training run's ``output_dir``), so that a typo costs a one-line error naming the path
instead of a traceback after an hour of scoring.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from stancekit.core.errors import InputError, OutputExistsError


def check_input_file(path: Path) -> None:
    """An input path that exists and is a regular file, else an :class:`InputError` that says what it is."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file (give one file; `--engine ray` reads a folder)")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: is not a regular file")


def check_writable_folder(folder: Path, what: str = "folder", *, for_path: Path | None = None) -> None:
    """``folder`` exists, is a directory and accepts a new file (tried, so a read-only mount is caught too).

    Raises:
        InputError: naming ``for_path`` (the file to be written there, if given), the folder and the problem.
    """
    where = f"{for_path}: {what} {folder}" if for_path is not None else f"{folder}: {what}"
    if not folder.exists():
        raise InputError(f"{where} does not exist; create it first")
    if not folder.is_dir():
        raise InputError(f"{where} is a file, not a folder")
    problem = write_error(folder)
    if problem is not None:
        raise InputError(f"{where} cannot be written in ({problem.strerror or problem})") from problem


def write_error(folder: Path) -> OSError | None:
    """Why a new file cannot be created in ``folder``, or None. Trying is the only reliable test: ``os.access``
    misreads ACLs, network filesystems, read-only mounts and root's rights."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".stancekit-write-check-"):
            return None
    except OSError as exc:
        return exc


def check_output_file(path: str | os.PathLike[str], *, force: bool = False, what: str = "output") -> Path:
    """Check that a file can be written at ``path`` (before any work); returns it as a :class:`Path`.

    Raises:
        InputError: the path is a directory or not a regular file, or its folder is missing or read-only.
        OutputExistsError: the file exists and ``force`` is False.
    """
    path = Path(path)
    if path.is_dir():
        example = path / ("scored" + (path.suffix or ".csv"))
        raise InputError(f"{path}: the {what} is a directory; give a file name, e.g. {example}")
    if path.exists() and not path.is_file():
        raise InputError(f"{path}: the {what} exists and is not a regular file")
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; pass --force (force=True) to overwrite it")
    check_writable_folder(path.parent, f"the {what}'s folder", for_path=path)
    if path.exists():
        with contextlib.suppress(OSError):
            if not os.access(path, os.W_OK):
                raise InputError(f"{path}: the {what} exists and is read-only")
    return path
