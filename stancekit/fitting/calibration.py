"""Calibrated probabilities: expected calibration error, and temperature scaling fitted on validation data.

Temperature scaling (Guo et al. 2017) divides a model's logits by one number T before the softmax: labels never
change (the arg-max is the same), only how confident the probabilities are. T is fitted by minimising the
negative log-likelihood on validation rows, stored in the model's config (``stancekit.temperature``) and applied
by the inference core, so every entry point returns the calibrated probabilities.

A label bias is the other, optional step: per-label offsets added to the scaled logits (``stancekit.label_bias``),
i.e. a prior correction ``p(label) ~ p(label) * exp(bias[label])``. Unlike the temperature it moves decisions: it
is fitted on validation rows to maximise each corpus's headline metric (macro-recall, macro-F1, F_avg), for a
model whose training mix left it too shy of one label. Fit the temperature first, then the bias.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stancekit.core.errors import ConfigError
from stancekit.core.metrics import classification_scores, expected_calibration_error, predict_restricted
from stancekit.core.proba import apply_label_bias, rescale
from stancekit.data.corpora import dataset_info, load_dataset
from stancekit.data.guards import refuse_held_out, refuse_task_mismatch
from stancekit.model.classifier import Classifier
from stancekit.model.folder import resolve_model_path, update_json
from stancekit.model.options import LoadOptions


def fit_temperature(proba: np.ndarray, gold: Sequence[int] | np.ndarray, current: float = 1.0) -> float:
    """The temperature that minimises the negative log-likelihood of ``gold`` under ``proba`` re-scaled.

    ``proba`` are probabilities produced at temperature ``current``; their logarithms are the logits / current up
    to a per-row constant, which the softmax ignores, so no second forward pass is needed. Returns the new
    absolute temperature (``current`` times the fitted factor), searched in [0.05, 20].
    """
    gold_t = torch.as_tensor(np.asarray(gold), dtype=torch.long)
    log_p = torch.log(torch.as_tensor(np.asarray(proba), dtype=torch.float64).clamp_min(1e-12))
    if len(gold_t) == 0:
        raise ConfigError("no rows to calibrate on")

    # A coarse grid, then golden-section refinement on log T: one parameter, so no optimiser state or step sizes.
    def nll(log_t: float) -> float:
        return float(torch.nn.functional.cross_entropy(log_p / float(np.exp(log_t)), gold_t))

    grid = np.linspace(np.log(0.05), np.log(20.0), 61)
    k = int(np.argmin([nll(x) for x in grid]))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    for _ in range(40):
        if nll(a) < nll(b):
            hi, b = b, a
            a = hi - ratio * (hi - lo)
        else:
            lo, a = a, b
            b = lo + ratio * (hi - lo)
    return float(current * np.exp((lo + hi) / 2))


def _validation_proba(
    clf: Classifier, sources: Sequence[tuple[str, str]], *, progress: bool = False
) -> list[tuple[str, str, np.ndarray, list[str]]]:
    """``(dataset, split, proba, gold label names)`` for each source, scored by ``clf`` as it stands.

    Raises:
        LeakageError: a held-out split (a test split, even joined: ``validation+test``). ConfigError: an unknown
            corpus, or one of another task.
    """
    out = []
    for name, split in sources:
        refuse_held_out(name, split, "calibration")
        refuse_task_mismatch([name], clf.task)
        ds = load_dataset(name, split)
        targets = ds["target"] if clf.spec.is_pair else None
        holders = ds["holder"] if clf.spec.uses_holder and any(h is not None for h in ds["holder"]) else None
        proba = clf.predict_proba(ds["text"], targets=targets, holders=holders, progress=progress)
        out.append((name, split, np.asarray(proba), list(ds["label"])))
    return out


ModelLike = Classifier | str | os.PathLike[str]


def _classifier(model: ModelLike, options: LoadOptions | None, **overrides: Any) -> Classifier:
    if isinstance(model, Classifier):
        return model
    return Classifier.from_pretrained(model, LoadOptions.from_any(options, **overrides))


def _folder_of(model: ModelLike, clf: Classifier) -> Path:
    where = clf.path if isinstance(model, Classifier) else resolve_model_path(model)
    if where is None:
        raise ConfigError("write=True needs a model folder: pass its name or path (or a Classifier loaded from one)")
    return where


def calibrate(
    model: ModelLike,
    sources: Sequence[tuple[str, str]],
    *,
    write: bool = False,
    options: LoadOptions | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit the network's temperature on the pooled validation rows of registered corpora.

    Args:
        model: a model name or folder (loaded without its n-gram experts, which carry their own temperature), or a
            :class:`Classifier` (left unchanged; it must be loaded with ``experts=False``).
        sources: ``(dataset, split)`` pairs, e.g. ``[("semeval2016", "validation")]``; never a held-out split.
        write: store the fitted temperature in the folder's ``config.json`` if it lowers the expected calibration
            error (``"written"`` in the result says whether it did).
        options: how the model runs (a name or folder only).

    Returns:
        ``{"temperature_before", "temperature", "n", "sources", "ece_before", "ece_after", "nll_before",
        "nll_after", "written"}``: the fitted absolute temperature and the expected calibration error and mean
        negative log-likelihood on those rows before and after it.

    Raises:
        LeakageError: a held-out split. ConfigError: a corpus of another task, no rows, a model with experts or a
            label bias.
    """
    clf = _classifier(model, options, experts=False)
    result = _fit_network_temperature(clf, sources, progress=progress)
    result["written"] = bool(write and result["ece_after"] < result["ece_before"])
    if result["written"]:
        update_json(_folder_of(model, clf) / "config.json", {"temperature": round(result["temperature"], 4)},
                    block="stancekit")  # fmt: skip
    return result


def _fit_network_temperature(clf: Classifier, sources: Sequence[tuple[str, str]], *, progress: bool) -> dict[str, Any]:
    if not sources:
        raise ConfigError("give at least one (dataset, split) to calibrate on")
    if getattr(clf, "experts", None) is not None:
        raise ConfigError(
            "this model has n-gram experts, which carry their own temperature (fitted by `stancekit experts`); "
            "calibrate the network alone: load it with experts=False (--no-experts)"
        )
    if any(clf.spec.label_bias.values()):
        raise ConfigError(
            "this model has a label bias, which is fitted after the temperature: remove 'label_bias' from its "
            "config.json, fit the temperature, then fit the bias again (`stancekit calibrate --bias`)"
        )
    scored = _validation_proba(clf, sources, progress=progress)
    probas = [proba for _, _, proba, _ in scored]
    golds = [clf.labels.index(y) for _, _, _, gold in scored for y in gold]
    proba = np.concatenate(probas)
    gold = np.asarray(golds)
    before = clf.spec.temperature
    after = fit_temperature(proba, gold, current=before)
    scaled = rescale(proba, after / before)

    def nll(p: np.ndarray) -> float:
        return float(-np.mean(np.log(np.clip(p[np.arange(len(gold)), gold], 1e-12, None))))

    return {
        "temperature_before": before,
        "temperature": after,
        "n": len(gold),
        "sources": [f"{n}:{s}" for n, s in sources],
        "ece_before": expected_calibration_error(proba, gold),
        "ece_after": expected_calibration_error(scaled, gold),
        "nll_before": nll(proba),
        "nll_after": nll(scaled),
    }


def _headline_score(proba: np.ndarray, gold: Sequence[str], labels: tuple[str, ...], task: str, metric: str) -> float:
    return classification_scores(gold, predict_restricted(proba, labels, set(gold)), task)[metric]


def fit_label_bias(
    parts: Sequence[tuple[np.ndarray, Sequence[str], str]],
    labels: Sequence[str],
    task: str,
    *,
    span: float = 2.0,
    step: float = 0.05,
    rounds: int = 4,
) -> tuple[dict[str, float], list[float], list[float]]:
    """Per-label logit offsets that maximise the mean of each part's metric, by coordinate search on a grid.

    Args:
        parts: ``(proba, gold label names, metric)`` per validation corpus, ``proba`` in ``labels`` order; metric
            is a key of :func:`stancekit.metrics.classification_scores` (``f_avg``, ``macro_f1``, ...). Binary
            corpora are scored by arg-max over their own labels, as in evaluation.
        labels: the model's labels. The offset of ``none``/``neutral`` (else of the first label) stays 0: adding
            one number to every logit changes nothing.
        span, step: the grid of each offset, ``[-span, span]`` in steps of ``step``.
        rounds: passes over the labels.

    The scores are step functions of the offsets, so each coordinate moves to the middle of its best plateau, and
    only when that beats the current value (no gain, no bias).

    Returns:
        ``(bias, before, after)``: offsets by label name (the reference label left out) and each part's metric
        at zero bias and at the fitted one.
    """
    labels = tuple(labels)
    if not parts:
        raise ConfigError("no validation rows to fit a label bias on")
    reference = next((i for i, name in enumerate(labels) if name in ("none", "neutral")), 0)
    free = [i for i in range(len(labels)) if i != reference]
    grid = np.round(np.arange(-span, span + step / 2, step), 6)

    def scores(b: np.ndarray) -> list[float]:
        return [_headline_score(apply_label_bias(p, b), g, labels, task, m) for p, g, m in parts]

    bias = np.zeros(len(labels))
    before = scores(bias)
    current = float(np.mean(before))
    for _ in range(rounds):
        moved = False
        for i in free:
            values = []
            for v in grid:
                trial = bias.copy()
                trial[i] = v
                values.append(float(np.mean(scores(trial))))
            best = max(values)
            if best <= current + 1e-9:
                continue
            top = np.flatnonzero(np.asarray(values) >= best - 1e-9)
            # the longest run of best grid points, and its middle: robust to where the step edges fall
            runs = np.split(top, np.flatnonzero(np.diff(top) != 1) + 1)
            run = max(runs, key=len)
            bias[i] = grid[run[len(run) // 2]]
            current = float(np.mean(scores(bias)))
            moved = True
        if not moved:
            break
    after = scores(bias)
    return {labels[i]: float(bias[i]) for i in free if bias[i] != 0}, before, after


def calibrate_bias(
    model: ModelLike,
    sources: Sequence[tuple[str, str]],
    *,
    write: bool = False,
    options: LoadOptions | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit a model's label bias on the validation rows of registered corpora (its current bias ignored).

    Each corpus counts once, through its headline metric (:attr:`stancekit.data.DatasetInfo.headline`); the bias
    maximises their mean. With ``write``, the bias is stored in the folder's ``config.json`` if it raises that
    mean, and any stored bias is removed if no bias does. Returns ``{"label_bias_before", "label_bias", "n",
    "sources", "metrics", "score_before", "score_after", "ece_before", "ece_after", "gain", "written"}``
    (``score_*``: per source, in order).

    Raises:
        LeakageError: a held-out split. ConfigError: a corpus of another task, or no rows.
    """
    clf = _classifier(model, options)
    result = _fit_bias(clf, sources, progress=progress)
    result["gain"] = float(np.mean(result["score_after"]) - np.mean(result["score_before"]))
    if result["gain"] <= 0:
        result["label_bias"] = {}
    result["written"] = bool(write and result["gain"] > 0)
    if write:
        bias = {k: round(v, 4) for k, v in result["label_bias"].items()}
        update_json(_folder_of(model, clf) / "config.json", {"label_bias": bias}, block="stancekit")
    return result


def _fit_bias(clf: Classifier, sources: Sequence[tuple[str, str]], *, progress: bool) -> dict[str, Any]:
    if not sources:
        raise ConfigError("give at least one (dataset, split) to fit the label bias on")
    saved = dict(clf.spec.label_bias)
    clf.spec.label_bias = {}
    try:
        scored = _validation_proba(clf, sources, progress=progress)
    finally:
        clf.spec.label_bias = saved
    for name, split, _, gold in scored:
        if not gold:
            raise ConfigError(f"{name}:{split} has no rows")
    metrics = [dataset_info(name).headline for name, _, _, _ in scored]
    parts = [(proba, gold, metric) for (_, _, proba, gold), metric in zip(scored, metrics)]
    names = [f"{name}:{split}" for name, split, _, _ in scored]
    bias, before, after = fit_label_bias(parts, clf.labels, clf.task)
    vector = [bias.get(label, 0.0) for label in clf.labels]
    proba_all = np.concatenate([p for p, _, _ in parts])
    gold_all = [clf.labels.index(y) for _, g, _ in parts for y in g]
    return {
        "label_bias_before": saved,
        "label_bias": bias,
        "n": len(gold_all),
        "sources": names,
        "metrics": metrics,
        "score_before": before,
        "score_after": after,
        "ece_before": expected_calibration_error(proba_all, gold_all),
        "ece_after": expected_calibration_error(apply_label_bias(proba_all, vector), gold_all),
    }
