"""The head: from the network's logits to the probabilities a user gets, in one ordered function.

1. temperature: the logits are divided by the model's temperature (labels never change);
2. n-gram experts: for rows whose target an expert covers, the network's probabilities (at temperature 1) are
   fused with the expert's scores at the experts' own temperature (:meth:`NgramExperts.fuse`);
3. label bias: per-label offsets on the (scaled) logits, ``p ~ p * exp(bias)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from stancekit.core.proba import apply_label_bias
from stancekit.model.experts import NgramExperts
from stancekit.model.spec import ModelSpec


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` per row, in float32."""
    return torch.softmax(torch.from_numpy(logits).float() / temperature, dim=-1).numpy()


def head_proba(
    logits: np.ndarray,
    spec: ModelSpec,
    experts: NgramExperts | None = None,
    texts: Sequence[str] = (),
    targets: Sequence[object] = (),
    expert_scores: np.ndarray | None = None,
) -> np.ndarray:
    """Probabilities ``(n, n_labels)`` from logits: temperature, then the experts (if given), then the label bias.

    Args:
        logits: the network's ``(n, n_labels)`` float32 logits.
        spec: the model's temperature and label bias.
        experts: n-gram experts to fuse (stance models without holders), or None.
        texts, targets: the rows' texts and targets, needed only with ``experts``.
        expert_scores: the experts' scores of these rows (:meth:`NgramExperts.scores`) when already computed.
    """
    if experts is None:
        proba = softmax(logits, spec.temperature)
    else:
        proba = experts.fuse(
            softmax(logits), texts, targets, network_temperature=spec.temperature, scores=expert_scores
        )
    if any(spec.label_bias.values()):
        proba = apply_label_bias(proba, np.asarray(spec.bias_vector()))
    return proba
