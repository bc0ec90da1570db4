"""Engine-only probes behind the AMX notes rows of benchmarks/README.md (Speed): the OpenVINO bf16 network on the
real, already padded batches of 1,024 SemEval-2016 pairs and TweetEval tweets (no tokenization, no experts).

    STANCEKIT_DATA=../shared/data python experiments/speed-openvino/ov_shapes.py [--part shapes|properties|all]

``shapes``: rows/s by token budget / row cap, widths rounded up to multiples of 1, 8, 16, one or two requests.
``properties``: the CPU plugin's ENABLE_CPU_PINNING, CPU_DENORMALS_OPTIMIZATION, ENABLE_HYPER_THREADING,
NUM_STREAMS on the 2,048-token batches. Median of 5 passes each.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speed

import stancekit
from stancekit.runtime.batching import encode, pad_batch, plan_batches
from stancekit.runtime.engines import openvino as ov_engine


def seconds(fn: Callable[[], Any], reps: int = 5) -> float:
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def rounded(batch: np.ndarray, ids: Any, types: Any, lengths: list[int], mult: int) -> dict[str, torch.Tensor]:
    p = pad_batch(batch, ids, types, lengths, 0)
    width = p["input_ids"].shape[1]
    full = -(-width // mult) * mult
    out = {}
    for key, value in p.items():
        z = torch.zeros((value.shape[0], full), dtype=value.dtype)
        z[:, :width] = value
        out[key] = z
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["shapes", "properties", "all"], default="all")
    args = parser.parse_args()
    print(speed.cpu_class(), flush=True)
    for name, work in speed.workloads(1024):
        clf = stancekit.load(name)
        items = clf.items(work.texts, work.targets) if work.targets else clf.items(work.texts)
        texts = [t for t, _ in items]
        firsts = [str(g) for _, g in items] if clf.spec.is_pair else None
        ids, types, _ = encode(clf.tokenizer, texts, firsts, clf.spec.max_length)
        lengths = [len(r) for r in ids]
        if args.part in ("shapes", "all"):
            for requests in (1, 2):
                engine = ov_engine.OpenVinoEngine(clf.model, precision="bf16", requests=requests)
                for rows, tokens in [(256, 1024), (256, 2048), (256, 4096), (32, 10**6), (64, 10**6), (128, 10**6)]:
                    batches = plan_batches(lengths, rows, tokens)
                    for mult in (1, 8, 16):
                        padded = [rounded(b, ids, types, lengths, mult) for b in batches]
                        s = seconds(lambda: list(engine.run_many(iter(padded))))  # noqa: B023
                        print(f"{name} requests {requests}, {rows} rows / {tokens} tokens, width x{mult}: "
                              f"{len(ids) / s:.0f} rows/s", flush=True)  # fmt: skip
        if args.part in ("properties", "all"):
            import openvino as ov

            engine = ov_engine.OpenVinoEngine(clf.model, precision="bf16", requests=2)
            core = ov.Core()
            network = engine._cached(core, clf.model)
            padded = [pad_batch(b, ids, types, lengths, 0) for b in plan_batches(lengths, 256, 2048)]
            base = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 2}
            extras: list[dict[str, Any]] = [
                {},
                {"ENABLE_CPU_PINNING": True},
                {"CPU_DENORMALS_OPTIMIZATION": True},
                {"ENABLE_HYPER_THREADING": False},
                {"NUM_STREAMS": 1},
                {},
            ]
            for extra in extras:
                engine.compiled = core.compile_model(network, "CPU", {**base, **extra})
                engine._local = threading.local()
                engine._ports = {n: engine.compiled.input(n) for n in engine.input_names}
                s = seconds(lambda: list(engine.run_many(iter(padded))))  # noqa: B023
                print(f"{name} {extra or 'defaults'}: {len(ids) / s:.0f} rows/s", flush=True)


if __name__ == "__main__":
    main()
