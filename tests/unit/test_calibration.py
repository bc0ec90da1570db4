"""Temperature scaling and expected calibration error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stancekit.calibration import calibrate, expected_calibration_error, fit_temperature, rescale
from stancekit.classifier import Classifier, load
from stancekit.cli import main
from stancekit.config import ModelSpec
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
    with pytest.raises(ValueError, match="test split may not be used"):
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
