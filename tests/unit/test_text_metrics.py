from __future__ import annotations

import pytest

from stancekit.core.metrics import classification_scores, f_avg, grouped_scores
from stancekit.core.text import split_sentences


def test_split_sentences_keeps_abbreviations_and_quotes() -> None:
    doc = (
        "Pashinyan said on Monday that Armenia might leave the CSTO. The U.S. and the E.U. have worked to mend "
        "relations. “I am not ruling it out,” he said.\n\nA new paragraph without a full stop"
    )
    assert split_sentences(doc) == [
        "Pashinyan said on Monday that Armenia might leave the CSTO.",
        "The U.S. and the E.U. have worked to mend relations.",
        "“I am not ruling it out,” he said.",
        "A new paragraph without a full stop",
    ]


def test_split_sentences_edge_cases() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n\n ") == []
    assert split_sentences("no punctuation at all") == ["no punctuation at all"]
    with pytest.raises(TypeError):
        split_sentences(None)  # type: ignore[arg-type]


def test_f_avg_is_mean_of_favor_and_against_f1() -> None:
    gold = ["favor", "favor", "against", "against", "none", "none"]
    pred = ["favor", "none", "against", "favor", "none", "none"]
    # favor: P=1/2, R=1/2 -> F1=0.5; against: P=1, R=1/2 -> F1=2/3
    assert f_avg(gold, pred) == pytest.approx((0.5 + 2 / 3) / 2)
    scores = classification_scores(gold, pred, "stance")
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert set(scores) == {"accuracy", "macro_f1", "f_avg"}


def test_sentiment_scores_and_groups() -> None:
    gold = ["negative", "neutral", "positive", "positive"]
    pred = ["negative", "positive", "positive", "neutral"]
    scores = classification_scores(gold, pred, "sentiment")
    assert scores["macro_recall"] == pytest.approx((1 + 0 + 0.5) / 3)
    groups = grouped_scores(gold, pred, ["a", "a", "b", "b"], "sentiment")
    assert groups["a"]["n"] == 2 and groups["b"]["accuracy"] == 0.5
