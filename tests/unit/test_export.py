"""Export to a plain Hugging Face folder (the temperature and label bias folded into the classifier layer), its
model card, and loading plain Hugging Face sequence-classification folders (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard
from safetensors.torch import load_file, save_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

import stancekit
from stancekit.cli import main
from stancekit.core.errors import ConfigError, ModelLoadError, ModelNotFoundError, OutputExistsError
from stancekit.fitting.card import CardData, write_card
from stancekit.model.classifier import Classifier
from stancekit.model.export import fold_calibration
from stancekit.model.spec import ModelSpec

TEXTS = [
    "armenia might leave the csto",
    "russia will support the treaty with moscow",
    "i hate war and love peace",
    "the west is not good for the bloc",
    "a great treaty",
    # longer than the tiny model's 32 tokens: truncated by stancekit and by the tokenizer alike
    "the csto is a bloc of armenia and russia and moscow said the west will oppose the treaty for war not peace "
    "and armenia will leave the bloc because the bloc said it will not support armenia in the war",
]
TARGETS = ["csto", "russia", "peace", "west", "treaty", "csto"]
TEMPERATURE, BIAS = 1.7, {"favor": 0.8, "none": -1.2}


def _calibrated(clf: Classifier) -> Classifier:
    """The tiny model with a non-trivial temperature and label bias (so folding is tested, not skipped)."""
    clf.spec = ModelSpec.from_dict({**clf.spec.to_dict(), "temperature": TEMPERATURE, "label_bias": BIAS})
    return clf


def _pipeline_proba(folder: Path, labels: tuple[str, ...], inputs: list) -> np.ndarray:
    pipe = pipeline("text-classification", model=str(folder), top_k=None, device="cpu")
    rows = pipe(inputs, truncation=True)
    return np.array([[{d["label"]: d["score"] for d in row}[name] for name in labels] for row in rows])


def test_stance_export_gives_stancekit_probabilities(tmp_path: Path, tiny_stance: Classifier) -> None:
    clf = _calibrated(tiny_stance)
    expected = clf.predict_proba(TEXTS, targets=TARGETS)
    assert clf.predict_scores(TEXTS, targets=TARGETS).truncated[-1]
    out = clf.export(tmp_path / "export")

    pairs = [{"text": target, "text_pair": text} for target, text in zip(TARGETS, TEXTS)]  # as the card says
    assert np.abs(_pipeline_proba(out, clf.labels, pairs) - expected).max() <= 1e-5

    model = AutoModelForSequenceClassification.from_pretrained(out, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(out, local_files_only=True)
    with torch.no_grad():
        for target, text, want in zip(TARGETS, TEXTS, expected):
            batch = tokenizer(target, text, truncation=True, return_tensors="pt")
            got = model(**batch).logits.softmax(-1)[0].numpy()
            assert np.abs(got - want).max() <= 1e-5


def test_sentiment_export_gives_stancekit_probabilities(tmp_path: Path, tiny_sentiment: Classifier) -> None:
    clf = tiny_sentiment
    clf.spec = ModelSpec.from_dict({**clf.spec.to_dict(), "temperature": 0.6, "label_bias": {"neutral": 1.5}})
    out = clf.export(tmp_path / "export")
    assert np.abs(_pipeline_proba(out, clf.labels, TEXTS) - clf.predict_proba(TEXTS)).max() <= 1e-5


def test_export_is_a_plain_hugging_face_folder(tmp_path: Path, tiny_stance: Classifier) -> None:
    clf = _calibrated(tiny_stance)
    before = {k: v.clone() for k, v in clf.model.state_dict().items()}
    out = clf.export(tmp_path / "export")
    assert {p.name for p in out.iterdir()} >= {"model.safetensors", "config.json", "tokenizer.json", "README.md"}
    assert not (out / "delta.safetensors").exists()
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["BertForSequenceClassification"]
    assert config["id2label"] == {"0": "against", "1": "favor", "2": "none"}
    block = config["stancekit"]
    assert (block["weights"], block["temperature"], block["label_bias"]) == ("full", 1.0, {})
    assert config["stancekit_export"]["folded_temperature"] == TEMPERATURE
    assert json.loads((out / "tokenizer_config.json").read_text())["model_max_length"] == clf.spec.max_length
    assert all(torch.equal(before[k], v) for k, v in clf.model.state_dict().items())  # the model is not changed


def test_stancekit_loads_its_export_back(tmp_path: Path, tiny_stance: Classifier) -> None:
    clf = _calibrated(tiny_stance)
    back = stancekit.load(clf.export(tmp_path / "export"), device="cpu", dtype="float32")
    assert back.spec.temperature == 1.0 and not back.spec.label_bias
    got = back.predict_proba(TEXTS, targets=TARGETS)
    assert np.abs(got - clf.predict_proba(TEXTS, targets=TARGETS)).max() <= 1e-5


def test_fold_calibration_is_the_head(tiny_stance: Classifier) -> None:
    spec = _calibrated(tiny_stance).spec
    h = torch.randn(4, tiny_stance.model.config.hidden_size)
    layer = tiny_stance.model.classifier
    want = torch.softmax(layer(h) / spec.temperature + torch.tensor(spec.bias_vector()), -1)
    fold_calibration(tiny_stance.model, spec)
    assert torch.allclose(torch.softmax(layer(h), -1), want, atol=1e-6)


def _source_with_card(tmp_path: Path, clf: Classifier) -> Path:
    folder = clf.save_pretrained(tmp_path / "tiny-stance", compact=False)
    row = {"label": "semeval2016:test", "dataset": "semeval2016", "split": "test", "n": 1249, "accuracy": 0.7,
           "macro_f1": 0.6, "headline": "f_avg", "value": 0.65, "groups": []}  # fmt: skip
    card = CardData(
        name="tiny-stance",
        summary="A tiny stance model.",
        task="stance",
        backbone="minilm-l6",
        base_model="sentence-transformers/all-MiniLM-L6-v2",
        datasets=["semeval2016", "vast"],
        test=[row],
    )
    write_card(folder, card)
    return folder


def test_card_header_is_read_by_huggingface_hub(tmp_path: Path, tiny_stance: Classifier) -> None:
    source = _source_with_card(tmp_path, _calibrated(tiny_stance))
    out = stancekit.load(source, device="cpu", dtype="float32").export(tmp_path / "tiny-stance-hf")
    card = ModelCard.load(out / "README.md")
    meta = card.data
    assert meta.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta.datasets == ["semeval2016", "vast"]
    assert meta.license == "mit"
    assert meta.library_name == "transformers" and meta.pipeline_tag == "text-classification"
    assert "model-index" in meta.to_dict()
    found = {(r.dataset_type, r.metric_type): r.metric_value for r in meta.eval_results}
    assert found[("semeval2016", "f_avg")] == pytest.approx(65.0)
    text = card.text
    assert '{"text": "CSTO", "text_pair": "Armenia might leave the CSTO, Pashinyan said."}' in text
    assert "temperature: 1.7" in text and "favor +0.8, none -1.2" in text
    assert "no n-gram experts" in text


def test_card_names_the_experts_and_drops_their_scores(tmp_path: Path, tiny_stance: Classifier) -> None:
    source = _source_with_card(tmp_path, tiny_stance)
    clf = stancekit.load(source, device="cpu", dtype="float32", experts=False)
    (source / "ngram.json").write_text(json.dumps({"experts": [{"target": "Atheism"}, {"target": "Joe Biden"}]}))
    card = ModelCard.load(clf.export(tmp_path / "hf") / "README.md")
    assert "Atheism, Joe Biden" in card.text
    assert "model-index" not in card.data.to_dict()  # measured with the experts: not this folder's scores
    assert card.data.base_model == "sentence-transformers/all-MiniLM-L6-v2"


def test_card_of_an_entity_marker_holder_model(tmp_path: Path, tiny_stance: Classifier) -> None:
    tiny_stance.spec = ModelSpec.from_dict({**tiny_stance.spec.to_dict(), "uses_holder": True, "entity_markers": True})
    text = ModelCard.load(tiny_stance.export(tmp_path / "hf") / "README.md").text
    item = tiny_stance.item("Armenia might leave the CSTO, Pashinyan said.", "CSTO", {"Armenia": ["Pashinyan"]})
    assert json.dumps({"text": item[1], "text_pair": item[0]}) in text
    assert '"text": "Armenia [SEP] CSTO"' in text and "<< Pashinyan >>" in text and "[[ CSTO ]]" in text
    assert "mark_entities" in text


def test_export_refuses_a_non_empty_folder_and_its_own(tmp_path: Path, tiny_stance: Classifier) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "delta.safetensors").write_text("stale")
    with pytest.raises(OutputExistsError, match="force"):
        tiny_stance.export(out)
    tiny_stance.export(out, force=True)
    assert not (out / "delta.safetensors").exists()
    source = tiny_stance.save_pretrained(tmp_path / "src", compact=False)
    loaded = stancekit.load(source, device="cpu", dtype="float32")
    with pytest.raises(ConfigError, match="own folder"):
        loaded.export(source)


def test_cli_export(tmp_path: Path, tiny_stance_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hf"
    assert main(["export", str(tiny_stance_dir), str(out)]) == 0
    assert (out / "model.safetensors").is_file() and (out / "README.md").is_file()
    assert "wrote a Hugging Face folder" in capsys.readouterr().out
    assert main(["export", str(tiny_stance_dir), str(out)]) == 2
    assert "--force" in capsys.readouterr().err


# ------------------------------------------------------------------------------------- plain Hugging Face folders


def _plain(tmp_path: Path, clf: Classifier, labels: list[str], **config: object) -> Path:
    """``clf``'s network saved by transformers alone, with ``labels`` as its id2label (no stancekit block)."""
    model = clf.model
    model.config.id2label = dict(enumerate(labels))
    model.config.label2id = {name: i for i, name in enumerate(labels)}
    for key, value in config.items():
        setattr(model.config, key, value)
    out = tmp_path / "plain"
    model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    raw = json.loads((out / "config.json").read_text())
    raw.pop("stancekit", None)
    (out / "config.json").write_text(json.dumps(raw))
    return out


def _network_proba(folder: Path, first: list[str] | None, texts: list[str]) -> np.ndarray:
    model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    batch = tokenizer(*((first, texts) if first else (texts,)), padding=True, return_tensors="pt")
    with torch.no_grad():
        return model(**batch).logits.softmax(-1).numpy()


def test_plain_stance_folder_labels_and_task_from_id2label(tmp_path: Path, tiny_stance: Classifier) -> None:
    folder = _plain(tmp_path, tiny_stance, ["FAVOR", "Against", "none"])
    clf = stancekit.load(folder, device="cpu", dtype="float32")
    assert clf.task == "stance" and clf.labels == ("favor", "against", "none")
    assert clf.spec.max_length == 128  # max_position_embeddings (the tiny tokenizer has no limit of its own)
    texts, targets = TEXTS[:4], TARGETS[:4]
    got = clf.predict_proba(texts, targets=targets)
    assert np.abs(got - _network_proba(folder, targets, texts)).max() <= 1e-5


def test_plain_sentiment_folder(tmp_path: Path, tiny_sentiment: Classifier) -> None:
    folder = _plain(tmp_path, tiny_sentiment, ["positive", "negative", "NEUTRAL"])
    clf = stancekit.load(folder, device="cpu", dtype="float32")
    assert clf.task == "sentiment" and clf.labels == ("positive", "negative", "neutral")
    assert np.abs(clf.predict_proba(TEXTS) - _network_proba(folder, None, TEXTS)).max() <= 1e-5


def test_plain_folder_with_generic_labels_needs_the_task(tmp_path: Path, tiny_sentiment: Classifier) -> None:
    folder = _plain(tmp_path, tiny_sentiment, ["LABEL_0", "LABEL_1", "LABEL_2"])
    with pytest.raises(ConfigError, match="task='stance' or task='sentiment'"):
        stancekit.load(folder, device="cpu")
    clf = stancekit.load(folder, device="cpu", dtype="float32", task="sentiment")
    assert clf.task == "sentiment" and clf.labels == ("LABEL_0", "LABEL_1", "LABEL_2")
    assert clf.predict("a great treaty") in clf.labels


def test_plain_folder_task_must_agree(tmp_path: Path, tiny_stance: Classifier) -> None:
    folder = _plain(tmp_path, tiny_stance, ["against", "favor", "none"])
    with pytest.raises(ConfigError, match="stance labels, not sentiment"):
        stancekit.load(folder, device="cpu", task="sentiment")


def test_plain_folder_must_be_sequence_classification(tmp_path: Path, tiny_stance: Classifier) -> None:
    folder = _plain(tmp_path, tiny_stance, ["against", "favor", "none"])
    raw = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**raw, "architectures": ["BertModel"]}))
    with pytest.raises(ModelNotFoundError, match="sequence-classification"):
        stancekit.load(folder, device="cpu")


def test_plain_folder_keeps_the_load_checks(tmp_path: Path, tiny_stance: Classifier) -> None:
    folder = _plain(tmp_path, tiny_stance, ["against", "favor", "none"])
    weights = load_file(str(folder / "model.safetensors"))
    weights["classifier.weight"][0, 0] = float("nan")
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ModelLoadError, match="not finite"):
        stancekit.load(folder, device="cpu")
