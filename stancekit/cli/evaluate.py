"""``stancekit evaluate``: score a model on a registered split."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stancekit.cli._util import add_load_options, load_model
from stancekit.fitting.evaluation import evaluate_classifier
from stancekit.io.paths import check_output_file


def add_parser(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="score a model on a registered test split")
    p.add_argument("--model", required=True, help="stance, sentiment, directed or a model folder")
    p.add_argument("--dataset", required=True, help="registered corpus (see `stancekit datasets`)")
    p.add_argument("--split", default="test")
    p.add_argument("--json", type=Path, help="write the whole result here (overwritten if it exists)")
    add_load_options(p)


def run(args: argparse.Namespace) -> int:
    if args.json:
        check_output_file(args.json, force=True, what="--json file")  # before the model is loaded and run
    result = evaluate_classifier(load_model(args, args.model), args.dataset, args.split, progress=sys.stderr.isatty())
    result["model"] = args.model
    print(json.dumps({k: result[k] for k in ("model", "dataset", "split", "n", "metrics")}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0
