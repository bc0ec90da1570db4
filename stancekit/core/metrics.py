"""Scores used across stancekit, all computed with scikit-learn.

- ``f_avg``: SemEval-2016's metric, the mean of the F1 of ``favor`` and of ``against`` (``none`` is scored only
  through its effect on those two), pooled over all rows.
- ``macro_f1``, ``macro_recall``, ``accuracy``: the usual definitions over the labels present in the gold data;
- ``expected_calibration_error``: how far confidence is from accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score


def f_avg(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Mean F1 of ``favor`` and ``against`` (SemEval-2016 Task 6 F_avg), in [0, 1]."""
    return float(f1_score(gold, pred, labels=["favor", "against"], average="macro", zero_division=0))


def classification_scores(gold: Sequence[str], pred: Sequence[str], task: str) -> dict[str, float]:
    """Accuracy and macro-F1, plus ``f_avg`` for stance or ``macro_recall`` for sentiment.

    Macro scores average over the labels present in ``gold`` (so a binary test set such as P-Stance or SST-2 is
    scored over its two labels, even when the model can also answer ``none``/``neutral``).
    """
    labels = sorted(set(gold))
    out = {
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
    }
    if task == "stance":
        out["f_avg"] = f_avg(gold, pred)
    else:
        out["macro_recall"] = float(recall_score(gold, pred, labels=labels, average="macro", zero_division=0))
    return out


def grouped_scores(
    gold: Sequence[str], pred: Sequence[str], groups: Sequence[str | None], task: str
) -> dict[str, dict[str, float]]:
    """:func:`classification_scores` per group (target, or VAST's zero-/few-shot halves)."""
    g = np.asarray([x if x is not None else "" for x in groups])
    gold_a, pred_a = np.asarray(gold), np.asarray(pred)
    return {
        str(name): classification_scores(list(gold_a[g == name]), list(pred_a[g == name]), task)
        | {"n": int((g == name).sum())}
        for name in sorted(set(g.tolist()))
    }


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Confusion matrix (rows gold, columns predicted) as nested lists, in ``labels`` order."""
    return confusion_matrix(gold, pred, labels=list(labels)).tolist()


def predict_restricted(proba: np.ndarray, labels: Sequence[str], allowed: set[str]) -> list[str]:
    """Argmax over the labels a dataset uses (binary sets such as P-Stance and SST-2 have no none/neutral)."""
    labels = tuple(labels)
    cols = [i for i, name in enumerate(labels) if name in allowed]
    if not cols:
        raise ValueError(f"the dataset's labels {sorted(allowed)} share nothing with the model's {list(labels)}")
    sub = proba[:, cols]
    return [labels[cols[j]] for j in sub.argmax(axis=1)]


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
