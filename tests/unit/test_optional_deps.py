"""The slim install: every optional package is imported lazily through stancekit.core.deps.require, a missing one
is a MissingDependencyError naming its extra, and the core scores and analyses without any of them.

A missing package is simulated with ``sys.modules[name] = None`` (what ``import`` and ``importlib.util.find_spec``
then treat as not installed); the end-to-end check runs in a fresh interpreter where every optional package is
blocked before anything is imported, as in an environment made by ``pip install stancekit`` alone.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch

from stancekit.core import deps
from stancekit.core.errors import MissingDependencyError, StancekitError
from stancekit.model.classifier import Classifier

REPO = Path(__file__).resolve().parents[2]
OPTIONAL = ("accelerate", "peft", "jinja2", "matplotlib", "onnxruntime", "onnx", "openvino", "nncf", "ray")


def _block(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


# ------------------------------------------------------------------------------------------------- the helper
def test_require_names_the_extra_of_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    _block(monkeypatch, "onnxruntime")
    with pytest.raises(MissingDependencyError) as info:
        deps.require("onnxruntime", "onnx", purpose="backend='onnx'")
    assert str(info.value) == "backend='onnx' needs onnxruntime, which is not installed: pip install 'stancekit[onnx]'"
    assert isinstance(info.value, ImportError) and isinstance(info.value, StancekitError)
    assert not deps.available("onnxruntime")


def test_require_a_submodule_of_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    _block(monkeypatch, "matplotlib", "matplotlib.figure")
    with pytest.raises(MissingDependencyError, match=r"the heat map needs matplotlib, which is not installed: "):
        deps.require("matplotlib.figure", "report", purpose="the heat map")
    assert not deps.available("matplotlib.figure")


def test_require_a_package_that_is_installed_but_broken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "stancekit_broken_pkg.py").write_text("from os import no_such_name\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingDependencyError, match=r"fails to import \(cannot import name 'no_such_name'.*\[train\]"):
        deps.require("stancekit_broken_pkg", "train")
    # an installed package whose own dependency is missing is "broken", not "not installed"
    (tmp_path / "stancekit_needs_ghost.py").write_text("import stancekit_ghost_dependency\n", encoding="utf-8")
    with pytest.raises(MissingDependencyError, match=r"fails to import \(No module named 'stancekit_ghost"):
        deps.require("stancekit_needs_ghost", "train")


def test_require_returns_the_module_and_checks_the_extra_name() -> None:
    assert deps.require("json", "train") is json
    assert deps.available("json") and not deps.available("stancekit_no_such_module")
    assert deps.install_hint("ray") == "pip install 'stancekit[ray]'"
    with pytest.raises(ValueError, match="unknown extra 'gpu'"):
        deps.require("json", "gpu")


def test_extras_match_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        return {r.split(">")[0].split("=")[0].split("[")[0].strip().lower() for r in requirements}

    for extra, modules in deps.EXTRAS.items():
        assert names(extras[extra]) == set(modules), extra
    assert extras["all"] == [f"stancekit[{','.join(deps.EXTRAS)}]"]
    core = names(project["dependencies"])
    assert not core & set(OPTIONAL), f"optional packages in the core dependencies: {core & set(OPTIONAL)}"


# ------------------------------------------------------------------------------------------------- the engines
def test_auto_backend_falls_back_to_torch_quietly_without_onnxruntime(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    from stancekit.runtime.engines import resolve_backend

    _block(monkeypatch, "onnxruntime")
    cpu = torch.device("cpu")
    with caplog.at_level(logging.DEBUG, logger="stancekit"):
        assert resolve_backend("auto", cpu, torch.float32) == "torch"
        assert resolve_backend(None, cpu, torch.float32) == "torch"
    assert not caplog.records and not recwarn.list
    with pytest.raises(MissingDependencyError, match=r"^backend='onnx' needs onnxruntime, .*stancekit\[onnx\]'$"):
        resolve_backend("onnx", cpu, torch.float32)
    assert resolve_backend("auto", cpu, torch.qint8) == ("openvino" if deps.available("openvino") else "onnx")
    _block(monkeypatch, "openvino")
    with pytest.raises(MissingDependencyError, match=r"int8.*neither is installed.*pip install 'stancekit\[onnx\]'"):
        resolve_backend("auto", cpu, torch.qint8)


def test_a_model_loaded_with_backend_auto_runs_on_torch_without_onnxruntime(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.conftest import make_tiny

    _block(monkeypatch, "onnxruntime", "onnx")
    clf = make_tiny(tmp_path)
    proba = clf.predict_proba(["Armenia might leave the CSTO"], targets="CSTO")
    assert proba.shape == (1, 3) and clf.backend == "torch"
    with pytest.raises(MissingDependencyError, match=r"stancekit\[onnx\]"):
        make_tiny(tmp_path, backend="onnx")


# --------------------------------------------------------------------------------------- report, training, Ray
def test_report_and_heat_map_name_the_report_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_stance: Classifier
) -> None:
    from stancekit.analysis import analyze, heatmap_png, write_report

    table = analyze("Armenia may leave the CSTO. The bloc failed.", {"CSTO": ["the bloc"]}, model=tiny_stance,
                    sentiment=None)  # fmt: skip
    _block(monkeypatch, "matplotlib", "matplotlib.figure", "matplotlib.colors")
    with pytest.raises(
        MissingDependencyError, match=r"the heat map needs matplotlib.*pip install 'stancekit\[report\]'"
    ):
        heatmap_png(table)
    with pytest.raises(MissingDependencyError, match=r"stancekit\[report\]"):  # the page embeds the heat map
        write_report(table, tmp_path / "report.html")
    monkeypatch.undo()
    _block(monkeypatch, "jinja2")
    with pytest.raises(MissingDependencyError, match=r"the HTML report needs jinja2.*stancekit\[report\]"):
        write_report(table, tmp_path / "report.html")


def test_training_refuses_missing_extras_before_any_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from stancekit.data.sources import DataSpec
    from stancekit.fitting.config import TrainingConfig
    from stancekit.fitting.trainer import require_training_extras, train

    data = tmp_path / "rows.csv"
    data.write_text("text,target,label\nArmenia may leave,CSTO,against\n", encoding="utf-8")
    out = tmp_path / "out"
    spec = DataSpec(path=str(data))
    config = TrainingConfig(output_dir=str(out), task="stance", train=[spec], validation=[spec])
    _block(monkeypatch, "accelerate")
    with pytest.raises(MissingDependencyError, match=r"training \(transformers' Trainer\) needs accelerate.*\[train\]"):
        train(config)
    assert not out.exists()  # refused before the output folder or any data is touched
    monkeypatch.undo()
    _block(monkeypatch, "peft")
    require_training_extras(config)  # full fine-tuning does not need peft
    lora = TrainingConfig(output_dir=str(out), task="stance", train=[spec], validation=[spec], method="lora")
    with pytest.raises(MissingDependencyError, match=r"method: lora needs peft.*pip install 'stancekit\[train\]'"):
        require_training_extras(lora)


def test_ray_engine_names_the_ray_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from stancekit.scoring import distributed

    _block(monkeypatch, "ray", "ray.data")
    with pytest.raises(MissingDependencyError, match=r"the Ray engine needs ray\[data\].*stancekit\[ray\]"):
        distributed._ray()


# ------------------------------------------------------------------------------------------- quiet training
def test_quiet_libraries_silences_and_restores() -> None:
    import datasets
    import huggingface_hub.utils as hub
    from transformers.utils import logging as hf_logging

    from stancekit.fitting.trainer import quiet_libraries

    hf_logger = logging.getLogger("transformers")
    before = (hf_logger.level, hf_logging.is_progress_bar_enabled(), datasets.utils.are_progress_bars_disabled())
    hub_before = hub.are_progress_bars_disabled()
    with quiet_libraries(False):
        assert (hf_logger.level, hf_logging.is_progress_bar_enabled()) == before[:2]
    with quiet_libraries():
        assert hf_logger.getEffectiveLevel() == logging.ERROR
        assert not hf_logging.is_progress_bar_enabled() and datasets.utils.are_progress_bars_disabled()
    after = (hf_logger.level, hf_logging.is_progress_bar_enabled(), datasets.utils.are_progress_bars_disabled())
    assert after == before and hub.are_progress_bars_disabled() == hub_before
    with pytest.raises(RuntimeError), quiet_libraries():
        raise RuntimeError("restored on the way out too")
    assert (hf_logger.level, hf_logging.is_progress_bar_enabled()) == before[:2]


# --------------------------------------------------------------------------- the core alone, in a fresh process
CORE_ONLY = r"""
import json, sys
for name in json.loads(sys.argv[1]):
    sys.modules[name] = None  # as if not installed: import and find_spec both say so
import stancekit
from stancekit.analysis import write_outputs
from stancekit.runtime.engines import resolve_backend

model = sys.argv[2]
clf = stancekit.load(model)
frame = stancekit.score_frame(clf, __import__("pandas").DataFrame({"text": ["Armenia might leave the CSTO"]}),
                              targets="CSTO")
table = stancekit.analyze("Armenia might leave the CSTO. Russia is displeased.", {"CSTO": ["the bloc"]},
                          model=clf, sentiment=None)
summary = stancekit.summarize(table)
lines = write_outputs(table, summary, output=sys.argv[3] + "/table.csv", summary_path=sys.argv[3] + "/summary.csv")
errors = {}
for name, call in {
    "report": lambda: stancekit.write_report(table, sys.argv[3] + "/report.html"),
    "onnx": lambda: resolve_backend("onnx", __import__("torch").device("cpu"), __import__("torch").float32),
    "train": lambda: stancekit.train(stancekit.TrainingConfig(
        output_dir=sys.argv[3] + "/trained", task="stance", train=[stancekit.DataSpec(name="semeval2016")],
        validation=[stancekit.DataSpec(name="semeval2016", split="validation")])),
}.items():
    try:
        call()
    except stancekit.MissingDependencyError as exc:
        errors[name] = str(exc)
print(json.dumps({"backend": clf.backend, "rows": len(frame), "table": len(table), "lines": lines,
                  "errors": errors}))
"""


def test_the_core_scores_and_analyses_with_every_optional_package_missing(
    tiny_stance_dir: Path, tmp_path: Path
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CORE_ONLY), json.dumps(OPTIONAL), str(tiny_stance_dir), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == "torch" and result["rows"] == 1 and result["table"] == 2, result
    assert (tmp_path / "table.csv").is_file() and (tmp_path / "summary.csv").is_file()
    assert set(result["errors"]) == {"report", "onnx", "train"}, result
    for extra, message in result["errors"].items():
        assert message.endswith(f"pip install 'stancekit[{extra}]'"), message


def test_training_with_progress_off_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """No LOAD REPORT of the new head, no progress bars (transformers', datasets'), no printed log dicts; and the
    transformers logger is left as it was."""
    import stancekit
    from stancekit.data.sources import DataSpec
    from stancekit.fitting.config import TrainingConfig
    from tests.conftest import make_tiny

    tiny = make_tiny(tmp_path)
    backbone = tmp_path / "backbone"
    network: Any = tiny.model
    network.save_pretrained(backbone, safe_serialization=True)
    tiny.tokenizer.save_pretrained(backbone)
    data = tmp_path / "train.csv"
    rows = ["i love peace,csto,favor", "i hate the war,csto,against", "the bloc said nothing,russia,none"] * 4
    data.write_text("text,target,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    config = TrainingConfig(
        output_dir=str(tmp_path / "out"), task="stance", train=[DataSpec(path=str(data))],
        validation=[DataSpec(path=str(data), max_rows=6)], backbone=str(backbone), epochs=1, batch_size=4,
        max_length=32, inference_max_length=32,
    )  # fmt: skip
    level = logging.getLogger("transformers").level
    capfd.readouterr()
    out = stancekit.train(config, progress=False)
    printed = capfd.readouterr()
    assert (out / "metrics.json").is_file()
    for noise in ("LOAD REPORT", "%|", "it/s]", "'loss'", "Map"):
        assert noise not in printed.out + printed.err, printed
    assert logging.getLogger("transformers").level == level


def test_analyze_report_without_the_extra_stops_before_any_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stancekit.cli import main

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded before the missing extra was named")

    monkeypatch.setattr("stancekit.cli._util.load", no_model)
    (tmp_path / "a.txt").write_text("Armenia may leave the CSTO.")
    _block(monkeypatch, "matplotlib", "matplotlib.figure", "matplotlib.colors")
    assert main(["analyze", str(tmp_path / "a.txt"), "--target", "CSTO", "--png", str(tmp_path / "h.png")]) == 2
    assert "pip install 'stancekit[report]'" in capsys.readouterr().err
