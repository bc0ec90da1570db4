"""The layering contracts of pyproject.toml ([tool.importlinter]) hold, and an upward import breaks them.

Runs import-linter (`lint-imports`, from the dev extra) in a subprocess: it reads the source files and never
imports stancekit, so this takes a second or two.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAYERS_CONTRACT = "stancekit layers"  # the start of the layers contract's name in pyproject.toml


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("lint-imports")
    command = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["COLUMNS"] = "200"  # import-linter wraps its report at the terminal width
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [*command, "--no-cache", "--no-logo"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_package_keeps_its_layers() -> None:
    out = _lint_imports(REPO)
    report = out.stdout + out.stderr
    assert out.returncode == 0, f"lint-imports failed (see [tool.importlinter] in pyproject.toml):\n{report}"
    assert "0 broken" in report and LAYERS_CONTRACT in report and "KEPT" in report


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    shutil.copytree(REPO / "stancekit", tmp_path / "stancekit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")  # the same contracts
    labels = tmp_path / "stancekit" / "core" / "labels.py"
    labels.write_text(labels.read_text(encoding="utf-8") + "\nfrom stancekit.cli import main  # back-arrow\n")

    out = _lint_imports(tmp_path, pythonpath=tmp_path)
    report = out.stdout + out.stderr
    assert out.returncode != 0, report
    assert "BROKEN" in report and LAYERS_CONTRACT in report, report
    # the report names the offending import, which only the copy has: so it checked the copy, not the checkout
    assert "stancekit.core.labels -> stancekit.cli" in report, report
