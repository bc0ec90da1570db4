"""The wheel: built from the working tree, installed into a fresh virtual environment, it carries the library,
the shipped model folders (as the ``stancekit_models`` package), ``py.typed`` and the licence, and it loads and
runs every shipped model from outside the repository with the Hugging Face hub switched off.

Nothing is downloaded: the wheel is built without build isolation (the setuptools of this environment), installed
with ``--no-deps --no-index``, and the fresh environment sees this environment's dependencies through a ``.pth``
file naming this site-packages folder (a ``.pth`` line that names a folder adds it to ``sys.path`` without
running that folder's own ``.pth`` files, so the editable install of stancekit here stays invisible there).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SENTENCE = "Armenia might leave the CSTO, Pashinyan said."
MODELS = {
    "stance": {"targets": "CSTO"},
    "sentiment": {},
    "directed": {"targets": "CSTO", "holders": "Armenia"},
}

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(
        not all((REPO / "models" / f"{name}-minilm" / "config.json").is_file() for name in MODELS),
        reason="shipped models not present in models/",
    ),
]

# Run by the fresh environment's interpreter, from a folder outside the repository.
SCRIPT = r"""
import json
import sys
from pathlib import Path

import stancekit
from stancekit.model.folder import resolve_model_path

repo, venv, sentence = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), sys.argv[3]
models = json.loads(sys.argv[4])
here = Path(stancekit.__file__).resolve()
assert venv in here.parents and repo not in here.parents, f"stancekit imported from {here}"
finders = [name for name in sys.modules if name.startswith("__editable__")]
assert not finders, f"an editable-install finder was loaded: {finders}"
out = {"stancekit": str(here), "version": stancekit.__version__, "models": {}}
for name, kwargs in models.items():
    folder = resolve_model_path(name).resolve()
    assert venv in folder.parents, f"{name} resolved to {folder}, not to the installed stancekit_models"
    clf = stancekit.load(name)
    label = clf.predict(sentence, **kwargs)
    out["models"][name] = {"folder": str(folder), "label": str(label), "labels": list(clf.labels)}
    print(f"{name}: {label}", file=sys.stderr)
print(json.dumps(out))
"""


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert out.returncode == 0, f"{command} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out


def _copy_working_tree(dst: Path) -> None:
    """What a clone of this working tree holds (tracked and untracked files, not the ignored ones), so that the
    build writes its build/ and *.egg-info there instead of in the checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout.decode()
        files = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: everything but the usual litter
        junk = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")
        shutil.copytree(REPO, dst, ignore=junk)
        return
    for name in files:
        src = REPO / name
        if src.is_file() and "__pycache__" not in src.parts:
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the source copy it was built from)."""
    root = tmp_path_factory.mktemp("wheel")
    src, wheels = root / "src", root / "wheels"
    _copy_working_tree(src)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), "."],
        cwd=src,
        env=env,
        timeout=300,
    )
    (wheel,) = wheels.glob("stancekit-*.whl")
    return wheel, src


def test_wheel_contents(built: tuple[Path, Path]) -> None:
    wheel, src = built
    found = re.search(r'__version__ = "([^"]+)"', (src / "stancekit/core/version.py").read_text(encoding="utf-8"))
    assert found, "no __version__ in stancekit/core/version.py"
    version = found.group(1)
    assert wheel.name.startswith(f"stancekit-{version}-py3-none-any"), wheel.name
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        licences = [n for n in names if ".dist-info/" in n and n.rsplit("/", 1)[-1] == "LICENSE"]
        assert licences, sorted(n for n in names if ".dist-info/" in n)
        assert "Copyright (c) 2026 the stancekit authors" in zf.read(licences[0]).decode()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert f"\nVersion: {version}\n" in metadata and "\nLicense-Expression: MIT\n" in metadata
    # the slim install: optional packages only behind their extras (stancekit/core/deps.py names them)
    provided = set(re.findall(r"^Provides-Extra: (\S+)$", metadata, re.M))
    assert {"train", "report", "onnx", "openvino", "ray", "all", "dev"} <= provided, provided
    core = [r for r in re.findall(r"^Requires-Dist: (.+)$", metadata, re.M) if "extra ==" not in r]
    optional = ("accelerate", "peft", "jinja2", "matplotlib", "onnxruntime", "onnx", "openvino", "ray")
    assert not [r for r in core if re.split(r"[\s<>=!~\[;(]", r, maxsplit=1)[0].lower() in optional], core
    for needed in ("stancekit_models/stance-minilm/config.json", "stancekit_models/__init__.py", "stancekit/py.typed"):
        assert needed in names, needed
    # every module of the library: [tool.setuptools] packages is an explicit list, a new sub-package goes there
    modules = {p.relative_to(src).as_posix() for p in (src / "stancekit").rglob("*.py")}
    assert not modules - names, f"left out of the wheel (add the package to pyproject.toml): {modules - names}"
    templates = {p.relative_to(src).as_posix() for p in (src / "stancekit/templates").glob("*.j2")}
    assert templates and not templates - names, templates - names
    # every file of every shipped model folder, and models/README.md
    shipped = {
        "stancekit_models/" + p.relative_to(src / "models").as_posix()
        for p in (src / "models").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert "stancekit_models/README.md" in shipped and not shipped - names, shipped - names
    print(f"{wheel.name}: {wheel.stat().st_size / 2**20:.1f} MiB")


def test_wheel_installs_and_runs_the_shipped_models_offline(built: tuple[Path, Path], tmp_path: Path) -> None:
    wheel, _ = built
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], timeout=120)
    python = venv / "bin" / "python"
    # install into the still-empty environment (so pip sees no stancekit anywhere), with this environment's pip
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        env=env,
        timeout=300,
    )
    assert (venv / "bin" / "stancekit").is_file()  # the console script
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "zz-stancekit-test-dependencies.pth").write_text("".join(f"{path}\n" for path in ours))

    run_env = {
        k: v for k, v in os.environ.items() if k not in {"STANCEKIT_MODELS", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    run_env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    work = tmp_path / "work"
    work.mkdir()
    (work / "run.py").write_text(SCRIPT)
    out = _run(
        [str(python), "run.py", str(REPO), str(venv), SENTENCE, json.dumps(MODELS)], cwd=work, env=run_env, timeout=300
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(result["stancekit"]).is_relative_to(venv.resolve())
    assert set(result["models"]) == set(MODELS)
    for name, got in result["models"].items():
        assert got["label"] in got["labels"], (name, got)
        assert Path(got["folder"]).name == f"{name}-minilm"
    print({name: got["label"] for name, got in result["models"].items()})
