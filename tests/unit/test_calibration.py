"""Temperature scaling and expected calibration error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stancekit.cli import main
from stancekit.core.metrics import expected_calibration_error
from stancekit.core.proba import apply_label_bias, rescale
from stancekit.fitting.calibration import calibrate, calibrate_bias, fit_label_bias, fit_temperature
from stancekit.model.classifier import Classifier, load
from stancekit.model.spec import ModelSpec
from tests.conftest import requires_data


def test_ece_by_hand() -> None:
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
    gold = [0, 1, 0, 1]
    # bins (15 over [0,1]): 0.9 -> two rows, accuracy 1/2, gap 0.4; 0.6 -> one row, gap 0.4; 0.7 -> one, gap 0.3
    assert expected_calibration_error(proba, gold) == pytest.approx(0.5 * 0.4 + 0.25 * 0.4 + 0.25 * 0.3)
    assert expected_calibration_error(np.eye(3), [0, 1, 2]) == 0.0
    with pytest.raises(ValueError):
        expected_calibration_error(proba, [0, 1])


def test_fit_temperature_recovers_the_true_one() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(20_000, 3))
    true_t = 2.5
    p_true = np.exp(logits / true_t)
    p_true /= p_true.sum(1, keepdims=True)
    gold = np.array([rng.choice(3, p=p) for p in p_true])
    over = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)  # the model's overconfident probabilities (T=1)
    fitted = fit_temperature(over, gold)
    assert fitted == pytest.approx(true_t, rel=0.05)
    assert fit_temperature(rescale(over, 2.0), gold, current=2.0) == pytest.approx(fitted, rel=1e-3)
    scaled = rescale(over, fitted)
    assert expected_calibration_error(scaled, gold) < expected_calibration_error(over, gold) / 3
    assert (scaled.argmax(1) == over.argmax(1)).all()  # labels never change
    np.testing.assert_allclose(scaled.sum(1), 1, rtol=1e-5)


def test_temperature_in_the_spec_is_applied_by_the_core(tiny_stance: Classifier) -> None:
    texts = ["peace is good", "war is terrible", "the csto said nothing"]
    base = tiny_stance.predict_proba(texts, targets="csto")
    tiny_stance.spec.temperature = 3.0
    hot = tiny_stance.predict_proba(texts, targets="csto")
    np.testing.assert_allclose(hot, rescale(base, 3.0), atol=1e-5)
    assert (hot.argmax(1) == base.argmax(1)).all()
    with pytest.raises(ValueError, match="temperature"):
        ModelSpec(task="stance", temperature=0.0)
    assert ModelSpec.from_dict({"task": "stance"}).temperature == 1.0  # folders saved before calibration


def test_calibrate_refuses_test_splits(tiny_stance: Classifier) -> None:
    with pytest.raises(ValueError, match="held out for evaluation and may not be used for calibration"):
        calibrate(tiny_stance, [("semeval2016", "test")])
    with pytest.raises(ValueError, match="sentiment corpus"):
        calibrate(tiny_stance, [("sst2", "validation")])


@requires_data
def test_calibrate_command_writes_the_temperature(tiny_stance_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = load(tiny_stance_dir, device="cpu").predict_proba(["peace"], targets="csto")
    code = main(["calibrate", "--model", str(tiny_stance_dir), "--dataset", "semeval2016", "--write"])
    assert code == 0
    out = capsys.readouterr().out
    result = json.loads(out[: out.rindex("}") + 1])
    assert result["n"] > 200 and result["sources"] == ["semeval2016:validation"]
    config = json.loads((tiny_stance_dir / "config.json").read_text())
    if result["ece_after"] < result["ece_before"]:
        assert config["stancekit"]["temperature"] == pytest.approx(result["temperature"], abs=1e-4)
        after = load(tiny_stance_dir, device="cpu").predict_proba(["peace"], targets="csto")
        np.testing.assert_allclose(after, rescale(before, config["stancekit"]["temperature"]), atol=1e-4)
    else:
        assert "not written" in out and config["stancekit"].get("temperature", 1.0) == 1.0


def test_apply_label_bias_by_hand() -> None:
    proba = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    out = apply_label_bias(proba, [0.0, np.log(2.0), 0.0])  # doubles the odds of the middle label
    np.testing.assert_allclose(out, [[0.4, 0.4, 0.2], [0.1 / 1.1, 0.2 / 1.1, 0.8 / 1.1]], rtol=1e-6)
    np.testing.assert_allclose(apply_label_bias(proba, [3.0, 3.0, 3.0]), proba, rtol=1e-6)  # a shift is nothing


def _shy_model(rng: np.random.Generator, n: int, shyness: float) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels drawn from a 3-class model, and that model's probabilities with label 0 made shy."""
    logits = rng.normal(0, 2, size=(n, 3))
    p_true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    gold = np.array([rng.choice(3, p=p) for p in p_true])
    return apply_label_bias(p_true, [-shyness, 0.0, 0.0]), gold


def test_fit_label_bias_undoes_a_shy_label_and_raises_the_metric() -> None:
    labels = ("negative", "neutral", "positive")
    proba, gold = _shy_model(np.random.default_rng(0), 6000, shyness=1.0)
    names = [labels[i] for i in gold]
    bias, before, after = fit_label_bias([(proba, names, "macro_recall")], labels, "sentiment")
    assert "neutral" not in bias  # the reference label stays at 0
    assert 0.5 <= bias["negative"] <= 1.6 and abs(bias.get("positive", 0.0)) <= 0.4
    assert after[0] > before[0] + 0.02
    vector = [bias.get(x, 0.0) for x in labels]
    pred = apply_label_bias(proba, vector).argmax(1)
    assert (pred == 0).sum() > (proba.argmax(1) == 0).sum()  # it predicts the shy label more often

    # a model that is not shy gets (almost) no bias; one with no gain gets none at all
    fair, gold2 = _shy_model(np.random.default_rng(1), 6000, shyness=0.0)
    bias2, _, _ = fit_label_bias([(fair, [labels[i] for i in gold2], "macro_recall")], labels, "sentiment")
    assert all(abs(v) <= 0.3 for v in bias2.values())
    perfect = np.eye(3)[[0, 1, 2, 0]]
    assert fit_label_bias([(perfect, [labels[i] for i in [0, 1, 2, 0]], "accuracy")], labels, "sentiment")[0] == {}
    with pytest.raises(ValueError, match="no validation rows"):
        fit_label_bias([], labels, "sentiment")


def test_label_bias_in_the_spec_is_applied_by_the_core(tiny_stance: Classifier) -> None:
    texts = ["peace is good", "war is terrible", "the csto said nothing"]
    base = tiny_stance.predict_proba(texts, targets="csto")
    tiny_stance.spec.label_bias = {"favor": 1.5}
    biased = tiny_stance.predict_proba(texts, targets="csto")
    np.testing.assert_allclose(biased, apply_label_bias(base, tiny_stance.spec.bias_vector()), atol=1e-5)
    assert (biased[:, tiny_stance.labels.index("favor")] > base[:, tiny_stance.labels.index("favor")]).all()
    assert tiny_stance.predict(texts, targets="csto") == [tiny_stance.labels[i] for i in biased.argmax(1)]
    with pytest.raises(ValueError, match="fitted after the temperature"):
        calibrate(tiny_stance, [("semeval2016", "validation")])
    with pytest.raises(ValueError, match="lacks"):
        ModelSpec(task="stance", label_bias={"positive": 1.0})
    with pytest.raises(ValueError, match="label_bias"):
        ModelSpec(task="stance", label_bias={"favor": "high"})
    assert ModelSpec.from_dict({"task": "stance"}).label_bias == {}


def test_calibrate_bias_refuses_test_splits(tiny_sentiment: Classifier) -> None:
    with pytest.raises(ValueError, match="held out for evaluation and may not be used for calibration"):
        calibrate_bias(tiny_sentiment, [("semeval2017", "test")])
    with pytest.raises(ValueError, match="stance corpus"):
        calibrate_bias(tiny_sentiment, [("vast", "validation")])


@requires_data
def test_calibrate_command_writes_the_label_bias(tiny_sentiment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["calibrate", "--bias", "--model", str(tiny_sentiment_dir), "--dataset", "semeval2017", "--write"])
    assert code == 0
    out = capsys.readouterr().out
    result = json.loads(out[: out.rindex("}") + 1])
    assert result["sources"] == ["semeval2017:validation"] and result["metrics"] == ["macro_recall"]
    config = json.loads((tiny_sentiment_dir / "config.json").read_text())
    if result["score_after"][0] > result["score_before"][0]:
        assert config["stancekit"]["label_bias"] == pytest.approx(result["label_bias"], abs=1e-4)
        clf = load(tiny_sentiment_dir, device="cpu")
        assert clf.spec.label_bias == pytest.approx(result["label_bias"], abs=1e-4)
    else:
        assert "not written" in out and config["stancekit"]["label_bias"] == {}
