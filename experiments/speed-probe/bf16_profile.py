"""Token-budget sweep under autocast, then torch.profiler of one autocast pass (1,024 SemEval-2016 test pairs).

STANCEKIT_DATA=../shared/data .venv/bin/python experiments/speed-probe/bf16_profile.py
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

import stancekit
from stancekit.data import load_dataset
from stancekit.model.head import softmax
from stancekit.runtime.batching import iter_network_scores
from stancekit.runtime.engines import TorchEngine

N = 1024
CPU = torch.device("cpu")


def run(clf: Any, items: list[Any], dtype: torch.dtype, bs: int = 256, mt: int = 1024) -> Any:
    engine = TorchEngine(clf.model, CPU, dtype)
    chunks = iter_network_scores(engine, clf.tokenizer, items, max_length=clf.spec.max_length, device=CPU, pair=True,
                                 batch_size=bs, max_tokens=mt)  # fmt: skip
    return softmax(np.concatenate([c.values for c in chunks]))


def main() -> None:
    d = load_dataset("semeval2016", "test")
    items = list(zip(d["text"][:N], d["target"][:N]))
    clf = stancekit.load("stance", dtype="float32", backend="torch")
    run(clf, items, torch.bfloat16)
    for bs, mt in [(256, 1024), (128, 512), (64, 256), (256, 1536)]:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            run(clf, items, torch.bfloat16, bs, mt)
            times.append(time.perf_counter() - t)
        print(bs, mt, N / np.median(times), flush=True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run(clf, items, torch.bfloat16)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))


if __name__ == "__main__":
    main()
