"""The model folder a fitting step writes, checked before any work: a run must not fail after hours on its output."""

from __future__ import annotations

import os
from pathlib import Path

from stancekit.core.errors import ConfigError, OutputExistsError
from stancekit.io.paths import write_error


def check_output_dir(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Make sure a model can be written to ``path``; creates nothing.

    Args:
        path: the model folder to write (``output_dir``); it may be missing, with missing parents.
        force: allow a folder that already holds files (an earlier run's are written over; others are kept).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ConfigError: ``path`` (or a parent) is a file, or the folder that would hold it cannot be written.
        OutputExistsError: the folder is not empty and ``force`` is false.
    """
    out = Path(path)
    try:
        return _checked(out, force)
    except PermissionError as exc:  # a parent that may not be listed: Path.exists raises rather than answer
        raise ConfigError(f"output_dir {out} cannot be checked ({exc.strerror or exc})") from exc


def _checked(out: Path, force: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output_dir {out} is a file, not a folder")
    if out.is_dir():
        entries = sorted(p.name for p in out.iterdir())
        if entries and not force:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            raise OutputExistsError(
                f"output_dir {out} is not empty ({shown}); pass --force (force=True) to write the model into it, "
                "or choose another folder"
            )
        _refuse_unwritable(out, out)
        return out
    existing = next(p for p in out.absolute().parents if p.exists())  # the filesystem root always exists
    if not existing.is_dir():
        raise ConfigError(f"output_dir {out} cannot be created: {existing} is a file, not a folder")
    _refuse_unwritable(out, existing)
    return out


def _refuse_unwritable(out: Path, folder: Path) -> None:
    problem = write_error(folder)
    if problem is not None:
        where = "" if folder == out else f": {folder} is not writable"
        raise ConfigError(f"output_dir {out} cannot be written{where} ({problem.strerror or problem})") from problem
