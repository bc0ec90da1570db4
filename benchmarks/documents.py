"""Document verdicts: FNC-1 (and ARC) article bodies judged against their headline, read sentence by sentence.

    STANCEKIT_DATA=../shared/data python benchmarks/documents.py [--model directed] [--corpora fnc1 arc]

Choices (the relevance gate, the rule's thresholds, the learned aggregator's regularisation) are made on the
validation split (10% of the training bodies); the competition test split is scored once. Writes
``benchmarks/results/documents-<model>.json`` and prints the table of benchmarks/README.md. The model runs with its
default precision (bfloat16 autocast where the CPU multiplies bf16 natively: labels agree with float32 on
99.8-99.9% of rows, benchmarks/README.md "Speed"), since the test split alone is ~100k sentence x headline pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stancekit.core.hardware import cpu_flags
from stancekit.core.provenance import git_commit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import RESULTS, documents_table, run_documents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="directed")
    parser.add_argument("--corpora", nargs="+", default=["fnc1"], choices=["fnc1", "arc"])
    parser.add_argument("--train-per-class", type=int, default=500, help="training pairs per class for the aggregator")
    args = parser.parse_args(argv)
    # the default precision (bfloat16 where the CPU multiplies it natively): the test split alone is ~150k pairs
    docs = run_documents(args.model, args.corpora, dtype="auto", train_per_class=args.train_per_class)
    out: dict = {"model": args.model, "commit": git_commit(__file__), "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                 "dtype": docs[args.corpora[0]]["dtype"], "cpu_flags": sorted(cpu_flags()), **docs}  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"documents-{args.model}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(documents_table(args.model, {c: out[c] for c in args.corpora}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
