"""From sentence evidence to a document verdict: how much each sentence counts, and what the document says.

A document's stance toward a target (for a holder) is read from its sentences' probabilities. Each sentence counts
with a *relevance* weight (1 for a sentence that mentions the target, 0 for one that does not; or a graded
relevance such as the cosine of a sentence embedding to a claim) and, under the ``confidence`` rule, with the
model's confidence that it takes a side (``1 - p_none``), so that a few sentences that do take a side are not drowned
by many that only mention the target. The same arithmetic serves :func:`stancekit.analysis.summarize` and the
document benchmarks (FNC-1, where a body's stance toward its headline is a document verdict).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from stancekit.core.errors import ConfigError

Rule = Literal["mean", "confidence"]
RULES: tuple[str, ...] = ("mean", "confidence")
DEFAULT_RULE: Rule = "confidence"
DEFAULT_THRESHOLD = 0.1


@dataclass(frozen=True)
class Verdict:
    """A document's stance toward one target: ``stance`` (favor / against / mixed / none / not mentioned),
    ``score`` in [-1, 1] (positive: favor; None when nothing counts) and ``weight``, the evidence behind it."""

    stance: str
    score: float | None
    weight: float


def sentence_weights(p_none: np.ndarray, relevance: np.ndarray, rule: Rule = DEFAULT_RULE) -> np.ndarray:
    """How much each sentence counts: its relevance, times ``1 - p_none`` under the ``confidence`` rule."""
    if rule not in RULES:
        raise ConfigError(f"unknown aggregation rule {rule!r}; known: {', '.join(RULES)}")
    relevance = np.asarray(relevance, dtype=np.float64)
    if (relevance < 0).any():
        raise ConfigError("relevance weights must be >= 0")
    if rule == "mean":
        return relevance
    return relevance * np.clip(1.0 - np.asarray(p_none, dtype=np.float64), 0.0, 1.0)


def document_score(
    p_favor: np.ndarray, p_against: np.ndarray, p_none: np.ndarray, relevance: np.ndarray, rule: Rule = DEFAULT_RULE
) -> tuple[float | None, float]:
    """The weighted mean of ``p_favor - p_against`` over the sentences, and the total weight (score None at 0)."""
    w = sentence_weights(p_none, relevance, rule)
    total = float(w.sum())
    if total <= 0:
        return None, 0.0
    margin = np.asarray(p_favor, dtype=np.float64) - np.asarray(p_against, dtype=np.float64)
    return float((w * margin).sum() / total), total


def verdict(
    p_favor: np.ndarray,
    p_against: np.ndarray,
    p_none: np.ndarray,
    relevance: np.ndarray,
    labels: np.ndarray | list[str],
    *,
    rule: Rule = DEFAULT_RULE,
    threshold: float = DEFAULT_THRESHOLD,
) -> Verdict:
    """The document's stance from its sentences (``labels``: each sentence's predicted label).

    ``favor`` / ``against`` when the score leans that way by at least ``threshold`` and at least one relevant
    sentence is labelled so; ``mixed`` when relevant sentences take both sides but the score does not lean;
    ``none`` when none takes a side; ``not mentioned`` when no sentence is relevant.
    """
    relevance = np.asarray(relevance, dtype=np.float64)
    if not (relevance > 0).any():
        return Verdict("not mentioned", None, 0.0)
    score, weight = document_score(p_favor, p_against, p_none, relevance, rule)
    sided = np.asarray(labels, dtype=object)[relevance > 0]
    favor, against = int((sided == "favor").sum()), int((sided == "against").sum())
    if score is not None and score >= threshold and favor:
        return Verdict("favor", score, weight)
    if score is not None and score <= -threshold and against:
        return Verdict("against", score, weight)
    return Verdict("mixed" if favor and against else "none", score, weight)
