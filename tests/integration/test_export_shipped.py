"""Each shipped model exported to a plain Hugging Face folder: ``pipeline("text-classification")`` on the export,
fed as its card says, gives stancekit's network-path probabilities (float32, CPU, no n-gram experts) on 200 varied
rows (news probes with their holders and aliases, the seed article's sentences, a few over-long rows)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from huggingface_hub import ModelCard
from transformers import pipeline

import stancekit
from stancekit.core.text import Target, split_sentences
from tests.conftest import REPO, shipped

pytestmark = pytest.mark.integration

ROWS = 200
MODELS = {"stance": "stance-minilm", "sentiment": "sentiment-minilm", "directed": "directed-minilm"}


def _rows() -> list[tuple[str, Target, Target | None]]:
    """200 (text, target, holder) rows: the news probes (every other one without its holder), the seed article's
    sentences against its targets, and over-long rows (longer than 256 tokens, so truncated)."""
    rows: list[tuple[str, Target, Target | None]] = []
    with (REPO / "tests/fixtures/news_probes.jsonl").open(encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            probe = json.loads(line)
            target = Target(probe["target"], tuple(probe.get("target_aliases") or ()))
            holder = Target(probe["holder"], tuple(probe.get("holder_aliases") or ())) if i % 2 == 0 else None
            rows.append((probe["text"], target, holder))
    aliases = yaml.safe_load((REPO / "seeds/armenia-csto-targets.yaml").read_text(encoding="utf-8"))
    targets = [Target(name, tuple(terms or ())) for name, terms in aliases["targets"].items()]
    armenia = Target("Armenia", ("Pashinyan", "Yerevan", "Armenian"))
    sentences = split_sentences((REPO / "seeds/armenia-csto-news.txt").read_text(encoding="utf-8"))
    for i, (sentence, target) in enumerate((s, t) for s in sentences for t in targets):  # every sentence x target
        rows.append((sentence, target, armenia if i % 3 else None))
    probes = rows[:114]
    for i in range(ROWS - 4 - len(rows)):  # probes against another probe's target (one they do not mention)
        text, _, holder = probes[i]
        rows.append((text, probes[-1 - i][1], holder))
    long_text = " ".join(sentences)
    for i in range(4):
        rows.append((long_text[i * 40 :], targets[i % len(targets)], armenia if i % 2 else None))
    assert len(rows) == ROWS
    return rows


@pytest.mark.parametrize("name", list(MODELS))
def test_export_gives_the_network_path_probabilities(name: str, tmp_path: Path) -> None:
    if not (shipped(MODELS[name]) / "config.json").is_file():
        pytest.skip(f"models/{MODELS[name]} not present")
    clf = stancekit.load(name, device="cpu", dtype="float32", experts=False)
    out = clf.export(tmp_path / f"{MODELS[name]}-hf")
    rows = _rows()
    texts = [text for text, _, _ in rows]
    if clf.task == "sentiment":
        scores = clf.predict_scores(texts)
        inputs: list = texts
    else:
        targets = [target for _, target, _ in rows]
        holders = [holder for _, _, holder in rows] if clf.spec.uses_holder else None
        scores = clf.predict_scores(texts, targets=targets, holders=holders)
        # as the card says: text = the target (or "holder [SEP] target"), text_pair = the (marked) sentence
        inputs = [{"text": first, "text_pair": text} for text, first in clf.items(texts, targets, holders)]
    assert scores.truncated.sum() >= 4

    pipe = pipeline("text-classification", model=str(out), top_k=None, device="cpu")
    results = pipe(inputs, truncation=True, batch_size=16)
    got = np.array([[{d["label"]: d["score"] for d in row}[label] for label in clf.labels] for row in results])
    assert np.abs(got - scores.values).max() <= 1e-5

    card = ModelCard.load(out / "README.md")
    assert card.data.base_model == "sentence-transformers/all-MiniLM-L6-v2" and card.data.license
    assert card.data.datasets
    if clf.spec.entity_markers:
        assert "<< Armenia >>" in card.text and "[[ CSTO ]]" in card.text
    if (shipped(MODELS[name]) / "ngram.json").is_file():
        assert "n-gram experts" in card.text and "Atheism" in card.text
