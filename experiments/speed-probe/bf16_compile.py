"""torch.compile (dynamic shapes) under autocast, with inductor freezing, with bf16 weights (1,024 rows).

STANCEKIT_DATA=../shared/data .venv/bin/python experiments/speed-probe/bf16_compile.py MODE
MODE: autocast, compile, compile-freeze or compile-freeze-bf16w
"""

from __future__ import annotations

import copy
import sys
import time
from typing import Any

import numpy as np
import torch
import torch._inductor.config as inductor_config

import stancekit
from stancekit.data import load_dataset
from stancekit.model.head import softmax
from stancekit.runtime.batching import iter_network_scores
from stancekit.runtime.engines import TorchEngine

N = 1024
CPU = torch.device("cpu")


def run(clf: Any, model: Any, items: list[Any], dtype: torch.dtype, bs: int = 256, mt: int = 1024) -> Any:
    chunks = iter_network_scores(TorchEngine(model, CPU, dtype), clf.tokenizer, items, max_length=clf.spec.max_length,
                                 device=CPU, pair=True, batch_size=bs, max_tokens=mt)  # fmt: skip
    return softmax(np.concatenate([c.values for c in chunks]))


def main(mode: str) -> None:
    if "freeze" in mode:
        inductor_config.freezing = True
    d = load_dataset("semeval2016", "test")
    items = list(zip(d["text"][:N], d["target"][:N]))
    clf = stancekit.load("stance", dtype="float32", backend="torch")
    ref = run(clf, clf.model, items, torch.float32)
    model: Any = clf.model
    if "bf16w" in mode:
        model = copy.deepcopy(model).to(torch.bfloat16)
    if "compile" in mode:
        model = torch.compile(model, dynamic=True)
    t = time.perf_counter()
    p = run(clf, model, items, torch.bfloat16)
    print(mode, "first call", round(time.perf_counter() - t, 1), "s", flush=True)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        p = run(clf, model, items, torch.bfloat16)
        times.append(time.perf_counter() - t)
    agree, maxdp = (p.argmax(1) == ref.argmax(1)).mean(), np.abs(p - ref).max()
    print(mode, round(N / np.median(times)), "rows/s", f"agree {agree:.4f} maxdp {maxdp:.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
