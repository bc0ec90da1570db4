"""Fitting n-gram experts (:mod:`stancekit.model.experts`): one TF-IDF + linear SVM per target with enough
training rows, their fusion weight chosen on validation, their temperature fitted on the covered rows."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from stancekit.core.errors import ConfigError
from stancekit.core.metrics import classification_scores, expected_calibration_error, predict_restricted
from stancekit.core.proba import rescale
from stancekit.data.sources import load_source
from stancekit.fitting.calibration import fit_temperature
from stancekit.fitting.config import TrainingConfig
from stancekit.model.classifier import Classifier
from stancekit.model.experts import CHAR, WORD, Expert, NgramExperts, vectorizer
from stancekit.model.folder import resolve_model_path, update_json
from stancekit.model.options import LoadOptions

logger = logging.getLogger(__name__)
WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def fit_expert(target: str, texts: Sequence[str], gold: Sequence[str], *, max_features: int, c: float = 0.5) -> Expert:
    """One target's expert: word 1-3-grams + char 2-5-grams, TF-IDF, linear SVM; vocabularies pruned to the
    ``max_features`` n-grams with the largest coefficients and the SVM refitted on them."""
    word, char = vectorizer(WORD), vectorizer(CHAR)
    x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
    svm = LinearSVC(C=c, class_weight="balanced", random_state=0).fit(x, gold)
    n_word = len(word.vocabulary_)
    if x.shape[1] > max_features:  # keep the n-grams with the largest weights, refit on them
        keep = np.sort(np.argsort(-np.abs(svm.coef_).max(axis=0), kind="stable")[:max_features])
        names = np.concatenate([word.get_feature_names_out(), char.get_feature_names_out()])
        word = vectorizer(WORD, [str(t) for t in names[keep[keep < n_word]]])
        char = vectorizer(CHAR, [str(t) for t in names[keep[keep >= n_word]]])
        x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
        svm = LinearSVC(C=c, class_weight="balanced", random_state=0).fit(x, gold)
    return Expert(
        target=target,
        classes=[str(k) for k in svm.classes_],
        word=word,
        char=char,
        coef=svm.coef_.astype(np.float32),
        intercept=svm.intercept_.astype(np.float32),
    )


def fit_ngram_experts(
    texts: Sequence[str],
    targets: Sequence[str | None],
    gold: Sequence[str],
    labels: Sequence[str],
    *,
    min_rows: int = 200,
    max_features: int = 10_000,
    aliases: dict[str, list[str]] | None = None,
) -> NgramExperts:
    """One expert per target with at least ``min_rows`` training rows and two labels."""
    rows: dict[str, list[int]] = {}
    for i, t in enumerate(targets):
        if t is not None:
            rows.setdefault(str(t), []).append(i)
    experts = []
    for target in sorted(rows):
        idx = rows[target]
        if len(idx) < min_rows or len({gold[i] for i in idx}) < 2:
            continue
        expert = fit_expert(target, [texts[i] for i in idx], [gold[i] for i in idx], max_features=max_features)
        expert.aliases = tuple((aliases or {}).get(target, ()))
        experts.append(expert)
        logger.info("n-gram expert %r: %d rows, %d features", target, len(idx), expert.coef.shape[1])
    if not experts:
        raise ConfigError(f"no target has {min_rows} or more training rows with two labels: no expert to fit")
    return NgramExperts(labels, experts)


@dataclass
class _Covered:
    """The validation rows of one source that an expert covers, with the network's probabilities at T = 1."""

    source: str
    proba: np.ndarray
    texts: list[str]
    targets: list[str]
    gold: list[str]
    allowed: set[str]


def _training_rows(config: TrainingConfig) -> tuple[list[str], list[str | None], list[str], dict[str, list[str]]]:
    texts: list[str] = []
    targets: list[str | None] = []
    gold: list[str] = []
    aliases: dict[str, list[str]] = {}
    for spec in config.train:
        ds = load_source(spec, "stance")
        texts += ds["text"]
        targets += ds["target"]
        gold += ds["label"]
        for target, names in (spec.target_aliases or {}).items():
            aliases.setdefault(target, []).extend(n for n in names if n not in aliases.get(target, []))
    return texts, targets, gold, aliases


def _covered_rows(clf: Classifier, experts: NgramExperts, config: TrainingConfig, progress: bool) -> list[_Covered]:
    out = []
    for spec in config.validation:
        ds = load_source(spec, "stance")
        if not any(experts.covers(t) for t in ds["target"]):
            continue  # no expert fires here: the same score at every weight (not worth scoring)
        # the network alone, at temperature 1: the classifier fuses first and applies its temperature after
        proba = rescale(
            clf.predict_proba(ds["text"], targets=ds["target"], progress=progress), 1 / clf.spec.temperature
        )
        rows = np.flatnonzero(experts.covered(ds["target"]))
        texts, targets, gold = ds["text"], ds["target"], ds["label"]
        out.append(
            _Covered(spec.label, proba[rows], [texts[i] for i in rows], [targets[i] for i in rows],
                     [gold[i] for i in rows], set(ds["label"]))
        )  # fmt: skip
    if not out:
        raise ConfigError("no validation row has a target the experts cover: nothing to choose their weight on")
    return out


def _refuse_unfit(clf: Classifier) -> None:
    if clf.task != "stance" or clf.spec.uses_holder:
        raise ConfigError("n-gram experts are for stance models without holders")
    if any(clf.spec.label_bias.values()):
        raise ConfigError(
            "this model has a label bias, which is fitted after the experts: remove 'label_bias' from its "
            "config.json, fit the experts, then fit the bias again (`stancekit calibrate --bias`)"
        )


def attach_experts(
    clf: Classifier,
    config: TrainingConfig,
    *,
    min_rows: int = 200,
    max_features: int = 10_000,
    grid: Sequence[float] = WEIGHT_GRID,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit experts on ``config``'s training sources (each row once) and pick their weight on its validation sources.

    The weight maximises the mean F_avg over the validation sources that have rows the experts cover (a source
    without any scores the same at every weight); ties go to the smaller weight. Then the experts' temperature is
    fitted on the covered validation rows (negative log-likelihood), and kept only if it lowers their expected
    calibration error. Sets ``clf.experts``.

    Returns:
        ``{"weight", "grid", "validation": {source: [F_avg per weight]}, "selection": [...], "targets",
        "temperature", "ece_before", "ece_after", "n_calibration"}``.
    """
    _refuse_unfit(clf)
    texts, targets, gold, aliases = _training_rows(config)
    experts = fit_ngram_experts(
        texts, targets, gold, clf.labels, min_rows=min_rows, max_features=max_features, aliases=aliases
    )
    clf.experts = None
    kept = _covered_rows(clf, experts, config, progress)
    per_source = {
        c.source: [
            classification_scores(
                c.gold, predict_restricted(experts.fuse(c.proba, c.texts, c.targets, weight=w), clf.labels, c.allowed),
                "stance",
            )["f_avg"]
            for w in grid
        ]
        for c in kept
    }  # fmt: skip
    selection = np.mean(list(per_source.values()), axis=0)
    experts.weight = float(grid[int(np.argmax(selection))])  # first maximum: the smallest weight among ties
    report = _fit_expert_temperature(experts, kept, clf.labels)
    clf.experts = experts
    return {"weight": experts.weight, "grid": list(grid), "validation": per_source,
            "selection": selection.tolist(), "targets": experts.targets, **report}  # fmt: skip


def _fit_expert_temperature(experts: NgramExperts, kept: list[_Covered], labels: Sequence[str]) -> dict[str, Any]:
    fused = np.concatenate([experts.fuse(c.proba, c.texts, c.targets, temperature=1.0) for c in kept])
    gold_idx = np.array([list(labels).index(y) for c in kept for y in c.gold])
    fitted = fit_temperature(fused, gold_idx)
    ece_before = expected_calibration_error(fused, gold_idx)
    ece_after = expected_calibration_error(rescale(fused, fitted), gold_idx)
    experts.temperature = round(fitted, 4) if ece_after < ece_before else 1.0
    return {
        "temperature": experts.temperature,
        "ece_before": ece_before,
        "ece_after": min(ece_after, ece_before),
        "n_calibration": len(gold_idx),
    }


def fit_experts(
    model: str | os.PathLike[str],
    recipe: str | os.PathLike[str] | None = None,
    *,
    min_rows: int = 200,
    max_features: int = 10_000,
    write: bool = False,
    options: LoadOptions | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit a stance model's n-gram experts on its recipe's sources; with ``write``, store them in its folder.

    Args:
        model: a stance model name or folder.
        recipe: the training recipe whose train sources the experts learn from and whose validation sources
            choose their weight (default: the folder's ``training_config.yaml``).
        write: store ``ngram.json`` + ``ngram.safetensors`` in the folder and the report in its ``metrics.json``.
        options: how the model runs while its validation rows are scored.

    Returns:
        The report of :func:`attach_experts`, plus ``min_rows``, ``max_features`` and ``written``.
    """
    if min_rows < 2 or max_features < 1:
        raise ConfigError("min_rows must be >= 2 and max_features >= 1")
    folder = resolve_model_path(model)
    recipe_path = Path(recipe) if recipe is not None else folder / "training_config.yaml"
    if not recipe_path.is_file():
        raise ConfigError(
            f"{recipe_path}: no training recipe; pass recipe= (--recipe): its train and validation sources"
        )
    config = TrainingConfig.from_yaml(recipe_path)
    clf = Classifier.from_pretrained(folder, options)
    report = attach_experts(clf, config, min_rows=min_rows, max_features=max_features, progress=progress)
    report |= {"min_rows": min_rows, "max_features": max_features, "written": write}
    if write:
        assert clf.experts is not None
        clf.experts.save(folder)
        update_json(folder / "metrics.json", {"ngram_experts": {k: v for k, v in report.items() if k != "written"}})
    return report
