"""Label agreement of the default precision with float32 on whole test sets (the speed issue's 99.5% bar).

    STANCEKIT_DATA=../shared/data python benchmarks/agreement.py [--dtype D] [--backend B] [--out DIR]

For each shipped model and each test split it supports, scores every row with the default settings
(``stancekit.load(model)``: OpenVINO bfloat16 where the CPU multiplies bf16 natively and OpenVINO is installed,
else ONNX Runtime float32), or with the ``--dtype`` / ``--backend`` given, and with PyTorch ``dtype="float32"``,
and reports how many predicted labels agree, the largest absolute probability difference
and both rates in rows/s. Writes ``agreement-<device>[-<dtype>-<backend>].json`` (with the CPU's class and flags)
to ``--out`` (default ``benchmarks/results``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import speed  # the benchmark suite's hardware description (same folder)

import stancekit
from stancekit.core.provenance import git_commit
from stancekit.data import load_dataset

SETS = {
    "stance": [("semeval2016", "test"), ("pstance", "test"), ("vast", "test")],
    "sentiment": [("tweeteval-sentiment", "test"), ("sst2", "validation")],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--dtype", default="auto", help="the precision compared with float32 (default: auto)")
    parser.add_argument("--backend", default="auto", help="its engine (default: auto)")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"commit": git_commit(__file__), "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    result["hardware"] = speed.hardware(speed.torch.device("cpu"))
    result |= {"default": {}, "sets": []}
    for model, sets in SETS.items():
        default = stancekit.load(model, dtype=args.dtype, backend=args.backend)
        reference = stancekit.load(model, dtype="float32", backend="torch")
        result["default"][model] = {"dtype": str(default.dtype).replace("torch.", ""), "backend": default.backend}
        for name, split in sets:
            ds = load_dataset(name, split)
            texts = list(ds["text"])
            targets = list(ds["target"]) if default.spec.is_pair else None
            t0 = time.perf_counter()
            ref = reference.predict_proba(texts, targets, progress=True)
            t1 = time.perf_counter()
            got = default.predict_proba(texts, targets, progress=True)
            t2 = time.perf_counter()
            row: dict[str, Any] = {
                "model": model,
                "dataset": f"{name}:{split}",
                "rows": len(texts),
                "label_agreement": float((got.argmax(1) == ref.argmax(1)).mean()),
                "max_abs_prob_diff": float(np.abs(got - ref).max()),
                "float32_rows_per_s": len(texts) / (t1 - t0),
                "default_rows_per_s": len(texts) / (t2 - t1),
            }
            result["sets"].append(row)
            print(
                f"{model} {row['dataset']}: {row['rows']} rows, agreement {100 * row['label_agreement']:.2f}%, "
                f"max |dp| {row['max_abs_prob_diff']:.4f}",
                file=sys.stderr,
            )
    device = str(default.device)
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = "" if (args.dtype, args.backend) == ("auto", "auto") else f"-{args.dtype}-{args.backend}"
    path = args.out / f"agreement-{device}{chosen}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
