"""Document verdicts: the aggregation arithmetic, the FNC-1 score, and the FNC-1 evaluation end to end on a fixture
corpus (a tiny stance model; the real MiniLM-L6 backbone embeds the sentences)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from stancekit.core.aggregate import document_score, sentence_weights, verdict
from stancekit.core.errors import ConfigError
from stancekit.data.corpora import _stable_fraction, read_fnc
from stancekit.fitting.documents import evaluate_fnc, fnc_metrics, fnc_score
from stancekit.model.classifier import Classifier


def test_sentence_weights_and_score() -> None:
    pf, pa, pn = np.array([0.8, 0.1, 0.0]), np.array([0.1, 0.7, 0.0]), np.array([0.1, 0.2, 1.0])
    rel = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(sentence_weights(pn, rel, "mean"), [1, 1, 1])
    np.testing.assert_allclose(sentence_weights(pn, rel, "confidence"), [0.9, 0.8, 0.0])
    score, weight = document_score(pf, pa, pn, rel, "confidence")
    assert weight == pytest.approx(1.7) and score == pytest.approx((0.9 * 0.7 + 0.8 * -0.6) / 1.7)
    score, weight = document_score(pf, pa, pn, rel, "mean")
    assert weight == 3 and score == pytest.approx((0.7 - 0.6 + 0) / 3)
    graded = np.array([0.5, 0.0, 0.0])  # relevance weights need not be 0/1
    assert document_score(pf, pa, pn, graded, "mean")[0] == pytest.approx(0.7)
    assert document_score(pf, pa, pn, np.zeros(3))[0] is None
    with pytest.raises(ConfigError, match=">= 0"):
        sentence_weights(pn, -rel)
    with pytest.raises(ConfigError, match="unknown aggregation rule"):
        sentence_weights(pn, rel, "vote")  # type: ignore[arg-type]


def test_verdict_rules() -> None:
    pf, pa, pn = np.array([0.8, 0.1]), np.array([0.1, 0.7]), np.array([0.1, 0.2])
    assert verdict(pf, pa, pn, np.array([1.0, 0.0]), ["favor", "against"]).stance == "favor"
    both = verdict(pf, pa, pn, np.array([1.0, 1.0]), ["favor", "against"])
    assert both.stance == "mixed" and abs(both.score or 0) < 0.1
    assert verdict(pf, pa, pn, np.zeros(2), ["favor", "against"]).stance == "not mentioned"
    # a leaning score is not enough: some relevant sentence must carry that label
    assert verdict(pf, pa, pn, np.array([1.0, 0.0]), ["none", "against"]).stance == "none"


def test_fnc_score_matches_the_official_scorer() -> None:
    gold = ["agree", "disagree", "discuss", "unrelated", "agree", "unrelated"]
    pred = ["agree", "discuss", "discuss", "unrelated", "unrelated", "agree"]
    # agree right 1.0; disagree->discuss 0.25 (related right); discuss right 1.0; unrelated right 0.25;
    # agree->unrelated 0; unrelated->agree 0
    got = fnc_score(gold, pred)
    assert got["score"] == pytest.approx(2.5) and got["max"] == pytest.approx(4 * 1.0 + 2 * 0.25)
    assert got["relative"] == pytest.approx(2.5 / 4.5)
    m = fnc_metrics(gold, pred)
    assert m["n"] == 6 and m["f1"]["discuss"] == pytest.approx(2 / 3) and sum(map(sum, m["confusion"])) == 6


def _fixture_corpus(root: Path) -> None:
    folder = root / "fnc1"
    folder.mkdir(parents=True)
    val_ids = [i for i in range(400) if _stable_fraction(str(i)) < 0.1][:4]
    train_ids = [i for i in range(400) if _stable_fraction(str(i)) >= 0.1][:16]
    topics = ["the mayor resigned", "a shark ate a boat", "the bridge collapsed", "the vaccine works"]
    bodies, stances = [], []

    def add(ids: list[int], out_bodies: list, out_stances: list) -> None:
        for k, body_id in enumerate(ids):
            topic = topics[k % 4]
            text = f"Reports say {topic}. Officials confirmed that {topic}. Others doubt that {topic}."
            out_bodies.append({"Body ID": body_id, "articleBody": text})
            out_stances += [
                {"Headline": topic.capitalize(), "Body ID": body_id, "Stance": ("agree", "disagree", "discuss")[k % 3]},
                {"Headline": "Cats can fly to the moon", "Body ID": body_id, "Stance": "unrelated"},
            ]

    add(train_ids + val_ids, bodies, stances)
    test_bodies: list = []
    test_stances: list = []
    add(list(range(1000, 1006)), test_bodies, test_stances)
    for name, rows, fields in (
        ("train_bodies.csv", bodies, ["Body ID", "articleBody"]),
        ("train_stances.csv", stances, ["Headline", "Body ID", "Stance"]),
        ("competition_test_bodies.csv", test_bodies, ["Body ID", "articleBody"]),
        ("competition_test_stances.csv", test_stances, ["Headline", "Body ID", "Stance"]),
    ):
        with (folder / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)


def test_evaluate_fnc_on_a_fixture_corpus(tmp_path: Path, tiny_stance: Classifier) -> None:
    _fixture_corpus(tmp_path)
    assert {p.stance for p in read_fnc(tmp_path, "fnc1", "validation")} == {"agree", "disagree", "discuss", "unrelated"}
    res = evaluate_fnc(tiny_stance, "fnc1", data_dir=str(tmp_path), train_per_class=50)
    assert res["pairs"] == 12 and res["bodies"] == 6
    # every sentence is read for relevance; the related-looking bodies' sentences all for stance (3 each)
    assert res["sentences_total"] == 12 * 3 and 0 < res["sentences_scored"] <= res["sentences_total"]
    assert res["sentences_scored"] % 3 == 0
    for kind in ("rule", "learned"):
        m = res[kind]["test"]
        assert m["n"] == 12 and 0 <= m["macro_f1"] <= 1 and 0 <= m["fnc_score"]["relative"] <= 1
    # the headline about flying cats is unrelated to every body: the relevance step must see that
    assert res["learned"]["test"]["f1"]["unrelated"] == pytest.approx(1.0)
