"""Options and output paths: every numeric option and every output path is checked once, for every input format,
before any work, with a one-line error naming the option or the path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stancekit.cli import main
from stancekit.core.errors import ConfigError, InputError, OutputExistsError
from stancekit.model.classifier import Classifier
from stancekit.model.options import LoadOptions
from stancekit.scoring.file import score_file
from tests.conftest import make_tiny

INPUTS = {
    ".csv": "text\ngood\nbad\n",
    ".jsonl": '{"text": "good"}\n{"text": "bad"}\n',
    ".txt": "Good peace. Bad war.\n",
}


@pytest.fixture(scope="module")
def senti(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    return make_tiny(tmp_path_factory.mktemp("tiny"), "sentiment")


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the command gets as far as loading a model (the checks must come first)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the model was loaded before the options were checked")

    monkeypatch.setattr("stancekit.cli._util.load", refuse)


def _input(tmp_path: Path, suffix: str) -> Path:
    src = tmp_path / f"in{suffix}"
    src.write_text(INPUTS[suffix], encoding="utf-8")
    return src


@pytest.mark.parametrize("suffix", sorted(INPUTS))
@pytest.mark.parametrize("value", [-5, 0, True, 2.5, "10"])
def test_chunk_rows_is_checked_for_every_format(tmp_path: Path, senti: Classifier, suffix: str, value: Any) -> None:
    dst = tmp_path / "out.csv"
    with pytest.raises(ConfigError, match="chunk_rows"):
        score_file(senti, _input(tmp_path, suffix), dst, chunk_rows=value, progress=False)
    assert not dst.exists() and not (tmp_path / ".out.csv.partial").exists()


@pytest.mark.parametrize("suffix", sorted(INPUTS))
@pytest.mark.parametrize(
    ("option", "value"),
    [("--chunk-rows", "-5"), ("--chunk-rows", "0"), ("--batch-size", "0"), ("--max-tokens", "-1"),
     ("--num-workers", "0"), ("--chunk-rows", "ten")],
)  # fmt: skip
def test_cli_numeric_options_stop_before_any_work(
    tmp_path: Path, suffix: str, option: str, value: str, no_model: None, capsys: Any
) -> None:
    dst = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as stop:
        main(["score", str(_input(tmp_path, suffix)), "--model", "sentiment", "-o", str(dst), option, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and "Traceback" not in err
    assert not dst.exists()


@pytest.mark.parametrize("field", ["batch_size", "max_tokens"])
@pytest.mark.parametrize("value", [0, -3, 1.5, True])
def test_load_options_refuse_bad_budgets(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=field):
        LoadOptions(**{field: value})


def test_targets_as_one_string_and_sets_refused(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    stance = make_tiny(tmp_path_factory.mktemp("stance"), "stance")
    src = tmp_path / "in.csv"
    src.write_text("text\nArmenia might leave the CSTO\n")
    summary = score_file(stance, src, tmp_path / "out.csv", targets="CSTO", progress=False)
    assert summary.rows == 1  # one target, not four one-letter ones
    assert "CSTO" in (tmp_path / "out.csv").read_text()
    with pytest.raises(ConfigError, match="set has no order"):
        score_file(stance, src, tmp_path / "out2.csv", targets={"CSTO", "Russia"}, progress=False)


# ------------------------------------------------------------------------------------------------- output paths
def _bad_outputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "a-folder.csv").mkdir()
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "exists.csv").write_text("x")
    return {
        "directory": (tmp_path / "a-folder.csv", "is a directory"),
        "missing folder": (tmp_path / "nowhere" / "out.csv", "does not exist"),
        "folder is a file": (tmp_path / "a-file" / "out.csv", "is a file, not a folder"),
        "exists": (tmp_path / "exists.csv", "exists; pass --force"),
    }


@pytest.mark.parametrize("case", ["directory", "missing folder", "folder is a file", "exists"])
def test_score_output_path_checked_before_the_model_loads(
    tmp_path: Path, case: str, no_model: None, capsys: Any
) -> None:
    dst, says = _bad_outputs(tmp_path)[case]
    rc = main(["score", str(_input(tmp_path, ".csv")), "--model", "sentiment", "-o", str(dst)])
    err = capsys.readouterr().err
    assert rc == 2 and says in err and str(dst) in err and "Traceback" not in err


def test_read_only_output_folder(tmp_path: Path, senti: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that refuses new files (a read-only mount; chmod alone does not stop root, so the write is tried)."""
    import tempfile as tempfile_module

    real = tempfile_module.NamedTemporaryFile

    def read_only(*args: Any, **kwargs: Any) -> Any:
        if Path(str(kwargs.get("dir", ""))) == tmp_path / "ro":
            raise PermissionError(13, "Read-only file system")
        return real(*args, **kwargs)

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr("stancekit.io.paths.tempfile.NamedTemporaryFile", read_only)
    with pytest.raises(
        InputError, match=r"out.csv: the output.s folder .*ro cannot be written in \(Read-only file system"
    ):
        score_file(senti, _input(tmp_path, ".csv"), tmp_path / "ro" / "out.csv", progress=False)


@pytest.mark.parametrize("option", ["--report", "--png", "-o", "--summary"])
@pytest.mark.parametrize("case", ["directory", "missing folder", "folder is a file", "exists"])
def test_analyze_output_paths_checked_first(
    tmp_path: Path, option: str, case: str, no_model: None, capsys: Any
) -> None:
    dst, says = _bad_outputs(tmp_path)[case]
    rc = main(["analyze", str(_input(tmp_path, ".txt")), "--target", "CSTO", option, str(dst)])
    err = capsys.readouterr().err
    assert rc == 2 and says in err and "Traceback" not in err


def test_analyze_table_outputs_need_a_table_format(tmp_path: Path, no_model: None, capsys: Any) -> None:
    rc = main(["analyze", str(_input(tmp_path, ".txt")), "--target", "CSTO", "-o", str(tmp_path / "table.txt")])
    assert rc == 2 and "cannot write a table as .txt" in capsys.readouterr().err


def test_analyze_same_path_twice(tmp_path: Path, no_model: None, capsys: Any) -> None:
    out = str(tmp_path / "t.csv")
    rc = main(["analyze", str(_input(tmp_path, ".txt")), "--target", "CSTO", "-o", out, "--summary", out])
    assert rc == 2 and "given as two different outputs" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["directory", "missing folder", "folder is a file"])
def test_evaluate_json_path_checked_first(tmp_path: Path, case: str, no_model: None, capsys: Any) -> None:
    dst, says = _bad_outputs(tmp_path)[case]
    rc = main(["evaluate", "--model", "stance", "--dataset", "semeval2016", "--json", str(dst)])
    err = capsys.readouterr().err
    assert rc == 2 and says in err and "Traceback" not in err


def test_score_file_refuses_an_existing_output(tmp_path: Path, senti: Classifier) -> None:
    dst = tmp_path / "out.csv"
    dst.write_text("keep me")
    with pytest.raises(OutputExistsError, match="pass --force"):
        score_file(senti, _input(tmp_path, ".jsonl"), dst, progress=False)
    assert dst.read_text() == "keep me"
