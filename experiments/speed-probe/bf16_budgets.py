"""Autocast vs bf16 weights at token budgets 1,024-8,192 (1,024 rows, median of 3).

STANCEKIT_DATA=../shared/data .venv/bin/python experiments/speed-probe/bf16_budgets.py
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import stancekit
from stancekit.data import load_dataset
from stancekit.model.head import softmax
from stancekit.runtime.batching import iter_network_scores
from stancekit.runtime.engines import TorchEngine

N = 1024
CPU = torch.device("cpu")


def run(model: Any, tok: Any, items: list[Any], dtype: torch.dtype, pair: bool, max_len: int, bs: int, mt: int) -> Any:
    chunks = iter_network_scores(TorchEngine(model, CPU, dtype), tok, items, max_length=max_len, device=CPU, pair=pair,
                                 batch_size=bs, max_tokens=mt)  # fmt: skip
    return softmax(np.concatenate([c.values for c in chunks]))


def timeit(fn: Callable[[], Any], reps: int = 3) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), result


def probe(name: str, dataset: str, pair: bool) -> None:
    d = load_dataset(dataset, "test")
    items = list(zip(d["text"][:N], d["target"][:N] if pair else [None] * N))
    clf = stancekit.load(name, dtype="float32", backend="torch")
    m32, tok, ml = clf.model, clf.tokenizer, clf.spec.max_length
    ref = run(m32, tok, items, torch.float32, pair, ml, 256, 1024)
    t32, _ = timeit(lambda: run(m32, tok, items, torch.float32, pair, ml, 256, 1024))
    print(name, "fp32 torch", N / t32, flush=True)
    ta, pa = timeit(lambda: run(m32, tok, items, torch.bfloat16, pair, ml, 256, 1024))
    print(name, "autocast 1024", N / ta, (pa.argmax(1) == ref.argmax(1)).mean(), np.abs(pa - ref).max(), flush=True)
    mb = copy.deepcopy(m32).to(torch.bfloat16)
    for bs, mt in [(256, 1024), (256, 2048), (512, 4096), (512, 8192)]:
        tb, pb = timeit(lambda bs=bs, mt=mt: run(mb, tok, items, torch.float32, pair, ml, bs, mt))  # type: ignore[misc]
        agree, maxdp = (pb.argmax(1) == ref.argmax(1)).mean(), np.abs(pb - ref).max()
        print(name, f"bf16 weights {bs}/{mt}", N / tb, agree, maxdp, flush=True)


if __name__ == "__main__":
    for name, dataset, pair in [("stance", "semeval2016", True), ("sentiment", "tweeteval-sentiment", False)]:
        probe(name, dataset, pair)
