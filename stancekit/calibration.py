"""Calibrated probabilities: expected calibration error, and temperature scaling fitted on validation data.

Temperature scaling (Guo et al. 2017) divides a model's logits by one number T before the softmax: labels never
change (the arg-max is the same), only how confident the probabilities are. T is fitted by minimising the
negative log-likelihood on validation rows, stored in the model's config (``stancekit.temperature``) and applied
by the inference core, so every entry point returns the calibrated probabilities.
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
    from stancekit.data import DATASETS, load_dataset

    if not sources:
        raise ValueError("give at least one (dataset, split) to calibrate on")
    if getattr(clf, "experts", None) is not None:
        raise ValueError(
            "this model has n-gram experts, which carry their own temperature (fitted by `stancekit experts`); "
            "calibrate the network alone: load it with experts=False (--no-experts)"
        )
    probas, golds = [], []
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
        probas.append(clf.predict_proba(ds["text"], targets=targets, holders=holders, progress=progress))
        golds += [clf.labels.index(y) for y in ds["label"]]
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
