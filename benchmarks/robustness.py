"""Robustness to target wording: the same SemEval-2016 test tweets scored with paraphrased targets.

    STANCEKIT_DATA=../shared/data python benchmarks/robustness.py [--model stance]

For every test tweet, the label under each paraphrase of its target ("Hillary Clinton" -> "Clinton",
"Secretary Clinton", ...) is compared with the label under the original wording. Reported: the share of rows
whose label changes, per paraphrase, per target, and over all (row, paraphrase) pairs; and the share of rows
that some paraphrase changes. Writes ``benchmarks/results/robustness-<model>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import stancekit
from stancekit.core.provenance import git_commit
from stancekit.data import load_dataset

RESULTS = Path(__file__).resolve().parent / "results"

#: Wordings a person could use for each SemEval-2016 Task A target (the original comes first, implicitly).
PARAPHRASES: dict[str, list[str]] = {
    "Hillary Clinton": ["Clinton", "Secretary Clinton", "Hillary"],
    "Legalization of Abortion": ["abortion", "legal abortion", "abortion rights"],
    "Atheism": ["atheism", "atheists", "being an atheist"],
    "Climate Change is a Real Concern": ["climate change", "global warming", "climate change is real"],
    "Feminist Movement": ["feminism", "feminists", "the feminist movement"],
}


def run(model: str, experts: bool = True) -> dict[str, Any]:
    clf = stancekit.load(model, dtype="float32", experts=experts)  # the reference precision, as accuracy.py
    test = load_dataset("semeval2016", "test")
    texts, targets = test["text"], test["target"]
    original = clf.predict_proba(texts, targets=targets, progress=sys.stderr.isatty()).argmax(1)
    out: dict[str, Any] = {
        "model": model,
        "commit": git_commit(__file__),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "dataset": "semeval2016:test",
        # n-gram experts (stancekit/ngram.py) fire on the targets they were fitted for (and their recipe aliases),
        # not on the paraphrases below, which the network scores alone
        "experts": clf.experts.targets if clf.experts is not None else None,
        "experts_weight": clf.experts.weight if clf.experts is not None else None,
        "paraphrases": PARAPHRASES,
        "targets": {},
    }
    changed_any = np.zeros(len(texts), dtype=bool)
    pairs = flips = 0
    for target, wordings in PARAPHRASES.items():
        rows = np.array([i for i, t in enumerate(targets) if t == target])
        per: dict[str, float] = {}
        for wording in wordings:
            labels = clf.predict_proba([texts[i] for i in rows], targets=wording).argmax(1)
            changed = labels != original[rows]
            changed_any[rows] |= changed
            per[wording] = float(changed.mean())
            pairs += len(rows)
            flips += int(changed.sum())
        out["targets"][target] = {
            "rows": len(rows),
            "changed_by_paraphrase": per,
            "changed_by_any": float(changed_any[rows].mean()),
        }
    out["changed_per_row_and_paraphrase"] = flips / pairs
    out["changed_by_any_paraphrase"] = float(changed_any.mean())
    return out


def table(res: dict[str, Any]) -> str:
    lines = ["| target | paraphrase | rows whose label changes |", "|---|---|---|"]
    for target, entry in res["targets"].items():
        for wording, share in entry["changed_by_paraphrase"].items():
            lines.append(f"| {target} | {wording} | {100 * share:.1f}% |")
        lines.append(f"| {target} | *any of them* | {100 * entry['changed_by_any']:.1f}% |")
    lines.append(f"| **all** | *per (row, paraphrase)* | **{100 * res['changed_per_row_and_paraphrase']:.1f}%** |")
    lines.append(f"| **all** | *any paraphrase* | {100 * res['changed_by_any_paraphrase']:.1f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="stance")
    parser.add_argument("--no-experts", action="store_true", help="score with the network alone (no n-gram experts)")
    args = parser.parse_args(argv)
    res = run(args.model, experts=not args.no_experts)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = Path(args.model).name + ("-no-experts" if args.no_experts else "")
    (RESULTS / f"robustness-{name}.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
