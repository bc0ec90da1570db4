"""From sentence evidence to a document verdict: how much each sentence counts, and what the document says.

A document's stance toward a target (for a holder) is read from its sentences. Each sentence counts with a
*relevance* weight (1 for a sentence that mentions the target, 0 for one that does not; or a graded relevance such
as the cosine of a sentence embedding to a claim) and, under the ``confidence`` rule, with the model's confidence
that it takes a side (``1 - p_none``), so that a few sentences that do take a side are not drowned by many that only
mention the target.

The summary rule (:func:`verdict`; the one rule every summary, text view and report shows). Over the relevant
sentences (relevance > 0), with each sentence's *label* (its most probable class):

- the **shares** are the fractions labelled favor and against;
- the **score** is the weighted mean of each sentence's lean *toward its own label*: ``p_favor - p_against`` for a
  sentence labelled favor (at least 0), the same for one labelled against (at most 0), and 0 for one labelled
  none (it still counts in the weights). So the score, the shares and the verdict read the same per-sentence
  decisions and cannot point different ways; the probabilities only say how strongly;
- the **stance**:

  ``not mentioned``  no relevant sentence (score None, no shares);
  ``none``           no relevant sentence is labelled favor or against (the score is then 0);
  ``favor``          some are labelled favor and none against (the score is then > 0), or favor sentences
                     outnumber against ones *and* the score is at least ``threshold``;
  ``against``        the mirror image;
  ``mixed``          both sides are present and neither of the above holds.

  Hence: ``favor`` always comes with share_favor > share_against and a score > 0 (``against`` mirrored), ``none``
  with both shares 0 and score 0, ``mixed`` with both shares > 0 (the property tests of
  ``tests/unit/test_summary_consistency.py`` check this over random tables).

:func:`document_score` without labels is the plain weighted mean of ``p_favor - p_against``: the evidence the
document benchmarks read (FNC-1, where a body's stance toward its headline is a document verdict, with graded
relevance and labels of its own).
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
    """A document's stance toward one target under the summary rule (module docstring).

    Attributes:
        stance: favor / against / mixed / none / not mentioned.
        score: in [-1, 1] (positive: favor); None only when no sentence is relevant.
        weight: the total weight of the evidence behind the score.
        mentions, favor, against: the relevant sentences, and how many of them are labelled favor and against.
    """

    stance: str
    score: float | None
    weight: float
    mentions: int = 0
    favor: int = 0
    against: int = 0

    @property
    def none(self) -> int:
        """Relevant sentences labelled neither favor nor against."""
        return self.mentions - self.favor - self.against

    @property
    def share_favor(self) -> float | None:
        return self.favor / self.mentions if self.mentions else None

    @property
    def share_against(self) -> float | None:
        return self.against / self.mentions if self.mentions else None


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


def sentence_leans(
    p_favor: np.ndarray, p_against: np.ndarray, labels: np.ndarray | list[str] | None = None
) -> np.ndarray:
    """Each sentence's ``p_favor - p_against``; with ``labels``, only toward its own label (>= 0 for favor,
    <= 0 for against, 0 for anything else), as the summary rule reads it."""
    margin = np.asarray(p_favor, dtype=np.float64) - np.asarray(p_against, dtype=np.float64)
    if labels is None:
        return margin
    lab = np.asarray(labels, dtype=object)
    return np.where(lab == "favor", np.maximum(margin, 0.0), np.where(lab == "against", np.minimum(margin, 0.0), 0.0))


def document_score(
    p_favor: np.ndarray,
    p_against: np.ndarray,
    p_none: np.ndarray,
    relevance: np.ndarray,
    rule: Rule = DEFAULT_RULE,
    labels: np.ndarray | list[str] | None = None,
) -> tuple[float | None, float]:
    """The weighted mean of the sentences' leans (:func:`sentence_leans`) and the total weight (score None at 0)."""
    w = sentence_weights(p_none, relevance, rule)
    total = float(w.sum())
    if total <= 0:
        return None, 0.0
    return float((w * sentence_leans(p_favor, p_against, labels)).sum() / total), total


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
    """The document's stance from its sentences under the summary rule (see the module docstring).

    Args:
        p_favor, p_against, p_none: each sentence's probabilities, shape ``(n,)``.
        relevance: each sentence's relevance weight (> 0: the sentence counts).
        labels: each sentence's predicted label.
        rule: ``"confidence"`` (weights times ``1 - p_none``) or ``"mean"``.
        threshold: how far the score must lean for a side to win when both sides are present.
    """
    if not threshold >= 0:
        raise ConfigError(f"the verdict threshold must be >= 0, got {threshold!r}")
    relevance = np.asarray(relevance, dtype=np.float64)
    relevant = relevance > 0
    if not relevant.any():
        return Verdict("not mentioned", None, 0.0)
    score, weight = document_score(p_favor, p_against, p_none, relevance, rule, labels)
    score = 0.0 if score is None else score  # relevant sentences, none with any confidence: no lean
    sided = np.asarray(labels, dtype=object)[relevant]
    favor, against = int((sided == "favor").sum()), int((sided == "against").sum())
    counts = {"mentions": int(relevant.sum()), "favor": favor, "against": against}
    if favor and (not against or (favor > against and score >= threshold)):
        stance = "favor"
    elif against and (not favor or (against > favor and score <= -threshold)):
        stance = "against"
    else:
        stance = "mixed" if favor and against else "none"
    return Verdict(stance, score, weight, **counts)
