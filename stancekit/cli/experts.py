"""``stancekit experts``: fit per-target n-gram experts for a stance model; ``--write`` stores them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stancekit.cli._util import add_load_options, load_options, positive_int
from stancekit.fitting.experts import fit_experts

DESCRIPTION = (
    "Fits one TF-IDF + linear SVM per target of the recipe's training sources that has enough rows, chooses the "
    "weight of their scores against the network on the recipe's validation sources (never a test split), prints "
    "the validation scores, and with --write stores ngram.json + ngram.safetensors in the model folder (and the "
    "report in its metrics.json). See stancekit/model/experts.py."
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("experts", help="fit per-target n-gram (TF-IDF + SVM) experts for a stance model",
                       description=DESCRIPTION)  # fmt: skip
    p.add_argument("--model", required=True, help="a stance model folder (or a shipped name)")
    p.add_argument("--recipe", type=Path, help="training recipe (default: the model's training_config.yaml)")
    p.add_argument(
        "--min-rows", type=positive_int, default=200, help="fewest training rows a target needs (default 200)"
    )
    p.add_argument("--max-features", type=positive_int, default=10_000, help="n-grams kept per expert (default 10000)")
    p.add_argument("--write", action="store_true", help="store the experts in the model folder")
    add_load_options(p)


def run(args: argparse.Namespace) -> int:
    report = fit_experts(
        args.model, args.recipe, min_rows=args.min_rows, max_features=args.max_features, write=args.write,
        options=load_options(args).replace(experts=False), progress=sys.stderr.isatty(),
    )  # fmt: skip
    print(json.dumps(report, indent=2))
    if args.write:
        print(f"wrote n-gram experts (weight {report['weight']:g}) to the model folder; re-run the test evaluation")
    return 0
