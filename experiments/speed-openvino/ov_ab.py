"""Interleaved A/B timing of engine settings on one machine (rounds alternate methods, so drift hits all alike).

    STANCEKIT_DATA=../shared/data python experiments/speed-openvino/ov_ab.py [--rounds 5] [--rows 1024]

Each round scores the whole workload once with every method, in a rotated order; rows/s per method is the median
over rounds, and each ratio is the median of per-round ratios against the float32 HF pipeline of the same round.
Writes results/ab-<cpu class>.json beside this file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speed

import stancekit

METHODS: dict[str, dict[str, Any]] = {
    "torch bf16 autocast": {"dtype": "bfloat16", "backend": "torch"},
    "openvino bf16 (1,024 tokens)": {"dtype": "bfloat16", "backend": "openvino"},
    "openvino bf16 (2,048 tokens)": {"dtype": "bfloat16", "backend": "openvino", "max_tokens": 2048},
    "openvino bf16 (512 tokens)": {"dtype": "bfloat16", "backend": "openvino", "max_tokens": 512},
    "openvino bf16 (4,096 tokens)": {"dtype": "bfloat16", "backend": "openvino", "max_tokens": 4096},
    "openvino int8": {"dtype": "int8", "backend": "openvino"},
    "onnx int8": {"dtype": "int8", "backend": "onnx"},
    "onnx f32": {"dtype": "float32", "backend": "onnx"},
    "openvino f32": {"dtype": "float32", "backend": "openvino"},
    "openvino bf16, experts inline": {"dtype": "bfloat16", "backend": "openvino", "inline": True},
}


def inline_fn(clf: Any) -> Any:
    """The path before the experts moved to a thread: the network's window first, then the experts on it."""
    from stancekit.model.head import head_proba

    def run(texts: list[str], targets: list[str] | None) -> np.ndarray:
        items = [clf.item(t, g) for t, g in zip(texts, targets)] if targets else [(t, None) for t in texts]
        parts, start = [], 0
        for part in clf._iter_logits(iter(items), progress=False, total=len(items)):
            rows = items[start : start + len(part.values)]
            start += len(rows)
            firsts = [g for _, g in rows]
            parts.append(head_proba(part.values, clf.spec, clf.experts, [t for t, _ in rows], firsts))
        return np.concatenate(parts)

    return run


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--rows", type=int, default=1024)
    p.add_argument("--models", nargs="+", default=["stance", "sentiment"])
    p.add_argument("--methods", nargs="+", default=list(METHODS))
    p.add_argument("--tag", default="", help="suffix of the result file's name")
    args = p.parse_args()
    device = torch.device("cpu")
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "hardware": speed.hardware(device), "models": {}}
    out["roofline"] = {
        "matmul_gflops_float32": speed.matmul_gflops(torch.float32, device, 2.0),
        "matmul_gflops_bfloat16": speed.matmul_gflops(torch.bfloat16, device, 2.0),
    }
    for name, work in speed.workloads(args.rows):
        if name not in args.models:
            continue
        ref = stancekit.load(name, dtype="float32", backend="torch")
        pipe = speed.pipeline_fn(ref, device)
        refp = ref.predict_proba(work.texts, targets=work.targets)
        runners = {"pipeline": pipe}
        for m in args.methods:
            opts = dict(METHODS[m])
            budget = {k: opts.pop(k) for k in ("max_tokens",) if k in opts}
            inline = opts.pop("inline", False)
            clf = stancekit.load(name, **opts)
            for k, v in budget.items():
                setattr(clf, k, v)
            if inline and clf.experts is None:
                continue  # no experts (sentiment): nothing to compare
            runners[m] = inline_fn(clf) if inline else speed.core_fn(clf)
        agree = {}
        for m, fn in runners.items():  # warm-up pass (conversion, shapes) and agreement
            got = fn(work.texts, work.targets)
            agree[m] = float((got.argmax(1) == refp.argmax(1)).mean())
        rates: dict[str, list[float]] = {m: [] for m in runners}
        names = list(runners)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for m in order:
                t0 = time.perf_counter()
                runners[m](work.texts, work.targets)
                rates[m].append(len(work.texts) / (time.perf_counter() - t0))
        base = np.array(rates["pipeline"])
        res: dict[str, dict[str, Any]] = {
            m: {
                "rows_per_s": float(np.median(v)),
                "vs_pipeline_median": float(np.median(np.array(v) / base)),
                "vs_torch_bf16_median": float(np.median(np.array(v) / np.array(rates["torch bf16 autocast"])))
                if "torch bf16 autocast" in rates
                else None,
                "label_agreement_1024": agree[m],
                "rounds": [round(x, 1) for x in v],
            }
            for m, v in rates.items()
        }
        out["models"][name] = res
        for m, s in res.items():
            print(
                f"{name:9s} {m:32s} {s['rows_per_s']:7.1f} rows/s  {s['vs_pipeline_median']:.2f}x pipeline  "
                f"{s['vs_torch_bf16_median'] or 0:.2f}x torch-bf16  agree {100 * s['label_agreement_1024']:.2f}%",
                flush=True,
            )
    path = Path(__file__).parent / "results" / f"ab-{out['hardware']['cpu_class']}{args.tag}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
