"""Scale benchmark: stream a large JSONL through `stancekit score`, measure throughput and peak memory.

    python benchmarks/scale.py --rows 1000000              # the full measurement (about an hour on 2 cores)
    python benchmarks/scale.py --rows 20000 --head 5000    # a quick look
    python benchmarks/scale.py --ray-rows 20000            # also the Ray engine with 1 and 2 local workers

The input is tweet-length text: TweetEval sentiment validation+test tweets sampled with replacement when
STANCEKIT_DATA is set, else synthetic sentences. Each run is `python -m stancekit score` in a subprocess whose
resident memory (the process and its children) is sampled every 0.2 s. The first `--head` rows are scored alone
in the same invocation, so the two throughputs are comparable. Results go to benchmarks/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import speed  # the suite's CPU description (same folder)

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "scale.json"


def _texts() -> list[str]:
    root = os.environ.get("STANCEKIT_DATA")
    base = Path(root) / "tweeteval_sentiment" if root else None
    if base is not None and base.is_dir():
        lines: list[str] = []
        for name in ("val_text.txt", "test_text.txt"):
            lines += [t.strip() for t in (base / name).read_text(encoding="utf-8").splitlines() if t.strip()]
        return lines
    rng = random.Random(0)
    words = [
        "the",
        "a",
        "people",
        "government",
        "vote",
        "war",
        "peace",
        "love",
        "hate",
        "great",
        "terrible",
        "new",
        "old",
        "today",
        "tomorrow",
        "city",
    ]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(5, 30))) for _ in range(5000)]


def generate(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    texts = _texts()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            fh.write(json.dumps({"id": i, "text": rng.choice(texts)}, ensure_ascii=False) + "\n")


def head(src: Path, dst: Path, rows: int) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        for i, line in enumerate(fin):
            if i >= rows:
                break
            fout.write(line)


def run(cmd: list[str], rows: int) -> dict[str, Any]:
    """Run a command, sampling the RSS of its whole process tree; rows/s over the wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read() if proc.stdout else "", proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return {"rows": rows, "wall_s": round(wall, 1), "rows_per_s": round(rows / wall, 1),
            "peak_rss_mb": round(peak / 2**20), "stdout": out.strip()[-300:]}  # fmt: skip


def score_cmd(src: Path, dst: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "stancekit", "score", str(src), "-o", str(dst), "--model", "sentiment",
            "--quiet", "--force", *extra]  # fmt: skip


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def save(key: str, value: Any) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = value
    data["machine"] = {"cpu": _cpu_name(), "cores": os.cpu_count(),
                       "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), **speed.cpu_class()}  # fmt: skip
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    data["commit"] = commit.stdout.strip()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(key, json.dumps(value), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the big file (0: skip it)")
    parser.add_argument("--head", type=int, default=50_000, help="first rows scored alone, for comparison")
    parser.add_argument("--ray-rows", type=int, default=0, help="rows for the Ray engine runs (0: skip them)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the generated files go (default: tmp)")
    args = parser.parse_args()
    import stancekit

    default = stancekit.load("sentiment")  # what `stancekit score` picks here: the runs are keyed by it
    engine = f"{default.backend}-{str(default.dtype).replace('torch.', '')}"
    print(f"default engine here: {engine} ({speed.cpu_class()['cpu_class']})", flush=True)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="stancekit-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.rows:
            big = work / "tweets.jsonl"
            generate(big, args.rows)
            first = work / "head.jsonl"
            head(big, first, args.head)
            head_run = run(score_cmd(first, work / "head.scored.parquet"), args.head)
            head_run["engine"] = engine
            save(f"local_head_{args.head}_{engine}", head_run)
            full_run = run(score_cmd(big, work / "tweets.scored.parquet"), args.rows)
            full_run["throughput_vs_head"] = round(full_run["rows_per_s"] / head_run["rows_per_s"], 3)
            full_run["engine"] = engine
            save(f"local_full_{args.rows}_{engine}", full_run)
        if args.ray_rows:
            src = work / "ray.jsonl"
            generate(src, args.ray_rows, seed=1)
            local = run(score_cmd(src, work / "ray.local.parquet"), args.ray_rows)
            save(f"ray_baseline_local_{args.ray_rows}", local)
            for workers in (1, 2):
                out = work / f"ray-{workers}"
                result = run(score_cmd(src, out, "--engine", "ray", "--num-workers", str(workers)), args.ray_rows)
                result["throughput_vs_local"] = round(result["rows_per_s"] / local["rows_per_s"], 3)
                save(f"ray_{workers}_workers_{args.ray_rows}", result)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
