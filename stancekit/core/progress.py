"""Progress for long runs: a tqdm bar (rows/s, ETA) on a terminal, periodic log lines anywhere else.

Both have tqdm's ``update(n)`` / ``close()`` interface, so the inference core updates either one.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, Protocol

from tqdm.auto import tqdm

logger = logging.getLogger("stancekit.progress")


class Progress(Protocol):
    def update(self, n: float | None = 1) -> Any: ...

    def close(self) -> None: ...


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class ProgressLog:
    """Logs ``scored 120000/1000000 rows (12.0%), 310 rows/s, ETA 47m18s`` every ``every`` seconds (and at close)
    to the ``stancekit.progress`` logger at INFO level."""

    def __init__(self, total: int | None, *, initial: int = 0, every: float = 30.0, desc: str = "scored") -> None:
        self.total, self.n, self.every, self.desc = total, initial, every, desc
        self._start_n = initial
        self._start = self._last = time.monotonic()

    def update(self, n: float | None = 1) -> None:
        self.n += int(n or 0)
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._log(now)

    def _log(self, now: float) -> None:
        elapsed = max(now - self._start, 1e-9)
        rate = (self.n - self._start_n) / elapsed
        if self.total:
            left = (self.total - self.n) / rate if rate > 0 else float("inf")
            eta = _duration(left) if left != float("inf") else "?"
            logger.info(
                "%s %d/%d rows (%.1f%%), %.0f rows/s, ETA %s", self.desc, self.n, self.total,
                100 * self.n / self.total, rate, eta,
            )  # fmt: skip
        else:
            logger.info("%s %d rows, %.0f rows/s", self.desc, self.n, rate)

    def close(self) -> None:
        self._log(time.monotonic())


def _terminal_width() -> int:
    """Columns of the terminal on stderr; 0 when stderr is not one (or a pseudo-terminal with no size)."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns if sys.stderr.isatty() else 0
    except (OSError, ValueError, AttributeError):
        return 0


def make_progress(
    enabled: bool, total: int | None, *, initial: int = 0, desc: str = "scoring", every: float = 30.0
) -> Progress:
    """A tqdm bar when stderr is a terminal with a width (or in a notebook), else a :class:`ProgressLog`; a silent
    bar when ``enabled`` is False."""
    if not enabled:
        return tqdm(total=total, disable=True)
    if _terminal_width() > 0 or "ipykernel" in sys.modules:
        return tqdm(total=total, initial=initial, unit="row", desc=desc, dynamic_ncols=True, smoothing=0.05)
    return ProgressLog(total, initial=initial, every=every)
