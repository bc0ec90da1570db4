"""SDPA flash vs SDPA math vs eager attention, under autocast and with bf16 weights (1,024 rows, median of 5).

STANCEKIT_DATA=../shared/data .venv/bin/python experiments/speed-probe/bf16_attention.py
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

import stancekit
from stancekit.data import load_dataset
from stancekit.model.head import softmax
from stancekit.runtime.batching import iter_network_scores
from stancekit.runtime.engines import TorchEngine

N = 1024
CPU = torch.device("cpu")


def proba(clf: Any, model: Any, items: list[Any], dtype: torch.dtype, pair: bool, bs: int = 256, mt: int = 1024) -> Any:
    """The network's probabilities (temperature 1) through the batched inference loop."""
    chunks = iter_network_scores(TorchEngine(model, CPU, dtype), clf.tokenizer, items, max_length=clf.spec.max_length,
                                 device=CPU, pair=pair, batch_size=bs, max_tokens=mt)  # fmt: skip
    return softmax(np.concatenate([c.values for c in chunks]))


def bench(name: str, label: str, fn: Callable[[], Any], ref: Any) -> None:
    fn()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        p = fn()
        times.append(time.perf_counter() - t)
    agree = (p.argmax(1) == ref.argmax(1)).mean()
    print(name, label, round(N / np.median(times)), f"agree {agree:.4f} maxdp {np.abs(p - ref).max():.4f}", flush=True)


def probe(name: str, dataset: str, pair: bool) -> None:
    d = load_dataset(dataset, "test")
    items = list(zip(d["text"][:N], d["target"][:N] if pair else [None] * N))
    clf = stancekit.load(name, dtype="float32", backend="torch")
    ref = proba(clf, clf.model, items, torch.float32, pair)
    bench(name, "autocast sdpa(flash)", lambda: proba(clf, clf.model, items, torch.bfloat16, pair), ref)

    def math_sdpa() -> Any:
        with sdpa_kernel(SDPBackend.MATH):
            return proba(clf, clf.model, items, torch.bfloat16, pair)

    bench(name, "autocast sdpa(math)", math_sdpa, ref)
    eager: Any = copy.deepcopy(clf.model)
    eager.set_attn_implementation("eager")
    bench(name, "autocast eager", lambda: proba(clf, eager, items, torch.bfloat16, pair), ref)
    eager_bf16 = copy.deepcopy(eager).to(torch.bfloat16)
    bench(name, "bf16 weights eager", lambda: proba(clf, eager_bf16, items, torch.float32, pair), ref)
    bench(
        name, "bf16 weights eager 256/2048", lambda: proba(clf, eager_bf16, items, torch.float32, pair, 256, 2048), ref
    )
    bench(name, "fp32 ref torch", lambda: proba(clf, clf.model, items, torch.float32, pair), ref)


if __name__ == "__main__":
    for name, dataset, pair in [("stance", "semeval2016", True), ("sentiment", "tweeteval-sentiment", False)]:
        probe(name, dataset, pair)
