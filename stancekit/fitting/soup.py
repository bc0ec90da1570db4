"""Model soups: one network whose weights are the element-wise mean of several fine-tuned runs' (Wortsman et al.
2022, "Model soups").

Runs fine-tuned from one starting point usually lie in one basin of the loss, so the mean of their weights is a
working network, often better than each of them. Two methods:

- ``uniform``: the mean of every candidate;
- ``greedy``: each candidate is scored alone, the list sorted best first, and each candidate after the first is
  added to the soup only if the soup's selection figure does not fall.

Every soup is scored the way it ships: its n-gram experts are refitted on an *expert recipe* (a training recipe:
its train sources fit the experts, its validation sources choose their weight, exactly as training does, see
:func:`~stancekit.fitting.experts.attach_experts`), and the validation sources the experts do not cover are scored
with the network alone. The selection figure is the mean validation F_avg over those sources, with the experts
where they fire. A validation source that a candidate was trained on is left out of the scores (and may not
calibrate the soup). No test split is read. ``stancekit soup SOUP.yaml`` runs a :class:`SoupConfig` (:func:`run_soup`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
import yaml

from stancekit.core.deps import require
from stancekit.core.errors import ConfigError, LeakageError
from stancekit.data.corpora import split_parts
from stancekit.data.guards import refuse_held_out
from stancekit.fitting.calibration import calibrate
from stancekit.fitting.card import CardData, card_data_from_training, write_card
from stancekit.fitting.config import TrainingConfig
from stancekit.fitting.evaluation import evaluate_classifier
from stancekit.fitting.experts import attach_experts
from stancekit.fitting.outputs import check_output_dir
from stancekit.model.classifier import Classifier
from stancekit.model.folder import resolve_model_path
from stancekit.model.options import LoadOptions
from stancekit.model.spec import ModelSpec

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
#: The figure a greedy soup maximises (a key of :func:`score_soup`'s record).
SELECTION = "selection_with_experts"
#: How soups are scored: float32 (the same figures on every machine; bf16 autocast would move them), network only
#: (the experts are refitted on the soup).
SCORING_OPTIONS = LoadOptions(dtype="float32", experts=False)
#: A scorer builds the soup of some ingredients in a folder and returns its validation record.
Scorer = Callable[[Sequence[str], Path], dict[str, Any]]


# ---------------------------------------------------------------------------------------------------------------
# The recipe
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class SoupCalibration:
    """Fit the soup network's temperature on these corpora's ``split`` (``stancekit calibrate --no-experts``)."""

    datasets: list[str]
    split: str = "validation"

    def __post_init__(self) -> None:
        if (
            not isinstance(self.datasets, list)
            or not self.datasets
            or not all(isinstance(d, str) for d in self.datasets)
        ):
            raise ConfigError("calibrate.datasets must be a non-empty list of registered corpus names")
        if not isinstance(self.split, str) or not self.split:
            raise ConfigError("calibrate.split must be a split name such as 'validation'")
        for name in self.datasets:
            refuse_held_out(name, self.split, "calibration")

    @property
    def sources(self) -> list[tuple[str, str]]:
        return [(name, self.split) for name in self.datasets]


@dataclass
class SoupConfig:
    """A soup stage of a recipe folder (``kind: soup``); saved in the soup's ``metrics.json``."""

    output_dir: str  # model folder to write
    candidates: list[str]  # model folders (or names) to average
    expert_recipe: str  # training recipe whose train rows fit the n-gram experts and whose validation scores the soup
    kind: Literal["soup"] = "soup"
    method: Literal["uniform", "greedy"] = "uniform"
    calibrate: SoupCalibration | None = None  # fit the network temperature afterwards
    record: str | None = None  # also write the validation record (every candidate and step) to this JSON file

    def __post_init__(self) -> None:
        if self.kind != "soup":
            raise ConfigError(f"kind must be 'soup', got {self.kind!r}")
        if self.method not in ("uniform", "greedy"):
            raise ConfigError(f"method must be 'uniform' or 'greedy', got {self.method!r}")
        if not isinstance(self.candidates, list) or not all(isinstance(c, str) and c.strip() for c in self.candidates):
            raise ConfigError("candidates must be a list of model folders")
        if not self.candidates or (self.method == "greedy" and len(self.candidates) < 2):
            raise ConfigError(
                f"a {self.method} soup needs {'two' if self.method == 'greedy' else 'one'} or more candidates"
            )
        if len(set(self.candidates)) != len(self.candidates):
            raise ConfigError(f"candidates are listed twice: {self.candidates}")
        for name in ("output_dir", "expert_recipe"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ConfigError(f"{name} must be a path")
        if self.output_dir in self.candidates:
            raise ConfigError(f"output_dir {self.output_dir!r} is also a candidate")
        if isinstance(self.calibrate, dict):
            unknown = set(self.calibrate) - {f.name for f in dataclasses.fields(SoupCalibration)}
            if unknown:
                raise ConfigError(f"calibrate: unknown option(s) {sorted(unknown)}; known: datasets, split")
            self.calibrate = SoupCalibration(**self.calibrate)
        elif self.calibrate is not None and not isinstance(self.calibrate, SoupCalibration):
            raise ConfigError("calibrate must be a mapping with 'datasets' (and 'split')")

    @classmethod
    def from_yaml(cls, path: PathLike) -> SoupConfig:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("kind") != "soup":
            raise ConfigError(
                f"{path}: not a soup recipe (it needs `kind: soup`; run a training recipe with stancekit train)"
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"{path}: unknown option(s) {sorted(unknown)}; known: {sorted(known)}")
        missing = {"output_dir", "candidates", "expert_recipe"} - set(data)
        if missing:
            raise ConfigError(f"{path}: missing option(s) {sorted(missing)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------------------------------------------
# Averaging
# ---------------------------------------------------------------------------------------------------------------


def _refuse_mismatch(parents: Sequence[PathLike], nets: Sequence[Classifier]) -> None:
    first = nets[0]
    shapes = {k: v.shape for k, v in first.model.state_dict().items()}
    for parent, net in zip(parents[1:], nets[1:]):
        same_spec = (net.task, net.labels, net.spec.uses_holder) == (first.task, first.labels, first.spec.uses_holder)
        if not same_spec or {k: v.shape for k, v in net.model.state_dict().items()} != shapes:
            raise ConfigError(
                f"{parent} cannot be averaged with {parents[0]}: another task, label set or network shape "
                "(a soup needs runs fine-tuned from one starting point)"
            )


def average_weights(parents: Sequence[PathLike], out: PathLike) -> Path:
    """Write the model folder whose network is the uniform mean of ``parents``' network weights; returns it.

    Computed in float32 on the CPU. Tensors every parent shares (the frozen embeddings) are kept as they are:
    (a + a + a) / 3 need not equal a in float32, and a changed tensor would be stored in the compact weights file.
    The tokenizer and spec come from the first parent; the temperature is reset to 1 and any label bias dropped
    (both are fitted on a network, not inherited); no n-gram experts are copied. Saved compact (a float16 delta over
    the backbone) when the parents have a registered backbone.

    Raises:
        ConfigError: no parents, or parents of another task, label set or network shape.
    """
    if not parents:
        raise ConfigError("a soup needs at least one parent model")
    nets = [
        Classifier.from_pretrained(p, device="cpu", dtype="float32", backend="torch", experts=False) for p in parents
    ]
    _refuse_mismatch(parents, nets)
    states = [net.model.state_dict() for net in nets]
    soup = nets[0]
    with torch.no_grad():
        for key, tensor in states[0].items():
            if not tensor.is_floating_point() or all(torch.equal(s[key], tensor) for s in states[1:]):
                continue
            total = tensor.float().clone()
            for s in states[1:]:
                total += s[key].float()
            tensor.copy_(total / len(states))
    soup.spec = ModelSpec.from_dict({**soup.spec.to_dict(), "temperature": 1.0, "label_bias": {}})
    soup.experts = None
    return soup.save_pretrained(out)


# ---------------------------------------------------------------------------------------------------------------
# Scoring on validation
# ---------------------------------------------------------------------------------------------------------------


def _trained_parts(folders: Sequence[PathLike]) -> dict[tuple[str, str], str]:
    """``(corpus, split part) -> folder`` for every part a folder's ``training_config.yaml`` trains on."""
    out: dict[tuple[str, str], str] = {}
    for folder in folders:
        path = resolve_model_path(folder) / "training_config.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
        for spec in (data or {}).get("train") or []:
            if isinstance(spec, dict) and spec.get("name"):
                for part in split_parts(str(spec.get("split", "train"))):
                    out.setdefault((str(spec["name"]), part), str(folder))
    return out


def not_held_out(candidates: Sequence[PathLike], config: TrainingConfig) -> dict[str, str]:
    """The validation sources of ``config`` that a candidate was trained on: ``{source label: candidate}``."""
    trained = _trained_parts(candidates)
    return {
        spec.label: trained[(spec.name, part)]
        for spec in config.validation
        if spec.name is not None
        for part in split_parts(spec.split)
        if (spec.name, part) in trained
    }


def _selection(network: dict[str, float], with_experts: dict[str, float]) -> dict[str, float]:
    """Mean network F_avg over the sources, and the same with the experts' F_avg where they fire."""
    alone = [v for k, v in network.items() if k.removesuffix("/f_avg") not in with_experts]
    shipped = [*with_experts.values(), *alone]
    return {
        "selection_network": round(sum(network.values()) / len(network), 4),
        SELECTION: round(sum(shipped) / len(shipped), 4),
    }


def score_soup(
    clf: Classifier, config: TrainingConfig, *, skip: Collection[str] = (), progress: bool = False
) -> dict[str, Any]:
    """Refit ``clf``'s n-gram experts on ``config`` (sets ``clf.experts``) and score its validation sources.

    Sources the experts cover are scored by the expert weight search (network alone = weight 0, and at the chosen
    weight); the others with the network alone (:func:`evaluate_classifier`). Sources in ``skip`` (trained on by
    the soup) are left out. Returns ``{"network_f_avg", "network_macro_f1", "experts_weight",
    "with_experts_f_avg", "selection_network", "selection_with_experts", "not_held_out", "experts"}``.

    Raises:
        LeakageError: the expert weight would be chosen on a source in ``skip``.
    """
    experts = attach_experts(clf, config, progress=progress)
    leaked = sorted(set(experts["validation"]) & set(skip))
    if leaked:
        raise LeakageError(f"the n-gram experts' weight would be chosen on {leaked}, which the soup was trained on")
    grid, best = experts["grid"], experts["grid"].index(experts["weight"])
    network = {f"{src}/f_avg": round(v[grid.index(0.0)], 4) for src, v in experts["validation"].items()}
    with_experts = {src: round(v[best], 4) for src, v in experts["validation"].items()}
    macro_f1: dict[str, float] = {}
    for spec in config.validation:
        if spec.label in experts["validation"] or spec.label in skip or spec.name is None:
            continue
        result = evaluate_classifier(clf, spec.name, spec.split, progress=progress)
        network[f"{spec.label}/f_avg"] = round(result["metrics"]["f_avg"], 4)
        macro_f1[spec.label] = round(result["metrics"]["macro_f1"], 4)
    return {
        "network_f_avg": network,
        "network_macro_f1": macro_f1,
        "experts_weight": experts["weight"],
        "with_experts_f_avg": with_experts,
        **_selection(network, with_experts),
        "not_held_out": sorted(skip),
        "experts": experts,
    }


def make_soup(
    ingredients: Sequence[PathLike],
    out: PathLike,
    *,
    expert_config: TrainingConfig,
    skip: Collection[str] = (),
    options: LoadOptions | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Average ``ingredients`` into ``out``, refit its experts there, score it (:func:`score_soup`); the record.

    The folder gets the network, the experts and ``training_config.yaml`` (the expert recipe, whose rows the
    experts are fitted on, with ``output_dir`` set to ``out``).
    """
    folder = average_weights(ingredients, out)
    clf = Classifier.from_pretrained(folder, options or SCORING_OPTIONS, experts=False)
    record = score_soup(clf, expert_config, skip=skip, progress=progress)
    assert clf.experts is not None
    clf.experts.save(folder)
    dataclasses.replace(expert_config, output_dir=str(folder)).to_yaml(folder / "training_config.yaml")
    logger.info("soup of %d: selection %.4f -> %s", len(ingredients), record[SELECTION], folder)
    return record


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    """A record without its (long) expert weight search."""
    return {k: v for k, v in record.items() if k != "experts"}


def _scorer(expert_recipe: PathLike, skip: Collection[str], options: LoadOptions | None, progress: bool) -> Scorer:
    config = TrainingConfig.from_yaml(expert_recipe)
    return functools.partial(make_soup, expert_config=config, skip=skip, options=options, progress=progress)


def greedy_soup(
    candidates: Sequence[str],
    out: PathLike,
    *,
    expert_recipe: PathLike,
    score: Scorer | None = None,
    skip: Collection[str] = (),
    options: LoadOptions | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Greedy soup: score each candidate alone, sort them best first (ties keep the given order), then add each
    to the soup only if the soup's selection figure (:data:`SELECTION`) does not fall. Writes the final soup to
    ``out``.

    Args:
        score: builds the soup of some ingredients in a folder and returns its record (default: :func:`make_soup`
            with the experts refitted on ``expert_recipe``).

    Returns:
        ``{"candidates": {candidate: record alone}, "order", "steps": [{"add", "ingredients", "kept", ...}],
        "ingredients", "soup": the final soup's record}``.
    """
    if len(candidates) < 2:
        raise ConfigError("a greedy soup needs two or more candidates")
    score = score or _scorer(expert_recipe, skip, options, progress)
    with tempfile.TemporaryDirectory(prefix="stancekit-soup-") as tmp:
        trial_dir = Path(tmp) / "soup"
        alone = {c: _brief(score([c], trial_dir)) for c in candidates}
        order = sorted(candidates, key=lambda c: alone[c][SELECTION], reverse=True)
        ingredients, best = [order[0]], alone[order[0]][SELECTION]
        steps: list[dict[str, Any]] = []
        for candidate in order[1:]:
            trial = _brief(score([*ingredients, candidate], trial_dir))
            kept = trial[SELECTION] >= best
            steps.append({"add": candidate, "ingredients": [*ingredients, candidate], "kept": kept, **trial})
            logger.info("+ %s: %.4f vs %.4f -> %s", candidate, trial[SELECTION], best, "kept" if kept else "dropped")
            if kept:
                ingredients, best = [*ingredients, candidate], trial[SELECTION]
    soup = score(ingredients, Path(out))
    return {"candidates": alone, "order": order, "steps": steps, "ingredients": ingredients, "soup": soup}


# ---------------------------------------------------------------------------------------------------------------
# A soup stage: stancekit soup SOUP.yaml
# ---------------------------------------------------------------------------------------------------------------


def _refuse_calibration_leak(config: SoupConfig) -> None:
    if config.calibrate is None:
        return
    trained = _trained_parts(config.candidates)
    for name, split in config.calibrate.sources:
        shared = [trained[(name, p)] for p in split_parts(split) if (name, p) in trained]
        if shared:
            raise LeakageError(f"calibrate: {name}:{split} is training data of {shared[0]}; calibrate on held-out rows")


def _parent_validation(folder: str) -> dict[str, Any]:
    path = resolve_model_path(folder) / "metrics.json"
    metrics = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {k: v for k, v in (metrics.get("validation") or {}).items() if isinstance(v, (int, float))}


def soup_metrics(config: SoupConfig, path: PathLike, result: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The soup folder's ``metrics.json``: the recipe, the ingredients, flat validation figures (for the card),
    the full record, the greedy steps, the expert weight search and the wall time."""
    soup = result["soup"]
    validation = {k: v for k, v in soup["network_f_avg"].items()}
    validation |= {f"{k}/f_avg_with_experts": v for k, v in soup["with_experts_f_avg"].items()}
    validation |= {f"{k}/macro_f1": v for k, v in soup["network_macro_f1"].items()}
    validation |= {"selection/network": soup["selection_network"], "selection/with_experts": soup[SELECTION]}
    greedy = {k: result[k] for k in ("candidates", "order", "steps") if k in result}
    return {
        "recipe": str(path),
        "soup": config.to_dict(),
        "ingredients": list(result["ingredients"]),
        "selection_metric": "mean validation F_avg over the expert recipe's validation sources, with the n-gram "
        "experts where they fire",
        "validation": validation,
        "record": _brief(soup),
        **({"greedy": greedy} if greedy else {}),
        "parents": {c: _parent_validation(c) for c in result["ingredients"]},
        "ngram_experts": soup["experts"],
        "soup_seconds": round(seconds, 1),
        "hardware": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
        "test": {},
    }


def _soup_lines(config: SoupConfig, metrics: dict[str, Any]) -> list[str]:
    ingredients = ", ".join(f"`{i}`" for i in metrics["ingredients"])
    lines = [
        f"model soup ({config.method}): the element-wise mean of the network weights of {ingredients} (tensors "
        "they all share kept as they are), network temperature reset to 1",
        f"n-gram experts refitted on the train sources of `{config.expert_recipe}`, their weight chosen on its "
        "validation sources",
        f"selection: {metrics['selection_metric']}",
    ]
    for step in metrics.get("greedy", {}).get("steps", []):
        lines.append(f"greedy step: + `{step['add']}`: {step[SELECTION]:.4f}, {'kept' if step['kept'] else 'dropped'}")
    for source in metrics["record"]["not_held_out"]:
        lines.append(f"`{source}` is training data of an ingredient: not scored, not used for any choice")
    cal = metrics.get("calibration")
    if cal:
        state = "stored" if cal["written"] else "not stored (it did not lower the validation ECE)"
        lines.append(f"network temperature {cal['temperature']:.4f} fitted on {', '.join(cal['sources'])}: {state}")
    lines.append(f"wall time: {metrics['soup_seconds']} s on {metrics['hardware']} (averaging, experts, scoring)")
    return lines


def _soup_summary(task: str, n: int) -> str:
    start = f"A {task} classifier whose network is the mean of the weights of {n} fine-tuned runs (a model soup)"
    if task != "stance":
        return f"{start}. Input: a text; output: negative / neutral / positive."
    return (
        f"{start}, with per-target n-gram experts for the targets they cover. Input: a (target, text) pair; "
        "output: favor / against / none toward the target."
    )


def card_data_from_soup(folder: PathLike, metrics: dict[str, Any]) -> CardData:
    """The card of a soup folder (:func:`run_soup`): its ``metrics.json`` (with the soup recipe under ``"soup"``)
    and its ``training_config.yaml`` (the expert recipe)."""
    folder = Path(folder)
    config = SoupConfig(**metrics["soup"])
    expert_config = TrainingConfig.from_yaml(folder / "training_config.yaml")
    recipe = Path(metrics["recipe"])
    data = card_data_from_training(folder, expert_config, metrics, f"stancekit soup {recipe}")
    rows = [{**row, "role": "n-gram experts" if row["role"] == "train" else row["role"]} for row in data.data]
    return dataclasses.replace(
        data,
        summary=_soup_summary(expert_config.task, len(metrics["ingredients"])),
        data=rows,
        training=_soup_lines(config, metrics),
        recipe=str(recipe),
        reproduce=[
            f"make models   # every stage of {recipe.parent}/, in file-name order (see recipes/README.md)",
            f"STANCEKIT_DATA=../shared/data stancekit soup {recipe}   # this stage alone",
        ],
    )


def _build(
    config: SoupConfig, expert_config: TrainingConfig, *, skip: Collection[str], options: LoadOptions, progress: bool
) -> dict[str, Any]:
    out = Path(config.output_dir)
    if config.method == "greedy":
        return greedy_soup(config.candidates, out, expert_recipe=config.expert_recipe, skip=skip, options=options,
                           progress=progress)  # fmt: skip
    soup = make_soup(config.candidates, out, expert_config=expert_config, skip=skip, options=options, progress=progress)
    return {"ingredients": list(config.candidates), "soup": soup}


def run_soup(path: PathLike, *, options: LoadOptions | None = None, progress: bool = False) -> Path:
    """Run a soup stage: average, refit the experts, score, optionally calibrate; write the folder with its
    ``metrics.json`` (written last) and card. Returns the folder.

    Args:
        options: how soups are scored (default :data:`SCORING_OPTIONS`: float32, network only).

    Raises:
        ConfigError: an invalid recipe (:class:`SoupConfig`) or expert recipe; an ``output_dir`` that cannot be
            written. ModelNotFoundError: a missing candidate. LeakageError: calibration on rows a candidate was
            trained on.
    """
    started = time.time()
    config = SoupConfig.from_yaml(path)
    require("jinja2", "train", purpose="the model card")  # written last: refuse before the work, not after it
    for candidate in config.candidates:
        resolve_model_path(candidate)
    if not Path(config.expert_recipe).is_file():
        raise ConfigError(f"expert_recipe {config.expert_recipe!r}: no such training recipe")
    expert_config = TrainingConfig.from_yaml(config.expert_recipe)
    _refuse_calibration_leak(config)
    skip = not_held_out(config.candidates, expert_config)
    options = LoadOptions.from_any(options or SCORING_OPTIONS, experts=False)
    # A soup stage rewrites its folder by design (force): what is checked up front is that it can be written.
    out = check_output_dir(config.output_dir, force=True)
    result = _build(config, expert_config, skip=skip, options=options, progress=progress)
    fitted = None
    if config.calibrate is not None:
        sources, network_only = config.calibrate.sources, LoadOptions(experts=False)
        fitted = calibrate(out, sources, write=True, options=network_only, progress=progress)
    metrics = soup_metrics(config, path, result, time.time() - started)
    if fitted is not None:
        metrics["calibration"] = fitted
    if config.record:
        Path(config.record).parent.mkdir(parents=True, exist_ok=True)
        Path(config.record).write_text(json.dumps({**result, "soup": _brief(result["soup"])}, indent=2) + "\n")
    write_card(out, card_data_from_soup(out, metrics))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return out
