"""Crash-safe, resumable runs: a hidden folder of finished chunks next to the output, and the run's fingerprint.

Each chunk of input rows is scored, written to its own part file (synced, then renamed into place) in
``.OUTPUT.partial/``, and only then recorded as done in that folder's ``state.json``. After a crash (even SIGKILL)
or Ctrl-C, a resumed run re-reads the input past the recorded chunks and carries on; its fingerprint (input file,
model, columns, targets, chunk size) must match, so a resumed output is row for row what an uninterrupted run
writes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from stancekit.core.errors import InputError, OutputExistsError

logger = logging.getLogger(__name__)
STATE_FILE = "state.json"


class ScoringInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM through the CLI) stopped a run; the finished chunks are kept for ``resume=True``."""

    def __init__(self, rows_done: int, rows_total: int | None, partial: Path) -> None:
        self.rows_done, self.rows_total, self.partial = rows_done, rows_total, partial
        of = f" of {rows_total}" if rows_total is not None else ""
        super().__init__(
            f"interrupted: {rows_done}{of} input rows are scored and saved in {partial}; "
            "run the same command again with --resume (resume=True) to continue"
        )


def partial_dir(output: Path) -> Path:
    """The hidden folder where a run keeps its finished chunks until the output is complete."""
    return output.parent / f".{output.name}.partial"


def read_state(folder: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((folder / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def write_state(folder: Path, state: dict[str, Any]) -> None:
    """Replace ``state.json`` atomically (written, synced, renamed)."""
    tmp = folder / (STATE_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / STATE_FILE)


def _resumed(folder: Path, state: dict[str, Any], fingerprint: dict[str, Any]) -> dict[str, Any]:
    old = state.get("fingerprint", {})
    changed = sorted(k for k in set(old) | set(fingerprint) if old.get(k) != fingerprint.get(k))
    if changed:
        raise InputError(
            f"cannot resume from {folder}: the interrupted run differs in {', '.join(changed)}; "
            "run the same command as before, or pass --force (without --resume) to start over"
        )
    state["resumed_from"] = state["rows_in"]
    return state


def prepare_partial(
    folder: Path, fingerprint: dict[str, Any], *, resume: bool, force: bool, total: int
) -> dict[str, Any]:
    """The state to start from: a matching interrupted run's (``resume``), else a fresh one.

    Raises:
        InputError: ``resume`` with a fingerprint that differs (the differing fields are named).
        FileExistsError: an interrupted run's chunks exist and neither ``resume`` nor ``force`` is given.
    """
    if folder.exists():
        state = read_state(folder)
        if resume and state is not None:
            return _resumed(folder, state, fingerprint)
        if not resume and not force and state is not None and state.get("chunks_done"):
            raise OutputExistsError(
                f"{folder} holds an interrupted run ({state.get('rows_in')} of {total} input rows scored); "
                "pass --resume to continue it or --force to start over"
            )
        shutil.rmtree(folder)
    elif resume:
        logger.warning("nothing to resume at %s; starting from the first row", folder)
    folder.mkdir(parents=True)
    fresh = {"fingerprint": fingerprint, "chunks_done": 0, "rows_in": 0, "rows_out": 0, "errors": 0, "truncated": 0}
    fresh["resumed_from"] = 0
    write_state(folder, fresh)
    return fresh
