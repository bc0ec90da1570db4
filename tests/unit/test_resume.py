"""Crash safety for real: kill a scoring process (SIGKILL, SIGINT), resume it, compare with an uninterrupted run."""

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
import torch

from stancekit.core.errors import InputError
from stancekit.model.classifier import load
from stancekit.scoring.file import score_file
from stancekit.scoring.resume import ScoringInterrupted, partial_dir
from tests.conftest import REPO, WORDS

pytestmark = pytest.mark.slow
CHUNK = 400


def _input(path: Path, rows: int) -> Path:
    texts = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(3 + i % 23)) for i in range(rows)]
    pd.DataFrame({"id": range(rows), "text": texts}).to_json(path, orient="records", lines=True)
    return path


def _command(src: Path, dst: Path, model: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "stancekit", "score", str(src), "-o", str(dst), "--model", str(model),
            "--chunk-rows", str(CHUNK), "--device", "cpu", *extra]  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


def _chunks_done(dst: Path) -> int:
    try:
        return int(json.loads((partial_dir(dst) / "state.json").read_text())["chunks_done"])
    except (OSError, ValueError, KeyError):
        return 0


def _interrupt(cmd: list[str], dst: Path, sig: int, after_chunks: int) -> subprocess.CompletedProcess[str]:
    # A shell starts background jobs with SIGINT ignored, and Python keeps an ignored SIGINT: reset it in the
    # child so that the test means the same under `make test &` or a CI runner as in a terminal.
    proc = subprocess.Popen(
        cmd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while _chunks_done(dst) < after_chunks and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    """A 12,000-row input, the tiny model, and the output of an uninterrupted run."""
    from tests.conftest import make_tiny

    tmp = tmp_path_factory.mktemp("resume")
    model = make_tiny(tmp, "sentiment", max_length=64).save_pretrained(tmp / "model", compact=False)
    src = _input(tmp / "in.jsonl", 12_000)
    ref = tmp / "reference.jsonl"
    done = subprocess.run(_command(src, ref, model, "--quiet"), env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return src, model, ref.read_bytes()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["kill", "int", "term"])
def test_interrupt_then_resume_equals_uninterrupted(
    tmp_path: Path, setup: tuple[Path, Path, bytes], sig: signal.Signals
) -> None:
    src, model, reference = setup
    dst = tmp_path / "out.jsonl"
    stopped = _interrupt(_command(src, dst, model, "--quiet"), dst, sig, after_chunks=3)
    assert stopped.returncode != 0, "the run finished before the signal: make the input larger"
    assert not dst.exists(), "no output may appear before the run is complete"
    saved = _chunks_done(dst)
    assert 3 <= saved < 12_000 // CHUNK
    if sig == signal.SIGKILL:
        assert stopped.returncode == -signal.SIGKILL
    else:
        assert stopped.returncode == 130, stopped.stderr
        assert "--resume" in stopped.stderr and "Traceback" not in stopped.stderr  # a clean stop, says how

    if sig == signal.SIGKILL:  # without --resume the saved work is not thrown away silently
        again = subprocess.run(_command(src, dst, model, "--quiet"), env=_env(), capture_output=True, text=True)
        assert again.returncode == 2 and "--resume" in again.stderr and _chunks_done(dst) == saved

    cmd = _command(src, dst, model, "--quiet", "--resume")
    resumed = subprocess.run(cmd, env=_env(), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed after {saved * CHUNK} input rows" in resumed.stdout
    assert dst.read_bytes() == reference  # no row lost, none repeated, same order, same numbers
    assert not partial_dir(dst).exists()


class _StopAfter:
    """A progress object that presses Ctrl-C once ``rows`` rows are scored (an in-process interruption)."""

    def __init__(self, rows: int) -> None:
        self.rows, self.n = rows, 0

    def update(self, n: float | None = 1) -> None:
        self.n += int(n or 0)
        if self.n > self.rows:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


def _interrupt_in_process(monkeypatch: pytest.MonkeyPatch, rows: int, *args: object, **kwargs: object) -> None:
    import stancekit.scoring.file as scoring

    with monkeypatch.context() as m:
        m.setattr(scoring, "make_progress", lambda *a, **k: _StopAfter(rows))
        with pytest.raises(ScoringInterrupted, match="--resume"):
            score_file(*args, **kwargs)  # type: ignore[arg-type]


def test_resume_refuses_a_different_input_or_model(
    tmp_path: Path, tiny_sentiment_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clf = load(tiny_sentiment_dir, device="cpu")
    src = _input(tmp_path / "in.jsonl", 50)
    dst = tmp_path / "out.csv"
    _interrupt_in_process(monkeypatch, 10, clf, src, dst, chunk_rows=10)
    assert partial_dir(dst).is_dir() and _chunks_done(dst) == 1
    with pytest.raises(InputError, match="differs in chunk_rows"):
        score_file(clf, src, dst, chunk_rows=20, resume=True, progress=False)
    other = load(tiny_sentiment_dir, device="cpu")
    with torch.no_grad():
        next(other.model.parameters()).add_(1.0)
    with pytest.raises(InputError, match="differs in model"):
        score_file(other, src, dst, chunk_rows=10, resume=True, progress=False)
    os.utime(src, ns=(1, 1))
    with pytest.raises(InputError, match="differs in input_ctime_ns, input_mtime_ns"):
        score_file(clf, src, dst, chunk_rows=10, resume=True, progress=False)
    with pytest.raises(FileExistsError, match="interrupted run"):
        score_file(clf, src, dst, chunk_rows=10, progress=False)
    summary = score_file(clf, src, dst, chunk_rows=10, progress=False, force=True)  # start over
    assert summary.rows == 50 and summary.resumed_from == 0 and not partial_dir(dst).exists()


def test_resume_with_ids_keeps_duplicate_detection(
    tmp_path: Path, tiny_sentiment_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids seen before the interruption still count after a resume."""
    clf = load(tiny_sentiment_dir, device="cpu")
    src = tmp_path / "in.csv"
    src.write_text("id,text\n" + "".join(f"{i % 15},text {i}\n" for i in range(30)))
    ref = tmp_path / "ref.parquet"
    score_file(clf, src, ref, id_column="id", chunk_rows=10, progress=False)
    dst = tmp_path / "out.parquet"
    _interrupt_in_process(monkeypatch, 20, clf, src, dst, id_column="id", chunk_rows=10)
    assert _chunks_done(dst) == 2
    summary = score_file(clf, src, dst, id_column="id", chunk_rows=10, progress=False, resume=True)
    assert summary.resumed_from == 20 and summary.errors == 15
    got, want = pd.read_parquet(dst), pd.read_parquet(ref)
    pd.testing.assert_frame_equal(got, want)
    assert got["error"][15] == "duplicate id '0' in 'id' (first at row 1)"
