"""``stancekit datasets``: list the registered corpora."""

from __future__ import annotations

import argparse
from typing import Any

from stancekit.data import DATASETS


def add_parser(sub: Any) -> None:
    sub.add_parser("datasets", help="list the registered corpora and their splits")


def run(args: argparse.Namespace) -> int:
    for name, info in sorted(DATASETS.items()):
        print(f"{name:22} {info.task:9} splits: {', '.join(info.splits):35} {info.description}")
    return 0
