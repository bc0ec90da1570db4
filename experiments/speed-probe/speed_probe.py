"""The HF pipeline vs stancekit float32 vs int8 dynamic quantization vs 1 and 2 threads, on 2,048 TweetEval tweets.

STANCEKIT_DATA=../shared/data .venv/bin/python experiments/speed-probe/speed_probe.py
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import pipeline

import stancekit


def timeit(fn: Callable[[list[str]], Any], texts: list[str], reps: int = 1) -> tuple[float, Any]:
    fn(texts[:64])
    t = time.perf_counter()
    out = None
    for _ in range(reps):
        out = fn(texts)
    return len(texts) * reps / (time.perf_counter() - t), out


def main() -> None:
    path = Path(os.environ["STANCEKIT_DATA"]) / "tweeteval_sentiment" / "test_text.txt"
    texts = [t.strip() for t in path.read_text().splitlines()][:2048]
    clf = stancekit.load("sentiment", backend="torch")
    model: Any = clf.model
    pipe = pipeline("text-classification", model=model, tokenizer=clf.tokenizer, batch_size=32, device="cpu",
                    top_k=None)  # fmt: skip
    r_pipe, _ = timeit(lambda x: pipe(list(x), truncation=True, max_length=256), texts)
    r_ref, ref = timeit(clf.predict_proba, texts)
    print(f"pipeline {r_pipe:.1f}/s  stancekit fp32 {r_ref:.1f}/s  ratio {r_ref / r_pipe:.2f}")
    quantized = torch.ao.quantization.quantize_dynamic(clf.model, {torch.nn.Linear}, dtype=torch.qint8)
    orig, clf.model = clf.model, quantized
    r_q, pq = timeit(clf.predict_proba, texts)
    agree = (pq.argmax(1) == ref.argmax(1)).mean()
    print(f"int8 dynamic {r_q:.1f}/s ratio vs pipe {r_q / r_pipe:.2f} vs fp32 {r_q / r_ref:.2f} "
          f"agreement {agree:.4f} maxdiff {np.abs(pq - ref).max():.4f}")  # fmt: skip
    clf.model = orig
    for threads in (1, 2):
        torch.set_num_threads(threads)
        r, _ = timeit(clf.predict_proba, texts)
        print("threads", threads, f"{r:.1f}/s")


if __name__ == "__main__":
    main()
