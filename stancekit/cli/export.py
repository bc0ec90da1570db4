"""``stancekit export``: write a model as a standalone Hugging Face folder that plain ``transformers`` loads."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stancekit.model import load

DESCRIPTION = (
    "Writes MODEL as a plain Hugging Face sequence-classification folder (model.safetensors, config.json with "
    "id2label, tokenizer, README.md model card) that AutoModelForSequenceClassification and "
    'pipeline("text-classification") load offline, without stancekit. The temperature and the label bias are '
    "folded into the classifier layer, so its probabilities are stancekit's network path (experts=False); the "
    "n-gram experts cannot travel and the card says so, and how to feed the (target, text) pairs. "
    "See stancekit/model/export.py."
)
EXAMPLES = """examples:
  stancekit export stance exports/stance-minilm
  stancekit export models/my-stance exports/my-stance --force
  python -c "from transformers import pipeline; print(pipeline('text-classification', model='exports/stance-minilm',
    top_k=None)({'text': 'CSTO', 'text_pair': 'Armenia might leave the CSTO.'}))"
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="write a model as a standalone Hugging Face folder (plain transformers)",
                       description=DESCRIPTION, epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("model", help="stance, sentiment, directed, or a model folder")
    p.add_argument("output", type=Path, help="the folder to write (created; an existing non-empty one needs --force)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    p.add_argument("--task", choices=["stance", "sentiment"], help="task of a plain HF folder whose labels do not say")
    p.add_argument("--allow-pickle", action="store_true", help="load pickle files (they can run code: trusted only)")


def run(args: argparse.Namespace) -> int:
    # float32 on the CPU: the exact weights; the experts are named in the card from the folder, not loaded
    clf = load(args.model, device="cpu", dtype="float32", backend="torch", experts=False,
               allow_pickle=args.allow_pickle, task=args.task)  # fmt: skip
    out = clf.export(args.output, force=args.force)
    print(f"wrote a Hugging Face folder to {out}: AutoModelForSequenceClassification.from_pretrained({str(out)!r})")
    return 0
