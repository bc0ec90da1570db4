"""``stancekit datasets``: list the registered corpora."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stancekit.data import DATASETS


def add_parser(sub: Any) -> None:
    p = sub.add_parser("datasets", help="list the registered corpora and their splits")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of {name, task, splits, held_out, metric, description}")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.json:
        rows = [
            {"name": name, "task": info.task, "splits": list(info.splits),
             "held_out": [s for s in info.splits if info.held_out(s)], "metric": info.headline,
             "description": info.description}
            for name, info in sorted(DATASETS.items())
        ]  # fmt: skip
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for name, info in sorted(DATASETS.items()):
        print(f"{name:22} {info.task:9} splits: {', '.join(info.splits):35} {info.description}")
    return 0
