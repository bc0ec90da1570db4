"""Probe: OpenVINO engine settings against the stancekit default and the HF pipeline, one process.

STANCEKIT_DATA=../shared/data python experiments/speed-openvino/ov_probe.py [--rows 1024] [--models stance]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speed

import stancekit
from stancekit.runtime.engines import openvino as ovengine


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1024)
    p.add_argument("--models", nargs="+", default=["stance", "sentiment"])
    p.add_argument("--variants", nargs="+", default=["bf16:1", "bf16:2", "f32:1", "int8:1"])
    p.add_argument("--budgets", nargs="+", default=["256x1024"])
    args = p.parse_args()
    device = torch.device("cpu")
    out: dict = {
        "hardware": speed.hardware(device),
        "flags": sorted(
            stancekit.core.hardware.cpu_flags()
            & {"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8", "amx_tile"}
        ),
        "models": {},
    }
    for name, work in speed.workloads(args.rows):
        if name not in args.models:
            continue
        ref = stancekit.load(name, dtype="float32", backend="torch")
        base, _ = speed.timed_throughput(speed.pipeline_fn(ref, device), work, device, 6)
        _, refp = speed.timed_throughput(speed.core_fn(ref), work, device, 1)
        res: dict[str, Any] = {"pipeline": base["rows_per_s"]}
        default = stancekit.load(name)
        st, o = speed.timed_throughput(speed.core_fn(default), work, device, 6)
        res["default"] = st["rows_per_s"] / base["rows_per_s"], float((o.argmax(1) == refp.argmax(1)).mean())
        for v in args.variants:
            prec, req = v.split(":")
            for budget in args.budgets:
                bs, mt = (int(x) for x in budget.split("x"))
                clf = stancekit.load(name, dtype="float32", backend="torch")
                t0 = time.perf_counter()
                clf._engine = ovengine.OpenVinoEngine(clf.model, precision=prec, requests=int(req))
                build_s = time.perf_counter() - t0
                clf.batch_size, clf.max_tokens = bs, mt
                st, o = speed.timed_throughput(speed.core_fn(clf), work, device, 6)
                key = f"ov {v} {budget}"
                res[key] = (
                    st["rows_per_s"] / base["rows_per_s"],
                    float((o.argmax(1) == refp.argmax(1)).mean()),
                    round(build_s, 1),
                )
                print(name, key, res[key], file=sys.stderr, flush=True)
        out["models"][name] = res
        print(name, json.dumps(res), flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
