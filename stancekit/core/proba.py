"""Probability arithmetic shared by inference and fitting: temperature rescaling and label-bias offsets.

Both work on probabilities (their logarithms are the logits up to a per-row constant, which a softmax ignores),
in float64, and return float32 rows that sum to 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _softmax_rows(log_p: np.ndarray) -> np.ndarray:
    log_p = log_p - log_p.max(axis=1, keepdims=True)
    out = np.exp(log_p)
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def log_proba(proba: np.ndarray, upper: float | None = None) -> np.ndarray:
    """``log(p)`` in float64, with zeros clipped to 1e-12 (so a label with no probability stays finite) and, if
    given, values above ``upper`` clipped to it."""
    return np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, upper))


def rescale(proba: np.ndarray, factor: float) -> np.ndarray:
    """Probabilities as they would be at ``factor`` times their temperature."""
    return _softmax_rows(log_proba(proba) / factor)


def apply_label_bias(proba: np.ndarray, bias: Sequence[float] | np.ndarray) -> np.ndarray:
    """Probabilities with ``bias`` added to their logits: ``p * exp(bias)``, renormalised per row."""
    return _softmax_rows(log_proba(proba) + np.asarray(bias, dtype=np.float64))
