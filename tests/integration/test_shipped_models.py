"""The shipped models: offline loading, the seed article, and the accuracy floors on held-out test splits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import stancekit
from stancekit.fitting.evaluation import evaluate_classifier
from tests.conftest import REPO, requires_data, requires_models, shipped

pytestmark = [pytest.mark.integration, requires_models]


@pytest.fixture(scope="module")
def stance() -> stancekit.Classifier:
    # float32, as benchmarks/accuracy.py measures the recorded figures: the floors hold on every CPU
    return stancekit.load("stance", dtype="float32")


@pytest.fixture(scope="module")
def sentiment() -> stancekit.Classifier:
    return stancekit.load("sentiment", dtype="float32")


@pytest.mark.parametrize("name", ["stance-minilm", "sentiment-minilm"])
def test_model_folder_is_small_safe_and_documented(name: str) -> None:
    folder = shipped(name)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 25 * 1024 * 1024
    assert not [p for p in folder.rglob("*") if p.suffix in {".bin", ".pkl", ".pickle", ".pt", ".joblib"}]
    config = json.loads((folder / "config.json").read_text())
    assert config["stancekit"]["weights"] == "delta" and config["stancekit"]["backbone"] == "minilm-l6"
    for needed in ("delta.safetensors", "README.md", "metrics.json", "training_config.yaml", "RECIPE.md"):
        assert (folder / needed).is_file(), needed
    card = (folder / "README.md").read_text()
    assert f"recipes/{name}/" in card and "## Test scores" in card


def test_loads_and_predicts_without_network(tmp_path: Path) -> None:
    """A fresh interpreter with the hub switched off and an empty HF cache."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    code = (
        "import stancekit; "
        "print(stancekit.load('stance').predict('Armenia might leave the CSTO, Pashinyan said.', targets='CSTO'))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip().splitlines()[-1] in {"against", "favor", "none"}


def test_labels(stance: stancekit.Classifier, sentiment: stancekit.Classifier) -> None:
    assert stance.labels == ("against", "favor", "none")
    assert sentiment.labels == ("negative", "neutral", "positive")


def test_clear_cases(stance: stancekit.Classifier, sentiment: stancekit.Classifier) -> None:
    assert sentiment.predict("I absolutely love this, what a wonderful day!") == "positive"
    assert sentiment.predict("This is the worst service I have ever had, terrible and rude.") == "negative"
    assert (
        stance.predict("Hillary is a liar and a criminal, she must never be president.", targets="Hillary Clinton")
        == "against"
    )
    assert (
        stance.predict("So proud to support Bernie, he will fight for us all! #FeelTheBern", targets="Bernie Sanders")
        == "favor"
    )


def test_analyze_seed_article(stance: stancekit.Classifier, sentiment: stancekit.Classifier) -> None:
    doc = (REPO / "seeds" / "armenia-csto-news.txt").read_text(encoding="utf-8")
    table = stancekit.analyze(doc, ["CSTO", "Russia"], model=stance, sentiment=sentiment)
    n = table["sentence_index"].nunique()
    assert n >= 12
    assert len(table) == 2 * n
    assert table["target"].tolist()[:4] == ["CSTO", "Russia", "CSTO", "Russia"]
    assert set(table["label"]) <= set(stance.labels)
    assert set(table["sentiment"]) <= set(sentiment.labels)
    np.testing.assert_allclose(table[["p_against", "p_favor", "p_none"]].sum(axis=1), 1, rtol=1e-5)


def test_demo_command_prints_the_table() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "stancekit",
            "analyze",
            "seeds/armenia-csto-news.txt",
            "--target",
            "CSTO",
            "--target",
            "Russia",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    assert "CSTO:" in out and "Russia:" in out and "sentiment:" in out
    assert "Pashinyan suggested on Monday" in out


# Floors of the 0.1 issue, on the held-out test splits.
@requires_data
def test_stance_floor_semeval2016(stance: stancekit.Classifier) -> None:
    result = evaluate_classifier(stance, "semeval2016", "test")
    assert result["n"] == 1249
    assert result["metrics"]["f_avg"] >= 0.60, result["metrics"]


# Regression floors of the accuracy issue, on held-out test splits: the issue's own targets (SemEval F_avg 69,
# P-Stance mean 78, VAST macro-F1 68, TweetEval 70, SST-2 88); VAST's halves, which have no target of their own, at
# the shipped figure (benchmarks/README.md, measured 2026-11-29) less about one point.
@requires_data
@pytest.mark.slow
def test_stance_accuracy_floors(stance: stancekit.Classifier) -> None:
    from stancekit.core.metrics import grouped_scores, predict_restricted
    from stancekit.data import load_dataset
    from stancekit.fitting.baseline import TfidfBaseline

    semeval = evaluate_classifier(stance, "semeval2016", "test")
    assert semeval["metrics"]["f_avg"] >= 0.69, semeval["metrics"]  # required 69.0; shipped: 71.6
    pstance = evaluate_classifier(stance, "pstance", "test")
    mean = np.mean([g["f_avg"] for g in pstance["groups"].values()])
    assert mean >= 0.78, pstance["groups"]  # required 78; shipped: 78.8 (mean over the three targets)
    vast = evaluate_classifier(stance, "vast", "test")
    assert vast["n"] == 3006
    assert vast["metrics"]["macro_f1"] >= 0.68, vast["metrics"]  # required 68; shipped: 68.4
    assert vast["groups"]["zero-shot"]["macro_f1"] >= 0.69, vast["groups"]  # shipped: 70.2
    assert vast["groups"]["few-shot"]["macro_f1"] >= 0.655, vast["groups"]  # shipped: 66.7
    # no SemEval target more than 8 points below its own TF-IDF + SVM baseline, fitted here on the same train rows
    train, test = load_dataset("semeval2016", "train"), load_dataset("semeval2016", "test")
    svm = TfidfBaseline(stance.labels).fit(train["text"], train["target"], train["label"])
    pred = predict_restricted(svm.decision(test["text"], test["target"]), stance.labels, set(test["label"]))
    svm_groups = grouped_scores(test["label"], pred, test["group"], "stance")
    for target, ours in semeval["groups"].items():
        assert ours["f_avg"] >= svm_groups[target]["f_avg"] - 0.08, (target, ours, svm_groups[target])


@requires_data
@pytest.mark.slow
def test_stance_network_is_robust_to_target_wording() -> None:
    """benchmarks/robustness.py's figure for the network alone (the experts fire on exact target names only)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from robustness import run
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    result = run("stance", experts=False)
    assert result["changed_per_row_and_paraphrase"] <= 0.10, result["targets"]  # shipped: 6.8% (network alone)


@requires_data
def test_sentiment_floor_tweeteval(sentiment: stancekit.Classifier) -> None:
    result = evaluate_classifier(sentiment, "tweeteval-sentiment", "test")
    assert result["n"] == 12284
    assert result["metrics"]["macro_recall"] >= 0.70, result["metrics"]  # 0.1 floor 65; required 70; shipped: 70.3


@requires_data
def test_sentiment_floor_sst2(sentiment: stancekit.Classifier) -> None:
    result = evaluate_classifier(sentiment, "sst2", "dev")
    assert result["n"] == 872
    assert result["metrics"]["accuracy"] >= 0.88, result["metrics"]  # required 88; shipped: 88.3 (binary, 3 classes)


@requires_data
@pytest.mark.slow
@pytest.mark.parametrize("model", ["stance", "sentiment"])
def test_fast_paths_keep_the_float32_labels(model: str) -> None:
    """The fast engines give PyTorch float32's labels on real test rows: ONNX Runtime float32 exactly; the default
    (bfloat16 where the CPU has native bf16, on OpenVINO when installed, else ONNX float32) on at least 99% of them
    (measured on the whole test sets: 99.79-99.95%, benchmarks/README.md); int8, the opt-in, on most
    (benchmarks/speed.py measures them at scale, with speed)."""
    from stancekit.core.hardware import native_cpu_half
    from stancekit.data import load_dataset
    from stancekit.runtime.engines import onnx as onnx_engine

    if not onnx_engine.available():
        pytest.skip("onnxruntime is not installed")
    ds = load_dataset("semeval2016" if model == "stance" else "tweeteval-sentiment", "test")
    rows = list(range(0, ds.num_rows, max(1, ds.num_rows // 300)))[:300]
    texts = [ds["text"][i] for i in rows]
    targets = [ds["target"][i] for i in rows] if model == "stance" else None
    reference = stancekit.load(model, dtype="float32", backend="torch").predict_proba(texts, targets)
    onnx = stancekit.load(model, dtype="float32")
    assert onnx.backend == "onnx"
    exact = onnx.predict_proba(texts, targets)
    assert (exact.argmax(1) == reference.argmax(1)).all()
    assert np.abs(exact - reference).max() < 1e-4
    default = stancekit.load(model)
    from stancekit.runtime.engines import openvino as ov_engine

    bf16_engine = "openvino" if ov_engine.available() else "torch"
    expected = (bf16_engine, torch.bfloat16) if native_cpu_half() else ("onnx", torch.float32)
    assert (default.backend, default.dtype) == expected
    fast = default.predict_proba(texts, targets)
    assert (fast.argmax(1) == reference.argmax(1)).mean() >= 0.99
    assert np.abs(fast - reference).max() < 0.05
    int8 = stancekit.load(model, dtype="int8").predict_proba(texts, targets)
    assert (int8.argmax(1) == reference.argmax(1)).mean() >= 0.94
