"""Add the news sections to the directed model's card: its pipeline, the document verdicts (FNC-1), the
hand-written probes before and after, the entity-marker A/B, and what is not reached.

    python benchmarks/news_card.py   # after benchmarks/documents.py and the runs of experiments/entity-markers/

Reads benchmarks/results/documents-directed.json, probes-before.json, probes-after.json and the two A/B runs'
metrics.json (runs/), and rewrites models/directed-minilm/README.md through the one card writer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from stancekit.fitting.card import card_data_from_training, write_card
from stancekit.fitting.config import TrainingConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import REPO, RESULTS, documents_table, probes_table

FOLDER = REPO / "models" / "directed-minilm"
PIPELINE = """Three stages, `recipes/directed-minilm/` (`make models-directed`; wall times in `recipes/README.md`):

1. `01-directed-markers.yaml`: from the shipped stance model, directed-news train with entity markers, each
   sentence asked in both directions; "none" rows x0.4, the rare stance of the second-named entity toward the
   first x5; two passes.
2. `02-news-mix.yaml`: from 01, directed-news again plus NewsMTSC, SEN (researcher + crowd train), SEntFiN x0.4,
   Emergent, Perspectrum x0.5, SemEval-2016 and VAST x0.4 (UKP sentential is left out, so its test split is a
   cross-topic test on eight unseen topics); one pass.
3. `03-news-semantics.yaml` (this folder's `training_config.yaml`): from 02, the synthetic wire-copy templates
   (`news-templates`, `stancekit/data/templates.py`: joining vs leaving, hedged and negated membership, refused
   requests, accusations and praise in both directions, third parties, neutral reports; split by template), the
   directed-news rows with absent-holder copies labelled none, and the real corpora replayed; one pass, lr 2e-5.

Every stage is selected on validation splits only; the test splits below were scored once, after training."""


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _ab_section() -> str | None:
    marked = _load(REPO / "runs/directed-minilm/01-directed-markers/metrics.json")
    plain = _load(REPO / "runs/experiments/entity-markers/unmarked/metrics.json")
    if marked is None or plain is None:
        return None
    rows = ["| input | 5-class macro-F1 | micro-F1 | mAP | 3-class macro-F1 | F_avg ent1->ent2 | F_avg ent2->ent1 |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, m in (("unmarked (holder [SEP] target only)", plain), ("entity markers", marked)):
        t = m["test"]["directed-news:test"]
        f, g = t["five_class"], t["groups"]
        cells = [f["macro_f1"], f["accuracy"], f["mean_average_precision"], t["metrics"]["macro_f1"]]
        cells += [g["ent1->ent2"]["f_avg"], g["ent2->ent1"]["f_avg"]]
        rows.append(f"| {name} | " + " | ".join(f"{100 * c:.1f}" for c in cells) + " |")
    return (
        "Stage 01 and its twin without markers (`experiments/entity-markers/`), identical otherwise; directed-news "
        "test, percentages:\n\n" + "\n".join(rows)
    )


def main() -> int:
    config = TrainingConfig.from_yaml(FOLDER / "training_config.yaml")
    metrics = json.loads((FOLDER / "metrics.json").read_text(encoding="utf-8"))
    data = card_data_from_training(
        FOLDER, config, metrics, "stancekit train recipes/directed-minilm/03-news-semantics.yaml"
    )
    data.sections.insert(0, ("Pipeline", PIPELINE))
    ab = _ab_section()
    if ab:
        data.sections.append(("Entity markers: what they are worth", ab))
    docs = _load(RESULTS / "documents-directed.json")
    if docs:
        corpora = {k: v for k, v in docs.items() if isinstance(v, dict) and "learned" in v}
        data.sections.append((
            "Documents: FNC-1, a body's stance toward its headline",
            "Every body split into sentences and every sentence embedded for its relevance to the headline; the "
            "stance of every sentence of the bodies through the relevance gate read by this model "
            "(`benchmarks/documents.py`, `stancekit.fitting.documents`). Choices on FNC-1 validation (10% of the "
            "training bodies), the competition test scored once:\n\n" + documents_table("directed", corpora),
        ))  # fmt: skip
    before, after = _load(RESULTS / "probes-before.json"), _load(RESULTS / "probes-after.json")
    if before and after:
        table = probes_table(
            {"before (the previous directed model)": before["directed"], "this model": after["directed"]}
        )
        data.sections.append((
            "Hand-written news probes",
            "114 news-style sentences with holder, target, expected stance and category "
            "(`tests/fixtures/news_probes.jsonl`), written before this model was trained and never used to train, "
            "select or tune it; accuracy %, aliases given as in the fixture:\n\n" + table,
        ))  # fmt: skip
    write_card(FOLDER, data)
    print(f"wrote {FOLDER / 'README.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
