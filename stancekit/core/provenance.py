"""Where a result came from: the git commit of the checkout that produced it (the benchmark suites)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_commit(path: str | Path | None = None, *, short: bool = False) -> str:
    """The commit checked out at ``path`` (default: the folder of this package), or ``"unknown"`` outside a git
    checkout or where git is not installed."""
    folder = Path(path) if path is not None else Path(__file__).resolve().parent
    if folder.is_file():
        folder = folder.parent
    cmd = ["git", "rev-parse", *(["--short"] if short else []), "HEAD"]
    try:
        return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
