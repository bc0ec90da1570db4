"""Losses of the trainer: cross-entropy over each row's allowed labels, and the distillation term."""

from __future__ import annotations

import torch


def _masked(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``logits`` in float32 with the labels outside ``mask`` (0 = not allowed) pushed to -1e4 (no probability)."""
    logits = logits.float()
    return logits if mask is None else logits.masked_fill(mask == 0, -1e4)


def masked_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor | None, reduction: str = "mean"
) -> torch.Tensor:
    """Cross-entropy over each row's allowed labels only (``mask`` 1 = allowed): the others get no probability."""
    return torch.nn.functional.cross_entropy(_masked(logits, mask), labels, reduction=reduction)


def distillation_loss(
    logits: torch.Tensor, teacher_logp: torch.Tensor, temperature: float, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Per-row ``T^2 * KL(teacher_T || student_T)``: both distributions softened by the temperature ``T``.

    ``teacher_logp`` are the teacher's log-probabilities (or logits: a constant shift per row changes nothing).
    Labels outside ``mask`` (0 = not allowed) get no probability on either side. The ``T^2`` factor keeps the
    gradient scale of the soft term independent of ``T``.
    """
    student, teacher = _masked(logits, mask), _masked(teacher_logp, mask)
    log_s = torch.log_softmax(student / temperature, dim=-1)
    log_t = torch.log_softmax(teacher / temperature, dim=-1)
    return temperature**2 * (log_t.exp() * (log_t - log_s)).sum(dim=-1)
