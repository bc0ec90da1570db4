"""Progress: log lines with rows/s and ETA where there is no terminal, nothing with --quiet."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stancekit.core.progress import ProgressLog, make_progress
from tests.conftest import REPO


def test_progress_log_lines(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 10.0, 31.0, 31.5, 62.0, 70.0])
    monkeypatch.setattr("stancekit.core.progress.time.monotonic", lambda: next(clock))
    with caplog.at_level(logging.INFO, logger="stancekit.progress"):
        bar = ProgressLog(1000, every=30)
        bar.update(100)  # t=10: too soon for a line
        bar.update(200)  # t=31: a line
        bar.update(100)  # t=31.5: too soon
        bar.update(300)  # t=62: a line
        bar.close()  # t=70: the final line
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "scored 300/1000 rows (30.0%), 10 rows/s, ETA 1m12s",
        "scored 700/1000 rows (70.0%), 11 rows/s, ETA 0m26s",
        "scored 700/1000 rows (70.0%), 10 rows/s, ETA 0m30s",
    ]


def test_make_progress_off_and_not_a_terminal() -> None:
    assert make_progress(False, 10).disable  # type: ignore[attr-defined]
    assert isinstance(make_progress(True, 10), ProgressLog)  # pytest captures stderr: not a terminal


def test_cli_logs_progress_unless_quiet(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["good", "bad", "fine"] * 10}).to_csv(src, index=False)

    def run(*extra: str) -> str:
        cmd = [sys.executable, "-m", "stancekit", "score", str(src), "--model", str(tiny_sentiment_dir),
               "-o", str(tmp_path / "out.csv"), "--force", *extra]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": ""})
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "scored 30/30 rows (100.0%)" in run()
    assert "scored" not in run("--quiet")
