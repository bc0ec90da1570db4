"""``stancekit soup``: average fine-tuned models' weights (a model soup) from a YAML recipe (``kind: soup``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stancekit.fitting.soup import run_soup

DESCRIPTION = (
    "Writes the model whose network is the element-wise mean of the candidates' weights (method: uniform), or the "
    "greedy soup of them (method: greedy: candidates added best first, each kept only if the validation figure "
    "does not fall), with n-gram experts refitted on the expert recipe and, if asked, the network temperature "
    "fitted on validation data. No test split is read. Recipe keys: kind: soup, method, candidates, output_dir, "
    "expert_recipe, calibrate: {datasets: [...], split: validation}, record."
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("soup", help="average fine-tuned models' weights (a model soup) from a YAML recipe",
                       description=DESCRIPTION)  # fmt: skip
    p.add_argument("config", type=Path, help="soup recipe, e.g. recipes/stance-minilm/11-soup.yaml")


def run(args: argparse.Namespace) -> int:
    print(f"wrote model to {run_soup(args.config, progress=not args.quiet)}")
    return 0
