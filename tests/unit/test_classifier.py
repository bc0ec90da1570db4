"""The API contract on a tiny random model: shapes, label order, single vs batch, order, save/load, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import stancekit
from stancekit.core.errors import ModelNotFoundError
from stancekit.model.classifier import Classifier, load
from stancekit.model.head import softmax
from stancekit.runtime import batching
from tests.conftest import make_tiny

TEXTS = [
    "armenia might leave the csto",
    "i love peace",
    "war",
    "russia will support the bloc and the treaty, said moscow, not the west " * 3,
    "bad",
    "the csto is a great treaty of peace and the west will oppose the war",
]


def test_labels_and_shapes(tiny_stance: Classifier) -> None:
    assert tiny_stance.labels == ("against", "favor", "none")
    proba = tiny_stance.predict_proba(TEXTS, targets="CSTO")
    assert proba.shape == (len(TEXTS), 3)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    labels = tiny_stance.predict(TEXTS, targets="CSTO")
    assert labels == [tiny_stance.labels[i] for i in proba.argmax(axis=1)]


def test_single_string_in_single_result_out(tiny_stance: Classifier) -> None:
    single = tiny_stance.predict_proba(TEXTS[0], targets="CSTO")
    assert single.shape == (3,)
    batch = tiny_stance.predict_proba(TEXTS, targets="CSTO")
    np.testing.assert_allclose(single, batch[0], atol=1e-5)
    label = tiny_stance.predict(TEXTS[0], targets="CSTO")
    assert isinstance(label, str) and label in tiny_stance.labels


def test_order_restored_under_length_sorting(tiny_stance: Classifier) -> None:
    """Batched, length-sorted scoring equals scoring each text alone, row for row."""
    tiny_stance.batch_size = 2
    batch = tiny_stance.predict_proba(TEXTS, targets="russia")
    alone = np.stack([tiny_stance.predict_proba(t, targets="russia") for t in TEXTS])
    np.testing.assert_allclose(batch, alone, atol=1e-5)
    # the length sort really moved rows around, so this checks the order restoration
    lengths = [len(tiny_stance.tokenizer("russia", t)["input_ids"]) for t in TEXTS]
    order = np.concatenate(batching.plan_batches(lengths, batch_size=2, max_tokens=10_000))
    assert order.tolist() != list(range(len(TEXTS)))


def test_tiny_chunks_and_token_budget_do_not_change_results(tiny_stance: Classifier) -> None:
    items = [(t, "csto") for t in TEXTS]
    ref = tiny_stance.predict_proba(TEXTS, targets="csto")
    chunks = list(
        batching.iter_network_scores(
            tiny_stance.engine,
            tiny_stance.tokenizer,
            iter(items),
            max_length=32,
            device=torch.device("cpu"),
            pair=True,
            batch_size=3,
            max_tokens=40,
            window=4,
        )
    )
    assert [len(c.values) for c in chunks] == [4, 2]
    np.testing.assert_allclose(np.concatenate([softmax(c.values) for c in chunks]), ref, atol=1e-5)


def test_target_changes_the_pair(tiny_stance: Classifier) -> None:
    a = tiny_stance.predict_proba(TEXTS, targets="csto")
    b = tiny_stance.predict_proba(TEXTS, targets="russia war")
    assert not np.allclose(a, b)
    per_row = tiny_stance.predict_proba(TEXTS[:2], targets=["csto", "russia war"])
    np.testing.assert_allclose(per_row[0], a[0], atol=1e-5)
    np.testing.assert_allclose(per_row[1], b[1], atol=1e-5)


def test_long_input_truncated_and_flagged(tiny_stance: Classifier) -> None:
    long = "peace " * 500
    scored = tiny_stance.predict_scores([long, "peace"], targets="csto")
    assert scored.truncated.tolist() == [True, False]
    assert np.isfinite(scored.values).all()


def test_exact_length_is_not_flagged(tiny_stance: Classifier) -> None:
    # [CLS] csto [SEP] + n words + [SEP] == max_length exactly: fits, so not truncated
    n = tiny_stance.spec.max_length - 4
    scored = tiny_stance.predict_scores(["war " * n, "war " * (n + 1)], targets="csto")
    assert scored.truncated.tolist() == [False, True]


def test_save_load_identical_predictions(tiny_stance: Classifier, tmp_path: Path) -> None:
    ref = tiny_stance.predict_proba(TEXTS, targets="csto")
    folder = tiny_stance.save_pretrained(tmp_path / "m", compact=False)
    assert (folder / "model.safetensors").is_file()
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pkl"))
    again = load(folder, device="cpu", dtype="float32")
    assert again.labels == tiny_stance.labels
    np.testing.assert_allclose(again.predict_proba(TEXTS, targets="csto"), ref, atol=1e-6)


def test_compact_save_stores_only_changed_tensors(tmp_path: Path) -> None:
    base = make_tiny(tmp_path, "stance")
    backbone = tmp_path / "backbone"
    base.model.save_pretrained(backbone, safe_serialization=True)
    tuned = make_tiny(tmp_path, "stance")
    tuned.spec.backbone = str(backbone)
    with torch.no_grad():  # "fine-tune" one layer and the head only
        tuned.model.bert.encoder.layer[1].output.dense.weight.add_(0.5)
        tuned.model.classifier.weight.mul_(1.5)
    folder = tuned.save_pretrained(tmp_path / "compact", compact=True)
    from safetensors import safe_open

    with safe_open(str(folder / "delta.safetensors"), "pt") as fh:
        keys = set(fh.keys())
    assert keys == {
        "bert.encoder.layer.1.output.dense.weight",
        "classifier.weight",
    }
    again = load(folder, device="cpu")
    np.testing.assert_allclose(
        again.predict_proba(TEXTS, targets="csto"), tuned.predict_proba(TEXTS, targets="csto"), atol=2e-3
    )


def test_transformers_loads_a_full_folder(tiny_stance_dir: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_stance_dir)
    assert model.config.id2label == {0: "against", 1: "favor", 2: "none"}


def test_sentiment_takes_no_target(tiny_sentiment: Classifier) -> None:
    assert tiny_sentiment.labels == ("negative", "neutral", "positive")
    assert tiny_sentiment.predict_proba(TEXTS).shape == (len(TEXTS), 3)
    with pytest.raises(ValueError, match="takes no targets"):
        tiny_sentiment.predict(TEXTS, targets="csto")


def test_bad_arguments(tiny_stance: Classifier) -> None:
    with pytest.raises(ValueError, match="2 targets for 6 texts"):
        tiny_stance.predict(TEXTS, targets=["a", "b"])
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        tiny_stance.predict(["ok", 3], targets="csto")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="needs targets"):
        tiny_stance.predict(TEXTS)
    with pytest.raises(ValueError, match="not trained with holders"):
        tiny_stance.predict(TEXTS, targets="csto", holders="Armenia")
    with pytest.raises(TypeError, match=r"targets\[0\] must be a non-empty string"):
        tiny_stance.predict(["a"], targets=[""])


def test_empty_input(tiny_stance: Classifier) -> None:
    assert tiny_stance.predict_proba([], targets="csto").shape == (0, 3)
    assert tiny_stance.predict([], targets="csto") == []


def test_unknown_model_and_non_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="unknown model 'no-such-model'"):
        stancekit.load("no-such-model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        stancekit.load(tmp_path / "empty")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "config.json").write_text("{}")
    with pytest.raises(ModelNotFoundError, match="no 'stancekit' block"):
        stancekit.load(tmp_path / "plain")
