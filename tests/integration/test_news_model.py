"""The shipped document model (models/news-mpnet: holder-aware stance on all-mpnet-base-v2, stored as LoRA factors
over the backbone that `make backbones` sets up): a small, safe folder; the default of `analyze`; the floors on the
news and target-general test splits and on the hand-written probes, each a little under what was measured when the
test splits were scored once (its card, `metrics.json`), so that a regression cannot land."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import stancekit
from stancekit.fitting.documents import evaluate_fnc
from stancekit.fitting.evaluation import evaluate_classifier, evaluate_probes
from stancekit.model.backbones import backbones_dir
from stancekit.model.folder import document_model
from tests.conftest import REPO, requires_data, shipped

FOLDER = shipped("news-mpnet")
BACKBONE_READY = (backbones_dir() / "all-mpnet-base-v2" / "config.json").is_file()

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (FOLDER / "config.json").is_file(), reason="models/news-mpnet not present"),
]
needs_backbone = pytest.mark.skipif(
    not BACKBONE_READY, reason=f"the all-mpnet-base-v2 backbone is not set up in {backbones_dir()}: make backbones"
)


@pytest.fixture(scope="module")
def news() -> stancekit.Classifier:
    if not BACKBONE_READY:
        pytest.skip(f"the all-mpnet-base-v2 backbone is not set up in {backbones_dir()}: make backbones")
    return stancekit.load("news")


def test_folder_is_small_safe_and_a_low_rank_delta_over_mpnet() -> None:
    files = [p for p in FOLDER.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 25 * 1024 * 1024
    assert not [p for p in files if p.suffix in {".bin", ".pkl", ".pickle", ".pt", ".pth", ".joblib", ".ckpt"}]
    config = json.loads((FOLDER / "config.json").read_text())["stancekit"]
    assert config["backbone"] == "mpnet-base" and config["weights"] == "delta"
    assert config["uses_holder"] is True and config["entity_markers"] is True
    card = (FOLDER / "README.md").read_text()
    assert "stancekit train recipes/news-mpnet/01-document.yaml" in card
    metrics = json.loads((FOLDER / "metrics.json").read_text())
    assert {"directed-news:test", "newsmtsc:test_mt", "newsmtsc:test_rw", "vast:test"} <= set(metrics["test"])
    assert not (FOLDER / "run.json").exists()  # removed once the run was finished


@needs_backbone
def test_analyze_defaults_to_the_news_model_with_and_without_a_holder() -> None:
    assert document_model(holder=True) == "news" and document_model(holder=False) == "news"
    doc = (REPO / "seeds" / "armenia-csto-news.txt").read_text(encoding="utf-8")
    table = stancekit.analyze(doc, {"CSTO": ["Collective Security Treaty Organisation"]}, holder="Armenia",
                              sentiment=None)  # fmt: skip
    assert (table["holder"] == "Armenia").all() and len(table) == table["sentence_index"].nunique()


def test_without_the_backbone_analyze_falls_back_to_minilm_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STANCEKIT_BACKBONES", str(tmp_path))  # an empty backbones folder
    with caplog.at_level(logging.WARNING, logger="stancekit.model.folder"):
        assert document_model(holder=True) == "directed"
        assert document_model(holder=False) == "stance"
    assert "make backbones" in caplog.text and "news" in caplog.text


def test_the_readme_examples(news: stancekit.Classifier) -> None:
    assert news.predict("Armenia might leave the CSTO, Pashinyan said.", targets="CSTO") == "against"
    armenia = stancekit.Target("Armenia", ["Pashinyan", "Yerevan"])
    assert news.predict("Pashinyan praised Russia for its support.", targets="Russia", holders=armenia) == "favor"


def test_the_news_probes_floor(news: stancekit.Classifier) -> None:
    """The hand-written probes (tests/fixtures/news_probes.jsonl, written before training, never tuned on)."""
    result = evaluate_probes(news, REPO / "tests" / "fixtures" / "news_probes.jsonl")
    # Measured 90.4% (float32), every category >= 77% (help_refused 77, hedge_negation 79): the 90% / 75%.
    assert result["accuracy"] >= 0.88, result["categories"]
    assert min(c["accuracy"] for c in result["categories"].values()) >= 0.70, result["categories"]


@requires_data
def test_directed_news_floors(news: stancekit.Classifier) -> None:
    result = evaluate_classifier(news, "directed-news", "test")
    # Measured (card): 3-class holder-aware 71.0, holder-blind 44.5; 5-class macro-F1 58.6, micro-F1 72.1, mAP 67.5.
    assert result["metrics"]["macro_f1"] >= 0.69, result["metrics"]
    assert result["metrics"]["macro_f1"] - result["holder_blind"]["metrics"]["macro_f1"] >= 0.2
    assert result["five_class"]["macro_f1"] >= 0.565, result["five_class"]
    assert result["five_class"]["accuracy"] >= 0.70, result["five_class"]
    assert result["five_class"]["mean_average_precision"] >= 0.65, result["five_class"]


@requires_data
@pytest.mark.parametrize(
    ("name", "split", "metric", "floor"),
    [
        ("newsmtsc", "test_mt", "macro_f1", 0.80),  # measured 81.0; the target 80
        ("newsmtsc", "test_rw", "macro_f1", 0.80),  # measured 82.2
        # Task B (Trump): no tweet about him in training, but he is a target of news rows (directed-news, NewsMTSC,
        # SEN), so not zero-shot: measured 61.9 (the target 56.3)
        ("semeval2016", "test_b", "f_avg", 0.59),
        ("vast", "test", "macro_f1", 0.72),  # measured 73.5; the target 72
        ("semeval2016", "test", "f_avg", 0.69),  # measured 71.3; the tweet floor 69
        ("perspectrum", "test", "accuracy", 0.74),  # measured 76.6
    ],
)
def test_target_general_floors(news: stancekit.Classifier, name: str, split: str, metric: str, floor: float) -> None:
    result = evaluate_classifier(news, name, split)
    assert result["metrics"][metric] >= floor, result["metrics"]


@requires_data
@pytest.mark.accuracy
def test_fnc1_document_verdict_floor(news: stancekit.Classifier) -> None:
    """FNC-1 competition test, bodies read sentence by sentence (`make test-accuracy`)."""
    result = evaluate_fnc(news, "fnc1")
    assert result["sentences_scored"] > 0.2 * result["sentences_total"]
    assert result["learned"]["test"]["macro_f1"] >= 0.56, result["learned"]["test"]
