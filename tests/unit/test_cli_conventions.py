"""Command-line conventions: --version, ``-`` as stdin/stdout, exit statuses, -v/-q/--log-level in any position,
machine-readable output (--json), a closed stdout, and third-party log noise held back."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from transformers.utils import logging as hf_logging

import stancekit
from stancekit.cli import COMMANDS, build_parser, main
from stancekit.cli import _logging as cli_logging
from stancekit.cli.score import ray_output
from stancekit.core.errors import ConfigError, InputError
from stancekit.data import DATASETS

ROOT = Path(__file__).resolve().parents[2]
ROWS = [{"id": "1", "text": "armenia might leave the csto", "topic": "CSTO"},
        {"id": "2", "text": "", "topic": "Russia"},
        {"id": "3", "text": "i love peace", "topic": "the west"}]  # fmt: skip


def _jsonl(rows: list[dict[str, Any]] = ROWS) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _cli(*args: str, stdin: bytes = b"", close_stdout: bool = False) -> subprocess.CompletedProcess[bytes]:
    """``python -m stancekit ARGS`` in a child process (stdin and stdout are real pipes there)."""
    cmd = [sys.executable, "-m", "stancekit", *args]
    if not close_stdout:
        return subprocess.run(cmd, input=stdin, capture_output=True, cwd=ROOT, timeout=300, check=False)
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader goes away before the first line is written, like `| head -n 0`
    err = child.stderr.read()
    return subprocess.CompletedProcess(cmd, child.wait(timeout=300), b"", err)


# ------------------------------------------------------------------------------------------------------ --version
def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"stancekit {stancekit.__version__}"


# ---------------------------------------------------------------------------------------------- stdin and stdout
@pytest.mark.slow
def test_score_stdin_to_stdout_in_a_pipe(tiny_stance_dir: Path) -> None:
    """`stancekit score - --format jsonl < in.jsonl -o -`: the table on stdout, the message on stderr; a row with
    an error is kept and the run still succeeds."""
    done = _cli("score", "-", "--format", "jsonl", "-o", "-", "--model", str(tiny_stance_dir),
                "--target-column", "topic", stdin=_jsonl())  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert "empty text" in rows[1]["error"] and rows[0]["error"] is None
    assert "wrote 3 rows to stdout from stdin (1 with an error" in done.stderr.decode()
    assert b"Traceback" not in done.stderr


@pytest.mark.slow
def test_closed_stdout_exits_quietly() -> None:
    """`stancekit datasets | head -n 0`: status 141 (128 + SIGPIPE, as for cat), no traceback, no message."""
    done = _cli("datasets", close_stdout=True)
    assert done.returncode == 141
    assert done.stderr == b""


def test_score_stdin_defaults_to_stdout(
    tiny_stance_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, _jsonl())
    assert main(["score", "-", "--format", "jsonl", "--output-format", "csv", "--model", str(tiny_stance_dir),
                 "--target-column", "topic", "-q"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert table["id"].tolist() == ["1", "2", "3"] and "p_favor" in table.columns
    assert "wrote 3 rows to stdout from stdin" in err


def test_score_stdin_to_a_file_and_a_file_to_stdout(
    tmp_path: Path, tiny_stance_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = ["--model", str(tiny_stance_dir), "--target-column", "topic", "-q"]
    _stdin(monkeypatch, _jsonl())
    dst = tmp_path / "out.parquet"
    assert main(["score", "-", "--format", "jsonl", "-o", str(dst), *model]) == 0
    assert pd.read_parquet(dst)["id"].tolist() == ["1", "2", "3"]
    assert f"wrote 3 rows to {dst} from stdin" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.partial*"))  # the output's run folder is gone: the run is complete
    src = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    assert main(["score", str(src), "-o", "-", *model]) == 0  # stdout in the input's format: CSV
    out, err = capsys.readouterr()
    assert pd.read_csv(io.StringIO(out), dtype=str)["id"].tolist() == ["1", "2", "3"]
    assert "wrote 3 rows to stdout" in err


def test_parquet_to_stdout_is_binary_and_unchanged(
    tmp_path: Path, tiny_stance_dir: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    src = tmp_path / "in.parquet"
    pd.DataFrame(ROWS).to_parquet(src, index=False)
    assert main(["score", str(src), "-o", "-", "--model", str(tiny_stance_dir), "--target-column", "topic",
                 "-q"]) == 0  # fmt: skip
    table = pd.read_parquet(io.BytesIO(capsysbinary.readouterr().out))
    assert table["id"].tolist() == ["1", "2", "3"] and "p_none" in table.columns


def test_score_a_document_from_stdin(
    tiny_stance_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, b"Armenia might leave the CSTO. Russia said nothing.\n")
    assert main(["score", "-", "--format", "txt", "--target", "CSTO", "--model", str(tiny_stance_dir), "-q"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))  # a .txt document's table: CSV by default
    assert len(table) == 2 and set(table["target"]) == {"CSTO"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "-", "--target", "x"], "reading stdin (INPUT -) needs --format"),
        (["score", "-", "--format", "jsonl", "--resume", "-o", "out.csv"], "--resume needs an input file"),
        (["score", "in.csv", "--format", "jsonl"], "--format names the format of stdin"),
        (["score", "in.csv", "-o", "out.csv", "--output-format", "csv"], "--output-format is the format written"),
        (["score", "-", "--format", "jsonl", "--engine", "ray"], "the Ray engine reads files or folders"),
    ],
)
def test_stdio_misuse_is_a_usage_error(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    pd.DataFrame(ROWS).to_csv(tmp_path / "in.csv", index=False)
    _stdin(monkeypatch, _jsonl())
    assert main([*args, "--model", "no-such-model"]) == 2  # refused before the model is looked for
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# --------------------------------------------------------------------------------------------------- exit status
def _run_raises(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def run(args: Any) -> int:
        raise exc

    monkeypatch.setattr(COMMANDS["datasets"], "run", run)


@pytest.mark.parametrize(
    ("exc", "status", "shown"),
    [
        (RuntimeError("boom"), 1, ["Traceback", "RuntimeError: boom", "internal error"]),
        (BrokenPipeError("a socket, not stdout"), 1, ["Traceback", "internal error"]),  # stdout is still open
        (InputError("bad.csv: no such file"), 2, ["stancekit datasets: error: bad.csv: no such file"]),
        (KeyboardInterrupt(), 130, ["stancekit datasets: interrupted"]),
    ],
)
def test_exit_status(
    exc: BaseException, status: int, shown: list[str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _run_raises(monkeypatch, exc)
    assert main(["datasets"]) == status
    err = capsys.readouterr().err
    assert all(s in err for s in shown), err
    if status != 1:
        assert "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["datasets", "--no-such-option"], ["datasets", "-v", "-q"], ["--log-level", "loud", "datasets"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
    assert "contradict" in capsys.readouterr().err


def test_success_with_row_errors_is_0(tmp_path: Path, tiny_stance_dir: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(_jsonl())
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(tiny_stance_dir), "--target-column", "topic",
                 "--quiet"]) == 0  # fmt: skip
    assert pd.read_csv(out)["error"].notna().sum() == 1


# ------------------------------------------------------------------------------------------ -v, -q, --log-level
@pytest.mark.parametrize(
    ("argv", "verbose", "quiet", "level"),
    [
        (["datasets"], False, False, None),
        (["-v", "datasets"], True, False, None),
        (["datasets", "-v"], True, False, None),
        (["datasets", "--verbose"], True, False, None),
        (["-q", "datasets"], False, True, None),
        (["score", "in.csv", "-q"], False, True, None),
        (["analyze", "doc.txt", "--quiet"], False, True, None),
        (["train", "r.yaml", "--log-level", "DEBUG"], False, False, "debug"),
        (["--log-level", "error", "evaluate", "--model", "m", "--dataset", "d"], False, False, "error"),
    ],
)
def test_logging_options_before_or_after_the_command(
    argv: list[str], verbose: bool, quiet: bool, level: str | None
) -> None:
    args = build_parser().parse_args(argv)
    assert (args.verbose, args.quiet, args.log_level) == (verbose, quiet, level)


@pytest.mark.parametrize(
    ("argv", "ours", "theirs"),
    [
        ([], logging.WARNING, logging.ERROR),
        (["-v"], logging.INFO, logging.INFO),
        (["-q"], logging.ERROR, logging.ERROR),
        (["--log-level", "debug"], logging.DEBUG, logging.DEBUG),
    ],
)
def test_log_levels_during_a_command_and_after(
    argv: list[str], ours: int, theirs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stancekit logs at the chosen level; transformers' load reports (warnings) and progress bars only with -v
    or --log-level; everything is as it was once the command returns."""
    seen: dict[str, Any] = {}

    def run(args: Any) -> int:
        seen.update(root=logging.getLogger().level, hf=hf_logging.get_verbosity(),
                    bars=hf_logging.is_progress_bar_enabled())  # fmt: skip
        return 0

    monkeypatch.setattr(COMMANDS["datasets"], "run", run)
    before = (logging.getLogger().level, hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled())
    assert main(["datasets", *argv]) == 0
    assert seen == {"root": ours, "hf": theirs, "bars": argv == ["-v"]}
    assert (logging.getLogger().level, hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()) == before


# ------------------------------------------------------------------------------------------------------- --json
def test_datasets_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == sorted(DATASETS)
    assert all({"task", "splits", "held_out", "metric", "description"} <= set(r) for r in rows)
    assert all(set(r["held_out"]) <= set(r["splits"]) for r in rows)


def test_analyze_json_and_stdin(
    tmp_path: Path, tiny_stance_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, b"Armenia might leave the CSTO. Russia said nothing.")
    table = tmp_path / "t.csv"
    args = ["analyze", "-", "--target", "CSTO", "--target", "Russia", "--model", str(tiny_stance_dir),
            "--sentiment-model", "none", "--json", "-o", str(table)]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)  # stdout is the JSON alone: the "wrote" line went to stderr
    assert result["holder"] is None and result["models"] == str(tiny_stance_dir)
    assert [r["target"] for r in result["summary"]] == ["CSTO", "Russia"]
    assert all({"mentions", "sentences", "stance", "score", "decisive"} <= set(r) for r in result["summary"])
    assert f"wrote 4 rows to {table}" in err


# ------------------------------------------------------------------------------------------------ Ray file names
def test_ray_output_folders_may_have_dots(tmp_path: Path) -> None:
    from stancekit.scoring.distributed import output_folder

    assert output_folder("tweets.scored") == Path("tweets.scored")
    assert output_folder(tmp_path / "run.v2") == tmp_path / "run.v2"
    with pytest.raises(ConfigError, match=r"give a folder name \(e\.g\. out\.scored\)"):
        output_folder("out.parquet")
    (tmp_path / "lake.v1").mkdir()
    assert ray_output(tmp_path / "lake.v1") == tmp_path / "lake.v1.scored"  # a folder keeps its whole name
    assert ray_output(Path("data/tweets.csv")) == Path("data/tweets.scored")
    assert ray_output(Path("data/tweets/")) == Path("data/tweets.scored")
    assert output_folder(ray_output(tmp_path / "lake.v1")) == tmp_path / "lake.v1.scored"


@pytest.mark.slow
def test_the_cli_leaves_global_state_alone_when_imported() -> None:
    """Quieting third parties happens when a command runs, not when stancekit.cli is imported."""
    code = ("import logging; from transformers.utils import logging as h; v = h.get_verbosity(); "
            "import stancekit.cli; assert h.get_verbosity() == v and h.is_progress_bar_enabled(); "
            "assert logging.getLogger().level == logging.WARNING and not logging.getLogger().handlers")  # fmt: skip
    assert cli_logging.QUIET_HELP  # the module is importable on its own
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
