"""``stancekit calibrate``: fit a model's temperature (or label bias) on validation data; ``--write`` stores it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from stancekit.cli._util import add_load_options, load_options
from stancekit.fitting.calibration import calibrate, calibrate_bias

DESCRIPTION = (
    "Without --bias: fits the network's temperature (its n-gram experts, if any, carry their own and are left out) "
    "that minimises the negative log-likelihood on the validation rows, written only if it lowers their expected "
    "calibration error (labels never change). With --bias: fits per-label logit offsets that maximise the mean of "
    "each corpus's headline metric on the validation rows, written only if that mean rises; a prior correction, so "
    "labels can change. Fit the temperature first. Held-out splits (test, GLUE dev) are refused."
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("calibrate", help="fit a temperature (or, with --bias, a label bias); --write stores it",
                       description=DESCRIPTION)  # fmt: skip
    p.add_argument("--model", required=True, help="stance, sentiment, directed or a model folder")
    p.add_argument("--dataset", action="append", required=True, help="registered corpus (repeatable)")
    p.add_argument("--split", default="validation", help="split of every --dataset (default: validation)")
    p.add_argument("--write", action="store_true", help="store the fitted value in the model's config.json")
    p.add_argument("--bias", action="store_true", help="fit the label bias instead of the temperature")
    add_load_options(p)


def run(args: argparse.Namespace) -> int:
    fit = calibrate_bias if args.bias else calibrate
    sources = [(d, args.split) for d in args.dataset]
    result = fit(args.model, sources, write=args.write, options=load_options(args), progress=sys.stderr.isatty())
    print(json.dumps(result, indent=2))
    if args.write and args.bias:
        print(
            f"wrote label_bias {result['label_bias']} to the model's config.json (+{100 * result['gain']:.2f} points "
            "on validation)" if result["written"]
            else "not written: no label bias raises the validation score (any stored bias is removed)"
        )  # fmt: skip
    elif args.write:
        print(
            f"wrote temperature {result['temperature']:.4f} to the model's config.json" if result["written"]
            else "not written: the fitted temperature does not lower the expected calibration error"
        )  # fmt: skip
    return 0
