"""Concurrency and locking: one run per output. A second run on an output that a live run is writing is refused
with that run's pid, touches nothing of it (not even with --force), and the live run finishes intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from stancekit.core.errors import OutputLockedError
from stancekit.model.classifier import Classifier
from stancekit.scoring.file import score_file
from stancekit.scoring.resume import RunLock, partial_dir
from tests.conftest import REPO, WORDS, make_tiny

HOLD = """
import sys, time
from pathlib import Path
from stancekit.scoring.resume import RunLock
dst = Path(sys.argv[1])
with RunLock(dst.parent / f".{dst.name}.partial", dst) as lock:
    (lock.folder / "state.json").write_text('{"chunks_done": 0}')
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def senti(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    return make_tiny(tmp_path_factory.mktemp("tiny"), "sentiment")


def _hold(dst: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(dst), str(seconds)], env=_env(), stdout=subprocess.PIPE,
                            text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def _input(path: Path, rows: int, word: str = "") -> Path:
    texts = [f"{word} " + " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(3 + i % 9)) for i in range(rows)]
    pd.DataFrame({"n": range(rows), "text": texts}).to_json(path, orient="records", lines=True)
    return path


def test_a_second_run_is_refused_naming_the_pid(tmp_path: Path, senti: Classifier) -> None:
    src, dst = _input(tmp_path / "in.jsonl", 5), tmp_path / "out.csv"
    holder = _hold(dst, 60)
    try:
        for force in (False, True):
            says = rf"another stancekit run is writing this output \(pid {holder.pid} on"
            with pytest.raises(OutputLockedError, match=says):
                score_file(senti, src, dst, progress=False, force=force)
        assert json.loads((partial_dir(dst) / "state.json").read_text()) == {"chunks_done": 0}  # untouched
        assert not dst.exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_runs_lock_is_free_at_once(tmp_path: Path, senti: Classifier) -> None:
    src, dst = _input(tmp_path / "in.jsonl", 5), tmp_path / "out.csv"
    holder = _hold(dst, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    summary = score_file(senti, src, dst, progress=False, force=True)  # its empty state is discarded with --force
    assert summary.rows == 5 and not partial_dir(dst).exists()


def test_lock_is_taken_and_released(tmp_path: Path) -> None:
    dst = tmp_path / "out.csv"
    with RunLock(partial_dir(dst), dst) as lock:
        owner = json.loads(lock.path.read_text())
        assert owner["pid"] == os.getpid()
        with pytest.raises(OutputLockedError), RunLock(partial_dir(dst), dst):
            pass  # another holder in the same process (a second thread or call) is refused too
        lock.remove()
    assert not partial_dir(dst).exists()
    with RunLock(partial_dir(dst), dst):
        pass


def test_two_cli_runs_on_one_output(tmp_path: Path, senti: Classifier) -> None:
    """Different inputs, the same -o, started together: one writes its own rows only, the other is refused."""
    model = senti.save_pretrained(tmp_path / "model", compact=False)
    first, second = _input(tmp_path / "a.jsonl", 6000, "alpha"), _input(tmp_path / "b.jsonl", 50, "beta")
    dst = tmp_path / "out.csv"

    def command(src: Path) -> list[str]:
        return [sys.executable, "-m", "stancekit", "score", str(src), "-o", str(dst), "--model", str(model),
                "--chunk-rows", "200", "--device", "cpu", "--quiet"]  # fmt: skip

    # The second run is started with its imports done, waiting for a line on stdin: it then starts scoring at
    # once, while the first is still writing (a cold start of Python and torch would outlast the first run).
    go = "import sys; from stancekit.cli import main; print('ready', flush=True); sys.stdin.readline(); "
    go += f"sys.exit(main({command(second)[3:]!r}))"
    b = subprocess.Popen([sys.executable, "-c", go], env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert b.stdout is not None and b.stdout.readline().strip() == "ready"
    a = subprocess.Popen(command(first), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (partial_dir(dst) / "state.json").exists() and a.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    _, err_b = b.communicate("go\n", timeout=120)
    _, err_a = a.communicate(timeout=300)
    assert a.returncode == 0, err_a
    assert b.returncode == 2, err_b
    assert f"another stancekit run is writing this output (pid {a.pid}" in err_b and "Traceback" not in err_b
    scored = pd.read_csv(dst)
    assert len(scored) == 6000 and scored["text"].str.startswith("alpha").all()
    assert scored["n"].tolist() == list(range(6000))


def test_a_second_interrupt_while_stopping_exits_without_a_traceback(tmp_path: Path, senti: Classifier) -> None:
    model = senti.save_pretrained(tmp_path / "model", compact=False)
    src, dst = _input(tmp_path / "in.jsonl", 6000), tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "stancekit", "score", str(src), "-o", str(dst), "--model", str(model),
           "--chunk-rows", "200", "--device", "cpu", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    deadline = time.monotonic() + 120
    while not (partial_dir(dst) / "state.json").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    # 130: stopped by the handlers; -SIGINT: the second one landed after Python's shutdown had put the default
    # handler back, which ends the process silently (a shell shows 130 for both).
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Traceback" not in err and ("stopped at once" in err or "--resume" in err)


def test_the_first_interrupt_arms_the_second(monkeypatch: pytest.MonkeyPatch) -> None:
    import stancekit.cli as cli

    installed: dict[int, object] = {}
    monkeypatch.setattr(cli.signal, "signal", lambda sig, handler: installed.__setitem__(sig, handler))
    with pytest.raises(KeyboardInterrupt):
        cli._stop(signal.SIGINT, None)
    assert installed == {signal.SIGINT: cli._stop_now, signal.SIGTERM: cli._stop_now}
    exits: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    cli._stop_now(signal.SIGINT, None)
    assert exits == [130]
