"""The recipes of the shipped models (recipes/<model>/): every stage loads, and the chain of stages is connected.

A stage is ``NN[a-z]-role.yaml`` (a training recipe, or a soup with ``kind: soup``) or ``NN-role.sh`` (a pinned
artifact); stages run in file-name order (``make models``). Each stage writes ``runs/<model>/<stage>``, the last
one ``models/<model>``; a stage may only read the output of an earlier stage of its own folder, of a folder built
before it, a shipped model that such a folder builds, or a registered backbone. No stage trains or selects on a
held-out split.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from stancekit.data.guards import held_out_parts
from stancekit.fitting.config import TrainingConfig
from stancekit.fitting.soup import SoupConfig
from stancekit.model.backbones import BACKBONES
from stancekit.model.folder import MODEL_NAMES
from tests.conftest import REPO

RECIPES = REPO / "recipes"
#: Build order: the directed model starts from the stance model.
BUILD_ORDER = ["stance-minilm", "sentiment-minilm", "directed-minilm", "news-mpnet"]
STAGE_NAME = re.compile(r"^\d\d[a-z]?-[a-z0-9]+(-[a-z0-9]+)*\.(yaml|sh)$")


def _stages(model: str) -> list[Path]:
    return sorted(p for p in (RECIPES / model).iterdir() if p.suffix in {".yaml", ".sh"})


def _load(path: Path) -> TrainingConfig | SoupConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SoupConfig.from_yaml(path) if data.get("kind") == "soup" else TrainingConfig.from_yaml(path)


ALL_STAGES = [p for model in BUILD_ORDER for p in _stages(model)]


def test_every_shipped_model_has_a_recipe_folder_and_nothing_else_is_there() -> None:
    folders = sorted(p.name for p in RECIPES.iterdir() if p.is_dir())
    assert folders == sorted(BUILD_ORDER) == sorted(MODEL_NAMES.values())
    for model in BUILD_ORDER:
        other = [p.name for p in (RECIPES / model).iterdir() if p not in _stages(model)]
        assert not other, other
        assert all(STAGE_NAME.match(p.name) for p in _stages(model)), [p.name for p in _stages(model)]


@pytest.mark.parametrize("path", [p for p in ALL_STAGES if p.suffix == ".yaml"], ids=lambda p: p.name)
def test_every_stage_loads(path: Path) -> None:
    config = _load(path)  # TrainingConfig / SoupConfig refuse unknown keys and held-out splits
    if isinstance(config, TrainingConfig):
        for spec in config.train + config.validation:
            assert spec.name is None or not held_out_parts(spec.name, spec.split), spec.label


def _output(path: Path) -> str:
    return f"runs/{path.parent.name}/{path.stem}"


def _references(config: TrainingConfig | SoupConfig) -> list[str]:
    if isinstance(config, SoupConfig):
        return list(config.candidates)
    refs = [config.init_from] + [spec.teacher for spec in config.train]
    return [r for r in refs if r is not None]


def _check_pinned_script(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _output(path) in text, f"{path.name} must write {_output(path)}"
    assert "sha256sum --check" in text and len(re.findall(r"\b[0-9a-f]{64}\b", text)) >= 1, path.name


def test_the_chain_of_stages_is_connected() -> None:
    built: set[str] = set()  # outputs of the stages run so far (in build order)
    recipes_seen: set[str] = set()  # stage files run so far
    shipped = {name: f"models/{folder}" for name, folder in MODEL_NAMES.items()}
    for path in ALL_STAGES:
        stage = str(path.relative_to(REPO))
        last = path == _stages(path.parent.name)[-1]
        output = f"models/{path.parent.name}" if last else _output(path)
        if path.suffix == ".sh":
            assert not last, f"{stage}: the last stage must write the model folder"
            _check_pinned_script(path)
        else:
            config = _load(path)
            assert config.output_dir == output, f"{stage}: writes {config.output_dir}, expected {output}"
            for ref in _references(config):
                assert shipped.get(ref, ref) in built, f"{stage}: {ref} is not the output of an earlier stage"
            if isinstance(config, SoupConfig):
                assert config.expert_recipe in recipes_seen, f"{stage}: expert_recipe is not an earlier stage"
            else:
                bb = config.backbone
                assert bb in BACKBONES or any(bb.startswith(f"{b}/") for b in built), f"{stage}: backbone {bb}"
        built.add(output)
        recipes_seen.add(stage)


def test_each_model_folder_points_at_its_recipe_and_keeps_the_config_of_its_network() -> None:
    for model in BUILD_ORDER:
        folder = REPO / "models" / model
        assert not (folder / "train.yaml").exists(), "the recipe lives in recipes/, not in the model folder"
        assert f"recipes/{model}/" in (folder / "RECIPE.md").read_text(encoding="utf-8")
        assert f"recipes/{model}/" in (folder / "README.md").read_text(encoding="utf-8")
        last = _load(_stages(model)[-1])
        expected = TrainingConfig.from_yaml(last.expert_recipe) if isinstance(last, SoupConfig) else last
        saved = TrainingConfig.from_yaml(folder / "training_config.yaml").to_dict()
        assert saved == {**expected.to_dict(), "output_dir": f"models/{model}"}


def _make_stage_commands() -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        ["make", "-n", "-B", "models"], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    # A stage's command starts its line; `make backbones` (the news model's prerequisite) runs the stance recipe's
    # pinned download script too, as `PIP=... bash ...`, which is setup, not a stage.
    return re.findall(r"^(?:\S*stancekit (?:train|soup)|bash) (recipes/\S+)", out, flags=re.MULTILINE)


def test_make_models_runs_every_stage_in_order() -> None:
    assert _make_stage_commands() == [str(p.relative_to(REPO)) for p in ALL_STAGES]
