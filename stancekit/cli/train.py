"""``stancekit train``: fine-tune a model from a YAML recipe."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stancekit.fitting.trainer import finish_saved, train


def add_parser(sub: Any) -> None:
    p = sub.add_parser("train", help="fine-tune a model from a YAML recipe (see recipes/)")
    p.add_argument("config", type=Path, help="training recipe, e.g. recipes/sentiment-minilm/03-tweets-pass.yaml")
    p.add_argument(
        "--force", action="store_true",
        help="write into an output_dir that already holds files (an earlier run's are replaced, others kept)",
    )  # fmt: skip
    p.add_argument(
        "--finish", action="store_true",
        help="do not train: score the test splits and write the card of this recipe's run, saved but stopped "
        "before it finished",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.finish:
        print(f"finished {finish_saved(args.config, progress=not args.quiet)}")
        return 0
    print(f"wrote model to {train(args.config, progress=not args.quiet, force=args.force)}")
    return 0
