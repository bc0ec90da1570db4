"""Training errors arrive before any work and say what is wrong (issue 23): a wrong-typed or misspelt option, a
YAML syntax error, a data file without rows, an output folder that cannot take the model.

No test here builds a model: ``build_model`` is replaced by one that fails the test, so each error is also shown
to arrive before the model is loaded (and the output-folder errors before the data is read).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import stancekit
from stancekit.cli import main
from stancekit.core.errors import ConfigError, InputError, OutputExistsError
from stancekit.fitting import trainer
from stancekit.fitting.config import TrainingConfig

ROWS = [("i love peace", "csto", "favor"), ("i hate the war", "csto", "against"), ("the bloc", "russia", "none")]


class Reached(Exception):
    """Raised by a stubbed step: the run got that far (every check before it passed)."""


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def build_model(config: Any) -> Any:
        raise Reached("build_model")

    monkeypatch.setattr(trainer, "build_model", build_model)


@pytest.fixture
def no_data(monkeypatch: pytest.MonkeyPatch, no_model: None) -> None:
    def load_source(spec: Any, task: str) -> Any:
        raise AssertionError("the data was loaded before the output folder was checked")

    monkeypatch.setattr(trainer, "load_source", load_source)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "train.csv"
    pd.DataFrame(ROWS * 2, columns=["text", "target", "label"]).to_csv(path, index=False)
    return path


def _recipe(tmp_path: Path, data: Path, **options: Any) -> dict[str, Any]:
    return {
        "output_dir": str(tmp_path / "out"),
        "task": "stance",
        "train": [{"path": str(data)}],
        "validation": [{"path": str(data)}],
        **options,
    }


def _write(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _cli(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    """The one-line error of ``stancekit train``, checking the exit status."""
    assert main(["train", str(path), "--quiet", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("stancekit train: error: ") and "\n" not in err, err
    return err


# ------------------------------------------------------------------------------------------------ recipe options
def test_a_number_yaml_reads_as_a_string_is_taken_as_the_number(tmp_path: Path, data: Path) -> None:
    text = yaml.safe_dump(_recipe(tmp_path, data, epochs=2, batch_size=8)) + "learning_rate: 5e-5\nseed: '7'\n"
    assert yaml.safe_load(text)["learning_rate"] == "5e-5"  # PyYAML's YAML 1.1 resolver: no dot, no float
    config = TrainingConfig.from_yaml(_write(tmp_path, text))
    assert config.learning_rate == 5e-5 and isinstance(config.learning_rate, float)
    assert config.seed == 7 and config.epochs == 2 and config.batch_size == 8
    config.to_yaml(tmp_path / "saved.yaml")  # saved as a number: the saved recipe loads the same
    assert yaml.safe_load((tmp_path / "saved.yaml").read_text())["learning_rate"] == 5e-5
    assert TrainingConfig.from_yaml(tmp_path / "saved.yaml") == config


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": "three"}, "epochs: expected a number, got 'three'"),
        ({"batch_size": 3.5}, "batch_size: expected an integer, got 3.5"),
        ({"learning_rate": True}, "learning_rate: expected a number, got True"),
        ({"freeze_embeddings": "maybe"}, "freeze_embeddings: expected true or false, got 'maybe'"),
        ({"train": 5}, "train: expected a list of mappings, got 5"),
        ({"train": {"path": "x.csv"}}, "train: expected a list of mappings, got a mapping {'path': 'x.csv'}"),
        ({"train": ["x.csv"]}, "train[0]: expected a mapping of options, got 'x.csv'"),
        ({"train": [{"path": "x.csv", "repeat": "lots"}]}, "train[0].repeat: expected a number, got 'lots'"),
        ({"ngram_experts": [200]}, "ngram_experts: expected a mapping of strings to integers, got a list [200]"),
        ({"precision": "fp16"}, "precision must be one of 'auto', 'float32', 'bfloat16', got 'fp16'"),
        ({"output_dir": None}, "output_dir: expected a non-empty string, got None"),
    ],
)
def test_a_wrong_type_names_the_option_the_type_and_the_value(
    tmp_path: Path, data: Path, options: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, **options)))
    with pytest.raises(ConfigError) as caught:
        TrainingConfig.from_yaml(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_wrong_type_is_one_line_on_the_command_line(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], no_model: None
) -> None:
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, epochs="three")))
    assert _cli(path, capsys).endswith("epochs: expected a number, got 'three'")


def test_unknown_options_are_refused_with_the_closest_name(tmp_path: Path, data: Path) -> None:
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, epochz=3)))
    with pytest.raises(ConfigError, match=r"unknown option\(s\) 'epochz' \(did you mean 'epochs'\?\)"):
        TrainingConfig.from_yaml(path)
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, train=[{"pth": str(data)}])))
    with pytest.raises(ConfigError, match=r"train\[0\]: unknown option\(s\) 'pth' \(did you mean 'path'\?\)"):
        TrainingConfig.from_yaml(path)
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, ngram_experts={"min_row": 5})))
    with pytest.raises(ConfigError, match=r"ngram_experts: unknown option\(s\) 'min_row' \(did you mean 'min_rows'"):
        TrainingConfig.from_yaml(path)
    path = _write(tmp_path, yaml.safe_dump({k: v for k, v in _recipe(tmp_path, data).items() if k != "task"}))
    with pytest.raises(ConfigError, match="missing option"):
        TrainingConfig.from_yaml(path)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("output_dir: out\ntask: stance\n  train: []\n", "line 3, column 8"),
        ("output_dir: out\ntask: [stance\n", "while parsing a flow sequence at line 2, column 7"),
    ],
)
def test_a_yaml_syntax_error_names_the_file_line_and_column(
    tmp_path: Path, text: str, where: str, capsys: pytest.CaptureFixture[str], no_model: None
) -> None:
    path = _write(tmp_path, text)
    err = _cli(path, capsys)
    assert str(path) in err and "invalid YAML" in err and where in err, err


def test_an_empty_or_missing_recipe_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(_write(tmp_path, ""), capsys).endswith("recipe.yaml: the recipe is empty")
    assert "cannot read the recipe" in _cli(tmp_path / "missing.yaml", capsys)


# ---------------------------------------------------------------------------------------------------- data files
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("header.csv", "text,target,label\n", "the file has no rows"),
        ("zero.csv", "", "the file is empty (no header, no rows)"),
        ("zero.jsonl", "", "the file is empty (no header, no rows)"),
        ("blank.jsonl", "\n\n", "the file is empty (no header, no rows)"),
    ],
)
@pytest.mark.parametrize("role", ["train", "validation"])
def test_an_empty_data_file_says_it_has_no_rows_before_the_model_is_built(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], no_model: None,
    name: str, content: str, message: str, role: str,
) -> None:  # fmt: skip
    empty = _write(tmp_path, content, name)
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, **{role: [{"path": str(empty)}]})))
    assert _cli(path, capsys).endswith(f"{role} source {empty}: {message}")
    with pytest.raises(InputError):  # a ValueError too
        stancekit.train(path, progress=False)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"exclude_targets": ["csto", "russia"]}, "no rows left after exclude_targets ['csto', 'russia']"),
        ({"max_rows": 0}, "max_rows is 0, so no rows are left"),
        ({"repeat": 0.01}, "no rows left after repeat 0.01"),
    ],
)
def test_a_training_set_empty_after_filtering_is_refused_before_the_model_is_built(
    tmp_path: Path, data: Path, no_model: None, source: dict[str, Any], message: str
) -> None:
    config = TrainingConfig(**_recipe(tmp_path, data, train=[{"path": str(data), **source}]))
    with pytest.raises(ConfigError, match=re.escape(f"train source {data}: {message}")):
        stancekit.train(config, progress=False)


def test_good_data_reaches_the_model(tmp_path: Path, data: Path, no_model: None) -> None:
    with pytest.raises(Reached):  # the checks above refuse only what they should
        stancekit.train(TrainingConfig(**_recipe(tmp_path, data)), progress=False)


# ------------------------------------------------------------------------------------------------- output folder
def test_output_dir_that_is_a_file_is_refused_before_the_data_is_read(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], no_data: None
) -> None:
    taken = _write(tmp_path, "not a folder", "taken")
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, output_dir=str(taken))))
    assert _cli(path, capsys).endswith(f"output_dir {taken} is a file, not a folder")
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, output_dir=str(taken / "sub" / "model"))))
    err = _cli(path, capsys)
    assert err.endswith(f"output_dir {taken / 'sub' / 'model'} cannot be created: {taken} is a file, not a folder")
    with pytest.raises(ConfigError, match="is a file"):  # --force does not make a file a folder
        stancekit.train(TrainingConfig(**_recipe(tmp_path, data, output_dir=str(taken))), force=True)


def test_output_dir_that_is_not_empty_needs_force(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_model: None
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.json").write_text("{}")
    path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data)))
    with monkeypatch.context() as m:
        m.setattr(trainer, "load_source", lambda *a: pytest.fail("the data was read before output_dir was checked"))
        err = _cli(path, capsys)
        with pytest.raises(OutputExistsError):
            stancekit.train(path, progress=False)
    assert err.endswith(f"output_dir {out} is not empty (config.json); pass --force (force=True) to write the "
                        "model into it, or choose another folder")  # fmt: skip
    # forced: the run goes on to the data and the model (the stub's exception: an internal error to the CLI)
    assert main(["train", str(path), "--quiet", "--force"]) == 1
    assert "Reached: build_model" in capsys.readouterr().err
    (out / "config.json").unlink()
    with pytest.raises(Reached):  # an empty folder is fine
        stancekit.train(path, progress=False)


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write to: a read-only one, or for root (whom modes do not stop) /sys."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return folder
    try:
        with tempfile.NamedTemporaryFile(dir="/sys"):
            pass
    except OSError:
        return Path("/sys")
    pytest.skip("running as root and /sys is writable: no folder here refuses a write")


def test_output_dir_in_a_read_only_folder_is_refused_before_the_data_is_read(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], no_data: None
) -> None:
    folder = _unwritable_folder(tmp_path)
    outs = [folder / "stancekit-model", folder / "stancekit-runs" / "model"]  # missing, with a missing parent
    if folder != Path("/sys"):
        outs.append(folder)  # an empty output_dir that is read-only itself
    try:
        for out in outs:
            path = _write(tmp_path, yaml.safe_dump(_recipe(tmp_path, data, output_dir=str(out))))
            err = _cli(path, capsys, "--force")
            assert f"output_dir {out} cannot be written" in err, err
            assert out == folder or f"{folder} is not writable" in err, err
    finally:
        if folder != Path("/sys"):
            folder.chmod(stat.S_IRWXU)
