"""Write the golden files that pin the shipped models' behaviour across refactors (run from the repo root).

    .venv/bin/python tests/golden/make_golden.py

It records, in float32: ``predict_proba`` of each shipped model on a fixed 200-row sample (sample.json), the
output of ``score_file`` on a fixed CSV (score-input.csv -> score-output.csv), and the ``analyze`` table of the
seed article (analyze-seed.csv). ``tests/integration/test_golden.py`` compares the current code with them. The
files were written before the package was re-layered, so they are the behaviour the re-layering had to keep.
"""

from __future__ import annotations

import itertools
import json
import platform
import sys
from pathlib import Path
from typing import Any

import torch

import stancekit
from stancekit.scoring import score_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SUBJECTS = ["Armenia", "Russia", "The government", "Pashinyan", "Moscow"]
VERBS = ["supports", "condemns", "might leave", "praised", "is displeased with"]
OBJECTS = ["the CSTO", "the West", "Azerbaijan", "the treaty"]
TAILS = [".", ", officials said.", " after the summit.", " and called for peace talks."]
TARGETS = ["CSTO", "Russia", "the West", "Azerbaijan"]


def sample() -> dict[str, list]:
    """200 rows: templated news-like sentences, a few odd ones (an over-long text, punctuation only), targets
    and holders cycling through fixed lists (holders None on every fifth row)."""
    texts = [f"{s} {v} {o}{t}" for s, v, o, t in itertools.product(SUBJECTS, VERBS, OBJECTS, TAILS)][:196]
    texts += ["?!", "war " * 400, "Peace.", "I love this great treaty, but I hate the war"]
    targets = [TARGETS[i % len(TARGETS)] for i in range(len(texts))]
    holders = [None if i % 5 == 0 else SUBJECTS[(i // 3) % 2] for i in range(len(texts))]
    return {"texts": texts, "targets": targets, "holders": holders}


def cpu_signature() -> dict[str, str]:
    """What float32 results depend on besides the code: the CPU's instruction set and the library versions."""
    return {
        "machine": platform.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
    }


def model_proba(name: str, rows: dict[str, list]) -> list[list[float]]:
    clf = stancekit.load(name, dtype="float32")
    if name == "sentiment":
        proba = clf.predict_proba(rows["texts"])
    elif name == "directed":
        proba = clf.predict_proba(rows["texts"], targets=rows["targets"], holders=rows["holders"])
    else:
        proba = clf.predict_proba(rows["texts"], targets=rows["targets"])
    return proba.tolist()


def main() -> int:
    rows = sample()
    (HERE / "sample.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    proba = {name: model_proba(name, rows) for name in ("stance", "sentiment", "directed")}
    record = {"signature": cpu_signature(), "proba": proba}
    (HERE / "proba.json").write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = HERE / "score-output.csv"
    score_file(stancekit.load("sentiment", dtype="float32"), HERE / "score-input.csv", out, progress=False, force=True)
    analyze_seed().to_csv(HERE / "analyze-seed.csv", index=False)
    print(f"wrote golden files to {HERE} on {record['signature']}")
    return 0


def analyze_seed() -> Any:
    """The demo's analysis of the seed article (Armenia, with the holder aliases of the seed's alias file, toward
    its targets), in float32."""
    from stancekit.core.text import merge_holder, read_alias_file

    aliases = REPO / "seeds" / "armenia-csto-targets.yaml"
    seed = (REPO / "seeds" / "armenia-csto-news.txt").read_text(encoding="utf-8")
    return stancekit.analyze(
        seed,
        read_alias_file(aliases),
        holder=merge_holder(aliases, "Armenia"),
        model=stancekit.load("directed", dtype="float32"),
        sentiment=stancekit.load("sentiment", dtype="float32"),
    )


if __name__ == "__main__":
    sys.exit(main())
