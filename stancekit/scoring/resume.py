"""Crash-safe, resumable runs: a hidden folder of finished chunks next to the output, and the run's fingerprint.

Each chunk of input rows is scored, written to its own part file (synced, then renamed into place) in
``.OUTPUT.partial/``, and only then recorded as done in that folder's ``state.json``. After a crash (even SIGKILL)
or Ctrl-C, a resumed run re-reads the input past the recorded chunks and carries on; its fingerprint (input file,
model and everything that changes a score, columns, targets, chunk size) must match, so a resumed output is row
for row what an uninterrupted run writes.

One run per output: a run holds an exclusive lock (``filelock``, an ``flock`` on ``.OUTPUT.partial/lock``, which
records its pid and host) from before it reads the state until the output is complete; a second run on the same
output is refused, naming the pid that holds it, and never touches that run's folder. The kernel drops the lock
when a process dies, so a crashed run's folder is free for ``--resume`` at once.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Any

import filelock

from stancekit.core.errors import InputError, OutputExistsError, OutputLockedError

logger = logging.getLogger(__name__)
STATE_FILE = "state.json"
LOCK_FILE = "lock"


class RunLock:
    """The exclusive lock of one scoring run on its output's partial folder (a context manager).

    Raises:
        OutputLockedError: from ``__enter__``, when another process holds it (the message names its pid and host).
    """

    def __init__(self, folder: Path, output: Path) -> None:
        self.folder, self.output = folder, output
        self.path = folder / LOCK_FILE
        self._fd: int | None = None
        self._lock = filelock.FileLock(self.path, timeout=0, on_acquired=self._record_owner)

    def _record_owner(self, fd: int) -> None:
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(owner).encode("utf-8"), 0)
        self._fd = fd

    def _owner(self) -> str:
        try:
            owner = json.loads(self.path.read_text(encoding="utf-8"))
            return f"pid {owner['pid']} on {owner['host']}, since {owner['since']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "pid unknown"

    def __enter__(self) -> RunLock:
        for _ in range(3):
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                self._lock.acquire()
            except filelock.Timeout:
                raise OutputLockedError(
                    f"{self.output}: another stancekit run is writing this output ({self._owner()}; lock "
                    f"{self.path}); wait for it to finish, stop it, or choose another -o"
                ) from None
            if self._same_file():
                return self
            self._lock.release()  # the folder was removed (that run finished) after we opened it: take the new one
        raise OutputLockedError(f"{self.output}: could not take the lock {self.path}; try again")

    def _same_file(self) -> bool:
        try:
            return self._fd is not None and os.path.samestat(os.fstat(self._fd), os.stat(self.path))
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        try:
            if self.folder.is_dir() and [e.name for e in self.folder.iterdir()] == [LOCK_FILE]:
                self.remove()  # stopped before any state was written: leave nothing behind
        finally:
            self._lock.release()

    def clear(self) -> None:
        """Empty the folder of an earlier run's chunks (keeping the lock this run holds)."""
        for entry in self.folder.iterdir():
            if entry.name != LOCK_FILE:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()

    def remove(self) -> None:
        """Delete the folder at the end of a complete run, the lock file last (while still holding it)."""
        self.clear()
        self.path.unlink(missing_ok=True)
        self.folder.rmdir()


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
        shown = "; ".join(f"{k}: {_short(old.get(k))} then, {_short(fingerprint.get(k))} now" for k in changed)
        raise InputError(
            f"cannot resume from {folder}: the interrupted run differs in {', '.join(changed)} "
            f"({shown}); run the same command as before, or pass --force (without --resume) to start over"
        )
    state["resumed_from"] = state["rows_in"]
    return state


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:18] + "..." + text[-18:]


def prepare_partial(
    lock: RunLock, fingerprint: dict[str, Any], *, resume: bool, force: bool, total: int
) -> dict[str, Any]:
    """The state to start from, in the folder ``lock`` holds: a matching interrupted run's (``resume``), else a
    fresh one.

    Raises:
        InputError: ``resume`` with a fingerprint that differs (the differing fields are named).
        FileExistsError: an interrupted run's chunks exist and neither ``resume`` nor ``force`` is given.
    """
    folder = lock.folder
    state = read_state(folder)
    if resume and state is not None:
        return _resumed(folder, state, fingerprint)
    if not resume and not force and state is not None and state.get("chunks_done"):
        raise OutputExistsError(
            f"{folder} holds an interrupted run ({state.get('rows_in')} of {total} input rows scored); "
            "pass --resume to continue it or --force to start over"
        )
    if resume:
        logger.warning("nothing to resume at %s; starting from the first row", folder)
    lock.clear()
    fresh = {"fingerprint": fingerprint, "chunks_done": 0, "rows_in": 0, "rows_out": 0, "errors": 0, "truncated": 0}
    fresh["resumed_from"] = 0
    write_state(folder, fresh)
    return fresh
