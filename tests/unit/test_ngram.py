"""N-gram experts: fitting, pruning, storage without pickle, fusion inside the classifier, weight selection."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stancekit.cli import main
from stancekit.core.errors import ModelLoadError
from stancekit.data.sources import DataSpec
from stancekit.fitting.config import TrainingConfig
from stancekit.fitting.experts import attach_experts, fit_ngram_experts
from stancekit.model.classifier import Classifier, load
from stancekit.model.experts import JSON_FILE, WEIGHTS_FILE, NgramExperts

LABELS = ("against", "favor", "none")
CUES = {"favor": ["love", "support", "great"], "against": ["hate", "oppose", "terrible"], "none": ["said", "the"]}
FILLER = ["armenia", "russia", "moscow", "treaty", "bloc", "west", "war", "peace", "with", "on"]


def _rows(n: int, target: str, labels: tuple[str, ...], seed: int) -> list[dict[str, str]]:
    """Texts whose label is readable from a cue word (so a linear n-gram model learns it), plus filler."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = labels[i % len(labels)]
        words = [rng.choice(CUES[label]), *rng.sample(FILLER, 4)]
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "target": target, "label": label})
    return rows


def _fit(max_features: int = 10_000) -> NgramExperts:
    rows = _rows(60, "csto", LABELS, 0) + _rows(40, "Russia", ("against", "favor"), 1) + _rows(5, "rare", LABELS, 2)
    return fit_ngram_experts(
        [r["text"] for r in rows],
        [r["target"] for r in rows],
        [r["label"] for r in rows],
        LABELS,
        min_rows=20,
        max_features=max_features,
        aliases={"csto": ["the CSTO bloc"]},
    )


def test_experts_cover_frequent_targets_and_learn_their_cues() -> None:
    experts = _fit()
    assert experts.targets == ["Russia", "csto"]  # "rare" (5 rows) has no expert
    assert experts.covers("CSTO") and experts.covers("  the csto   BLOC ") and not experts.covers("rare")
    texts = ["love the treaty", "hate the treaty", "love the treaty", "love the treaty"]
    scores = experts.scores(texts, ["csto", "csto", "russia", "nato"])
    favor, against, none = (LABELS.index(k) for k in ("favor", "against", "none"))
    assert scores[0, favor] > scores[0, against] and scores[1, against] > scores[1, favor]
    assert scores[2, favor] > scores[2, against]
    assert scores[2, none] == 0.0  # the binary expert has no opinion on none
    assert np.all(scores[3] == 0.0)  # no expert for this target
    np.testing.assert_allclose(scores[:2].sum(axis=1), 0.0, atol=1e-5)  # centred


def test_pruning_keeps_max_features_and_still_separates() -> None:
    experts = _fit(max_features=12)
    for expert in experts.experts:
        assert expert.coef.shape[1] <= 12
    scores = experts.scores(["love", "hate"], ["csto", "csto"])
    assert scores[0, LABELS.index("favor")] > scores[1, LABELS.index("favor")]


def test_fuse_is_the_network_where_no_expert_or_zero_weight() -> None:
    experts = _fit()
    proba = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], dtype=np.float32)
    texts = ["hate oppose terrible", "hate oppose terrible"]
    np.testing.assert_allclose(experts.fuse(proba, texts, ["nato", None]), proba, atol=1e-6)
    np.testing.assert_allclose(experts.fuse(proba, texts, ["csto", "csto"], weight=0.0), proba, atol=1e-6)
    fused = experts.fuse(proba, texts, ["csto", "csto"], weight=4.0)
    np.testing.assert_allclose(fused.sum(axis=1), 1.0, atol=1e-5)
    assert fused[0, LABELS.index("against")] > proba[0, LABELS.index("against")]


def test_save_load_round_trip_without_pickle(tmp_path: Path) -> None:
    experts = _fit()
    experts.weight = 1.5
    experts.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [JSON_FILE, WEIGHTS_FILE]
    again = NgramExperts.load(tmp_path)
    assert again.weight == 1.5 and again.targets == experts.targets and again.covers("the csto bloc")
    texts = ["love the bloc", "oppose moscow", "said the war"]
    for target in ("csto", "Russia"):
        np.testing.assert_allclose(again.scores(texts, [target] * 3), experts.scores(texts, [target] * 3), atol=1e-5)
    blob = bytearray((tmp_path / WEIGHTS_FILE).read_bytes())
    blob[-3] ^= 0xFF
    (tmp_path / WEIGHTS_FILE).write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="SHA-256"):
        NgramExperts.load(tmp_path)


def test_classifier_fuses_covered_rows_in_input_order(tiny_stance: Classifier, tmp_path: Path) -> None:
    network = tiny_stance.predict_proba(["x"], targets="csto")  # warm up the engine
    experts = _fit()
    experts.weight = 2.0
    texts = [f"{random.Random(i).choice(['love', 'hate', 'said'])} the treaty {'war ' * (i % 7)}" for i in range(50)]
    targets = ["csto" if i % 3 == 0 else "russia" if i % 3 == 1 else "nato" for i in range(50)]
    network = tiny_stance.predict_proba(texts, targets=targets)
    tiny_stance.experts = experts
    tiny_stance.batch_size = 4  # many batches, sorted by length: fusion must still follow input order
    fused = tiny_stance.predict_proba(texts, targets=targets)
    np.testing.assert_allclose(fused, experts.fuse(network, texts, targets), atol=1e-5)
    nato = [i for i, t in enumerate(targets) if t == "nato"]
    np.testing.assert_allclose(fused[nato], network[nato], atol=1e-5)
    assert not np.allclose(fused[0], network[0])

    folder = tiny_stance.save_pretrained(tmp_path / "with-experts", compact=False)
    assert (folder / JSON_FILE).is_file()
    np.testing.assert_allclose(
        load(folder, device="cpu", dtype="float32").predict_proba(texts, targets=targets), fused, atol=1e-5
    )
    plain = load(folder, device="cpu", dtype="float32", experts=False)
    assert plain.experts is None
    np.testing.assert_allclose(plain.predict_proba(texts, targets=targets), network, atol=1e-5)
    (folder / WEIGHTS_FILE).write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match="n-gram experts"):
        load(folder, device="cpu")
    tiny_stance.experts = None
    tiny_stance.save_pretrained(folder, compact=False)  # saving without experts removes the stale files
    assert not (folder / JSON_FILE).exists() and not (folder / WEIGHTS_FILE).exists()


def test_experts_give_the_same_scores_on_their_thread_and_inline(
    tiny_stance: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancekit.model import classifier as classifier_module

    experts = _fit()
    experts.weight = 2.0
    texts = [f"{random.Random(i).choice(['love', 'hate', 'said'])} the treaty {'war ' * (i % 5)}" for i in range(40)]
    targets = ["csto" if i % 2 else "russia" for i in range(40)]
    network = tiny_stance.predict_proba(texts, targets=targets)
    tiny_stance.experts = experts
    try:
        monkeypatch.setattr(classifier_module, "EXPERTS_THREAD_MIN_ROWS", 1)  # every window: a thread
        threaded = tiny_stance.predict_proba(texts, targets=targets)
        monkeypatch.setattr(classifier_module, "EXPERTS_THREAD_MIN_ROWS", 10**9)  # every window: inline
        inline = tiny_stance.predict_proba(texts, targets=targets)
    finally:
        tiny_stance.experts = None
    np.testing.assert_allclose(threaded, inline, atol=1e-6)
    np.testing.assert_allclose(inline, experts.fuse(network, texts, targets), atol=1e-5)


def _recipe(tmp_path: Path) -> TrainingConfig:
    train = pd.DataFrame(_rows(90, "csto", LABELS, 3) + _rows(60, "russia", ("against", "favor"), 4))
    val = pd.DataFrame(_rows(30, "csto", LABELS, 5) + _rows(20, "russia", ("against", "favor"), 6))
    train.to_csv(tmp_path / "train.csv", index=False)
    val.to_csv(tmp_path / "val.csv", index=False)
    return TrainingConfig(
        output_dir=str(tmp_path / "out"),
        task="stance",
        train=[DataSpec(path=str(tmp_path / "train.csv"))],
        validation=[DataSpec(path=str(tmp_path / "val.csv"))],
    )


def test_attach_experts_picks_the_weight_on_validation(tiny_stance: Classifier, tmp_path: Path) -> None:
    report = attach_experts(tiny_stance, _recipe(tmp_path), min_rows=20, grid=(0.0, 1.0, 4.0))
    assert tiny_stance.experts is not None and tiny_stance.experts.weight == report["weight"]
    assert report["targets"] == ["csto", "russia"]
    (scores,) = report["validation"].values()
    assert len(scores) == 3 and report["selection"] == scores
    # a random network is near chance; cue words the experts learn make the fused model better on validation
    assert report["weight"] > 0 and max(scores) > scores[0] + 0.2


def test_attach_experts_refuses_sentiment_models(tiny_sentiment: Classifier, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="stance models"):
        attach_experts(tiny_sentiment, _recipe(tmp_path))


def test_experts_command_writes_them(tiny_stance_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _recipe(tmp_path).to_yaml(tmp_path / "recipe.yaml")
    args = ["experts", "--model", str(tiny_stance_dir), "--recipe", str(tmp_path / "recipe.yaml"), "--min-rows", "20"]
    assert main([*args, "--device", "cpu"]) == 0
    assert not (tiny_stance_dir / JSON_FILE).exists()  # without --write nothing is stored
    assert main([*args, "--device", "cpu", "--write"]) == 0
    assert load(tiny_stance_dir, device="cpu").experts is not None
    metrics = json.loads((tiny_stance_dir / "metrics.json").read_text())
    assert metrics["ngram_experts"]["min_rows"] == 20 and "weight" in metrics["ngram_experts"]
    assert "wrote n-gram experts" in capsys.readouterr().out
    assert main(["experts", "--model", str(tiny_stance_dir), "--device", "cpu"]) == 2  # no training_config.yaml


def test_recipe_option_is_checked(tmp_path: Path) -> None:
    base = {
        "output_dir": "x",
        "train": [DataSpec(name="semeval2016")],
        "validation": [DataSpec(name="semeval2016", split="validation")],
    }
    assert TrainingConfig(task="stance", ngram_experts={"max_features": 5}, **base).ngram_experts == {"max_features": 5}  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown option"):
        TrainingConfig(task="stance", ngram_experts={"max_feature": 5}, **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="for stance models"):
        TrainingConfig(task="sentiment", ngram_experts={}, **base)  # type: ignore[arg-type]


def test_experts_temperature_applies_to_covered_rows_only(tmp_path: Path) -> None:
    experts = _fit()
    experts.weight, experts.temperature = 1.0, 2.0
    proba = np.array([[0.7, 0.2, 0.1]] * 2, dtype=np.float32)
    texts = ["love the treaty"] * 2
    fused = experts.fuse(proba, texts, ["csto", "nato"], network_temperature=0.5)
    logits = np.log(proba[0]) + experts.scores(texts[:1], ["csto"])[0]
    expected = np.exp(logits / 2.0) / np.exp(logits / 2.0).sum()
    np.testing.assert_allclose(fused[0], expected, atol=1e-5)
    sharp = proba[1] ** 2 / (proba[1] ** 2).sum()  # temperature 0.5 on the network alone
    np.testing.assert_allclose(fused[1], sharp, atol=1e-5)
    experts.save(tmp_path)
    assert NgramExperts.load(tmp_path).temperature == 2.0
    with pytest.raises(ValueError, match="temperature"):
        NgramExperts(LABELS, experts.experts, temperature=0.0)


def test_attach_experts_fits_their_temperature(tiny_stance: Classifier, tmp_path: Path) -> None:
    report = attach_experts(tiny_stance, _recipe(tmp_path), min_rows=20, grid=(0.0, 1.0, 4.0))
    assert report["n_calibration"] == 50
    assert report["ece_after"] <= report["ece_before"]
    assert tiny_stance.experts is not None and tiny_stance.experts.temperature == report["temperature"]


def test_calibrate_refuses_a_model_with_experts(tiny_stance: Classifier) -> None:
    from stancekit.fitting.calibration import calibrate

    tiny_stance.experts = _fit()
    with pytest.raises(ValueError, match="experts=False"):
        calibrate(tiny_stance, [("semeval2016", "validation")])
