"""The shipped holder-aware model (models/directed-minilm): hand-written sentences whose holder changes the
answer, the seed article's report, and the floors on the directed-sentiment and NewsMTSC test splits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import stancekit
from stancekit.fitting.documents import evaluate_fnc
from stancekit.fitting.evaluation import evaluate_classifier, evaluate_probes
from tests.conftest import REPO, requires_data, shipped

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (shipped("directed-minilm") / "config.json").is_file(), reason="models/directed-minilm not present"
    ),
]

FNC_FLOOR = 0.56  # measured 58.7 (learned aggregator), 58.2 (rule); benchmarks/documents.py

# (sentence, target, the holder whose stance the sentence states, its label, a holder it says nothing about).
# Written before the model was trained; see the two tests below for what was measured on them.
CASES = [
    (
        "Russia is displeased with the West's diplomatic efforts in the Caucasus.",
        "the West",
        "Russia",
        "against",
        "Armenia",
    ),
    (
        "Armenia thanked the European Union for its help in the peace talks.",
        "the European Union",
        "Armenia",
        "favor",
        "Russia",
    ),
    ("Azerbaijan accused Armenia of violating the ceasefire.", "Armenia", "Azerbaijan", "against", "Russia"),
    ("Pashinyan criticized Moscow for failing to defend Armenia.", "Moscow", "Pashinyan", "against", "Washington"),
    (
        "The White House praised Japan for its firm support of the sanctions.",
        "Japan",
        "The White House",
        "favor",
        "China",
    ),
    ("Putin condemned NATO's expansion toward Russia's borders.", "NATO", "Putin", "against", "France"),
    ("Sanders endorsed Biden and urged his supporters to vote for him.", "Biden", "Sanders", "favor", "Trump"),
    (
        "Trump attacked the Federal Reserve for raising interest rates again.",
        "the Federal Reserve",
        "Trump",
        "against",
        "Merkel",
    ),
]


@pytest.fixture(scope="module")
def directed() -> stancekit.Classifier:
    return stancekit.load("directed")


def test_folder_is_small_safe_and_holder_aware() -> None:
    folder = shipped("directed-minilm")
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 25 * 1024 * 1024
    assert not [p for p in folder.rglob("*") if p.suffix in {".bin", ".pkl", ".pickle", ".pt", ".joblib"}]
    config = json.loads((folder / "config.json").read_text())
    assert config["stancekit"]["uses_holder"] is True and config["stancekit"]["weights"] == "delta"
    assert config["stancekit"]["entity_markers"] is True
    card = (folder / "README.md").read_text()
    assert "what the holder is worth" in card
    assert "stancekit train recipes/directed-minilm/03-news-semantics.yaml" in card


def test_the_stated_holders_stance_is_read(directed: stancekit.Classifier) -> None:
    texts = [c[0] for c in CASES]
    stated = directed.predict(texts, targets=[c[1] for c in CASES], holders=[c[2] for c in CASES])
    right = sum(p == c[3] for p, c in zip(stated, CASES))
    assert right >= 7, list(zip(texts, stated))  # measured: 8 of 8


def test_a_third_party_holder_gets_none(directed: stancekit.Classifier) -> None:
    texts = [c[0] for c in CASES]
    other = directed.predict(texts, targets=[c[1] for c in CASES], holders=[c[4] for c in CASES])
    # Measured: 3 of 8 without absent-holder rows, 7 of 8 with them (the model before the news issue), and 3 of 8
    # again for the entity-marker model of recipes/directed-minilm/ (absent-holder rows only in its last, short
    # stage): a known regression, reported in its card and in the third_party probes (50%). This floor keeps it
    # from getting worse; raising it back is work left for the next training run.
    assert sum(p == "none" for p in other) >= 3, list(zip(texts, other))


def test_analyze_defaults_to_the_directed_model_with_a_holder() -> None:
    doc = (REPO / "seeds" / "armenia-csto-news.txt").read_text(encoding="utf-8")
    table = stancekit.analyze(doc, {"Russia": ["Moscow", "Kremlin"]}, holder="Armenia", sentiment=None)
    assert (table["holder"] == "Armenia").all() and len(table) == table["sentence_index"].nunique()
    summary = stancekit.summarize(table)
    assert summary.loc[0, "mentions"] >= 5


def test_seed_report_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "stancekit",
            "analyze",
            "seeds/armenia-csto-news.txt",
            "--aliases",
            "seeds/armenia-csto-targets.yaml",
            "--holder",
            "Armenia",
            "--report",
            str(tmp_path / "r.html"),
            "--png",
            str(tmp_path / "r.png"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    assert "Summary: stance of Armenia toward each target" in out
    assert (tmp_path / "r.html").stat().st_size > 10_000 and (tmp_path / "r.png").stat().st_size > 1_000


def test_the_news_probes_floor(directed: stancekit.Classifier) -> None:
    """The hand-written probes (tests/fixtures/news_probes.jsonl, written before training, never tuned on)."""
    result = evaluate_probes(directed, REPO / "tests" / "fixtures" / "news_probes.jsonl")
    # Measured 78.9% (64.9% for the model before the entity markers); the target, 90%, is not reached.
    assert result["accuracy"] >= 0.75, result["categories"]
    assert result["categories"]["leader_capital"]["accuracy"] >= 0.85  # measured 93% (33% before): holder aliases


@requires_data
def test_directed_news_floor_and_holder_gain(directed: stancekit.Classifier) -> None:
    result = evaluate_classifier(directed, "directed-news", "test")
    aware, blind = result["metrics"]["macro_f1"], result["holder_blind"]["metrics"]["macro_f1"]
    # Measured at training (model card: 66.5 holder-aware, 42.3 holder-blind, 5-class 55.9, mAP 58.0); floors a
    # little under, so that a regression is caught.
    assert aware >= 0.64, result["metrics"]
    assert aware - blind >= 0.15, (aware, blind)
    assert result["five_class"]["macro_f1"] >= 0.53, result["five_class"]
    assert result["five_class"]["accuracy"] >= 0.65, result["five_class"]  # = micro-F1; measured 67.7
    assert result["ece"] < 0.07, result["ece"]  # measured 5.6% (holder-blind: 26.4%)


@requires_data
@pytest.mark.parametrize(("split", "floor"), [("test_mt", 0.65), ("test_rw", 0.72)])
def test_newsmtsc_floor(directed: stancekit.Classifier, split: str, floor: float) -> None:
    result = evaluate_classifier(directed, "newsmtsc", split)
    assert result["metrics"]["macro_f1"] >= floor, result["metrics"]  # measured 67.4 (test_mt), 74.3 (test_rw)


@requires_data
@pytest.mark.parametrize(
    ("name", "split", "metric", "floor"),
    [
        ("semeval2016", "test_b", "f_avg", 0.49),  # Trump (seen in P-Stance by the init): measured 51.6
        ("vast", "test", "macro_f1", 0.66),  # measured 68.3
        ("semeval2016", "test", "f_avg", 0.67),  # measured 69.1
        ("sentfin", "test", "macro_f1", 0.73),  # measured 75.2
        ("perspectrum", "test", "accuracy", 0.58),  # measured 60.3
        ("ukp-sentential", "test", "macro_f1", 0.43),  # no UKP topic in training: measured 45.3
    ],
)
def test_target_general_floors(
    directed: stancekit.Classifier, name: str, split: str, metric: str, floor: float
) -> None:
    result = evaluate_classifier(directed, name, split)
    assert result["metrics"][metric] >= floor, result["metrics"]


@requires_data
@pytest.mark.accuracy
def test_fnc1_document_verdict_floor(directed: stancekit.Classifier) -> None:
    """FNC-1 competition test, bodies read sentence by sentence (about 10 minutes on 2 cores: `make test-accuracy`)."""
    result = evaluate_fnc(directed, "fnc1")
    assert result["sentences_scored"] > 0.2 * result["sentences_total"]
    assert result["learned"]["test"]["macro_f1"] >= FNC_FLOOR, result["learned"]["test"]
