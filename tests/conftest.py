"""Fixtures: a tiny randomly initialised BERT built here (no network, no downloads), and data-folder skips."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

from stancekit.model.classifier import Classifier
from stancekit.model.spec import ModelSpec

REPO = Path(__file__).resolve().parent.parent
WORDS = [
    "the",
    "a",
    "is",
    "of",
    "to",
    "and",
    "in",
    "for",
    "on",
    "with",
    "not",
    "armenia",
    "russia",
    "csto",
    "moscow",
    "leave",
    "might",
    "said",
    "will",
    "good",
    "bad",
    "great",
    "terrible",
    "love",
    "hate",
    "support",
    "oppose",
    "war",
    "peace",
    "treaty",
    "bloc",
    "west",
]


def _vocab(tmp: Path) -> Path:
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += list(string.ascii_lowercase) + list(string.digits) + list(string.punctuation)
    tokens += [f"##{c}" for c in string.ascii_lowercase + string.digits]
    tokens += WORDS
    path = tmp / "vocab.txt"
    path.write_text("\n".join(dict.fromkeys(tokens)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Exported ONNX networks go to a folder of this test run, not the user's ~/.cache."""
    os.environ["STANCEKIT_CACHE"] = str(tmp_path_factory.mktemp("stancekit-cache"))


#: Texts for the tiny model with a long one (truncated at 32 tokens), in an order the length sort changes.
MIXED = [
    "armenia might leave the csto",
    "peace",
    "russia said the treaty is a great bloc for peace and war is bad " * 4,  # long: truncated at 32 tokens
    "the west will support armenia",
    "bad",
    "moscow hate the csto treaty, armenia said",
] * 5


def make_tiny(
    tmp: Path, task: str = "stance", max_length: int = 32, seed: int = 0, backend: str = "auto"
) -> Classifier:
    """A 2-layer, 32-wide BERT with random weights and a real (tiny) WordPiece tokenizer."""
    torch.manual_seed(seed)
    # `vocab=`: transformers 5 ignores `vocab_file=` here and would build a 5-token tokenizer (every word [UNK]).
    tokenizer = BertTokenizerFast(vocab=str(_vocab(tmp)), do_lower_case=True)
    spec = ModelSpec(task=task, max_length=max_length)  # type: ignore[arg-type]
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=len(spec.labels),
        id2label=dict(enumerate(spec.labels)),
        label2id={name: i for i, name in enumerate(spec.labels)},
    )
    model = BertForSequenceClassification(config)
    # Larger random weights so that different inputs give clearly different probabilities.
    with torch.no_grad():
        model.classifier.weight.normal_(0, 2.0)
    return Classifier(model.eval(), tokenizer, spec, device="cpu", dtype="float32", backend=backend)


@pytest.fixture
def tiny_stance(tmp_path: Path) -> Classifier:
    return make_tiny(tmp_path, "stance")


@pytest.fixture
def tiny_sentiment(tmp_path: Path) -> Classifier:
    return make_tiny(tmp_path, "sentiment")


@pytest.fixture
def tiny_stance_dir(tmp_path: Path, tiny_stance: Classifier) -> Path:
    return tiny_stance.save_pretrained(tmp_path / "tiny-stance", compact=False)


@pytest.fixture
def tiny_sentiment_dir(tmp_path: Path, tiny_sentiment: Classifier) -> Path:
    return tiny_sentiment.save_pretrained(tmp_path / "tiny-sentiment", compact=False)


def data_dir() -> Path | None:
    raw = os.environ.get("STANCEKIT_DATA")
    return Path(raw) if raw and Path(raw).is_dir() else None


requires_data = pytest.mark.skipif(
    data_dir() is None, reason="corpora not available: set STANCEKIT_DATA to the shared data folder"
)


def shipped(name: str) -> Path:
    return REPO / "models" / name


requires_models = pytest.mark.skipif(
    not (shipped("stance-minilm") / "config.json").is_file()
    or not (shipped("sentiment-minilm") / "config.json").is_file(),
    reason="shipped models not present in models/",
)
