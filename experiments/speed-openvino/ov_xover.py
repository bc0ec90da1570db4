"""Where the stance model's n-gram experts should run: on a thread beside the engine, or inline after its forward
passes, by window size (the notes row "n-gram experts inline for small windows" of benchmarks/README.md).

    STANCEKIT_DATA=../shared/data python experiments/speed-openvino/ov_xover.py

Milliseconds per row for calls of 1-1,024 SemEval-2016 test pairs with the default stance model; each setting
twice, interleaved, the better of the two kept.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speed

import stancekit
from stancekit.model import classifier


def main() -> None:
    work = speed.workloads(1024)[0][1]
    clf = stancekit.load("stance")
    texts, targets = work.texts, work.targets or []
    clf.predict_proba(texts, targets=targets)
    print(speed.cpu_class(), flush=True)
    for n in (1, 16, 64, 128, 256, 512, 1024):
        best: dict[str, float] = {}
        for mode in ("thread", "inline", "thread", "inline"):
            classifier.EXPERTS_THREAD_MIN_ROWS = 1 if mode == "thread" else 10**9
            calls = max(1, 2048 // n)
            t0 = time.perf_counter()
            for i in range(calls):
                a = (i * n) % 1024
                clf.predict_proba(texts[a : a + n], targets=targets[a : a + n])
            ms = (time.perf_counter() - t0) / (calls * n) * 1000
            best[mode] = min(best.get(mode, ms), ms)
        print(f"{n} rows: thread {best['thread']:.3f}, inline {best['inline']:.3f} ms per row", flush=True)


if __name__ == "__main__":
    main()
