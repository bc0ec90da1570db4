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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from stancekit.classifier import Classifier


def expected_calibration_error(proba: np.ndarray, gold: Sequence[int] | np.ndarray, bins: int = 15) -> float:
    """ECE: the mean gap between confidence (the top probability) and accuracy, over equal-width confidence bins,
    weighted by the share of rows in each bin. In [0, 1]; 0 is perfectly calibrated.

    Args:
        proba: ``(n, n_labels)`` probabilities.
        gold: ``(n,)`` gold label indices (columns of ``proba``).
        bins: number of confidence bins over [0, 1].
    """
    proba = np.asarray(proba, dtype=np.float64)
    gold_a = np.asarray(gold)
    if proba.ndim != 2 or len(proba) != len(gold_a):
        raise ValueError(f"proba must be (n, labels) with n = len(gold); got {proba.shape} and {len(gold_a)}")
    if len(gold_a) == 0:
        raise ValueError("no rows to calibrate on")
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == gold_a).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def fit_temperature(proba: np.ndarray, gold: Sequence[int] | np.ndarray, current: float = 1.0) -> float:
    """The temperature that minimises the negative log-likelihood of ``gold`` under ``proba`` re-scaled.

    ``proba`` are probabilities produced at temperature ``current``; their logarithms are the logits / current up
    to a per-row constant, which the softmax ignores, so no second forward pass is needed. Returns the new
    absolute temperature (``current`` times the fitted factor), searched in [0.05, 20].
    """
    gold_t = torch.as_tensor(np.asarray(gold), dtype=torch.long)
    log_p = torch.log(torch.as_tensor(np.asarray(proba), dtype=torch.float64).clamp_min(1e-12))
    if len(gold_t) == 0:
        raise ValueError("no rows to calibrate on")

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


def rescale(proba: np.ndarray, factor: float) -> np.ndarray:
    """Probabilities as they would be at ``factor`` times their temperature."""
    log_p = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, None)) / factor
    log_p -= log_p.max(axis=1, keepdims=True)
    out = np.exp(log_p)
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def _validation_proba(
    clf: Classifier, sources: Sequence[tuple[str, str]], *, progress: bool = False
) -> list[tuple[str, str, np.ndarray, list[str]]]:
    """``(dataset, split, proba, gold label names)`` for each source, scored by ``clf`` as it stands.

    Raises:
        ValueError: a test split or a corpus of another task. KeyError: an unknown corpus.
    """
    from stancekit.data import DATASETS, load_dataset

    out = []
    for name, split in sources:
        if split.startswith("test"):
            raise ValueError(f"{name}:{split}: a test split may not be used for calibration; use a validation split")
        info = DATASETS.get(name)
        if info is None:
            raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
        if info.task != clf.task:
            raise ValueError(f"dataset {name!r} is a {info.task} corpus but the model is a {clf.task} model")
        ds = load_dataset(name, split)
        targets = ds["target"] if clf.spec.is_pair else None
        holders = ds["holder"] if clf.spec.uses_holder and any(h is not None for h in ds["holder"]) else None
        proba = clf.predict_proba(ds["text"], targets=targets, holders=holders, progress=progress)
        out.append((name, split, np.asarray(proba), list(ds["label"])))
    return out


def calibrate(clf: Classifier, sources: Sequence[tuple[str, str]], *, progress: bool = False) -> dict[str, Any]:
    """Fit the temperature of ``clf`` on the pooled validation rows of registered corpora.

    Args:
        clf: the classifier (left unchanged).
        sources: ``(dataset, split)`` pairs, e.g. ``[("semeval2016", "validation")]``; never a test split.

    Returns:
        ``{"temperature_before", "temperature", "n", "sources", "ece_before", "ece_after", "nll_before",
        "nll_after"}``: the fitted absolute temperature and the expected calibration error and mean negative
        log-likelihood on those rows before and after it.

    Raises:
        ValueError: a test split, a corpus of another task, or no rows.
    """
    if not sources:
        raise ValueError("give at least one (dataset, split) to calibrate on")
    if getattr(clf, "experts", None) is not None:
        raise ValueError(
            "this model has n-gram experts, which carry their own temperature (fitted by `stancekit experts`); "
            "calibrate the network alone: load it with experts=False (--no-experts)"
        )
    if any(clf.spec.label_bias.values()):
        raise ValueError(
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


def apply_label_bias(proba: np.ndarray, bias: Sequence[float] | np.ndarray) -> np.ndarray:
    """Probabilities with ``bias`` added to their logits: ``p * exp(bias)``, renormalised per row."""
    log_p = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, None)) + np.asarray(bias, dtype=np.float64)
    log_p -= log_p.max(axis=1, keepdims=True)
    out = np.exp(log_p)
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def _headline_score(proba: np.ndarray, gold: Sequence[str], labels: tuple[str, ...], task: str, metric: str) -> float:
    from stancekit.evaluation import predict_restricted
    from stancekit.metrics import classification_scores

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
        raise ValueError("no validation rows to fit a label bias on")
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


def calibrate_bias(clf: Classifier, sources: Sequence[tuple[str, str]], *, progress: bool = False) -> dict[str, Any]:
    """Fit ``clf``'s label bias on the validation rows of registered corpora (the model's current bias ignored).

    Each corpus counts once, through its headline metric (:attr:`stancekit.data.DatasetInfo.headline`); the bias
    maximises their mean. Returns ``{"label_bias_before", "label_bias", "n", "sources", "metrics",
    "score_before", "score_after", "ece_before", "ece_after"}`` (``score_*``: per source, in order).

    Raises:
        ValueError: a test split, a corpus of another task, or no rows.
    """
    from stancekit.data import DATASETS

    if not sources:
        raise ValueError("give at least one (dataset, split) to fit the label bias on")
    saved = dict(clf.spec.label_bias)
    clf.spec.label_bias = {}
    try:
        scored = _validation_proba(clf, sources, progress=progress)
    finally:
        clf.spec.label_bias = saved
    for name, split, _, gold in scored:
        if not gold:
            raise ValueError(f"{name}:{split} has no rows")
    metrics = [DATASETS[name].headline for name, _, _, _ in scored]
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
