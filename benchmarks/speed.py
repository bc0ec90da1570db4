"""Speed suite: stancekit's inference core against a plain Hugging Face pipeline on the same network.

    STANCEKIT_DATA=../shared/data python benchmarks/speed.py [--quick] [--device cpu|cuda] [--out DIR]

Measured in one process, on the shipped models and the same texts:

- **throughput** of the float32 ``transformers.pipeline("text-classification", batch_size=32)`` (the baseline)
  and of stancekit's core, by default settings and by engine and precision (on CPU: ONNX Runtime and OpenVINO
  float32 and int8, PyTorch float32 with the new and the 0.1 batch budget, PyTorch bfloat16 autocast, OpenVINO
  bfloat16 with two token budgets; on CUDA: PyTorch float32,
  float16, bfloat16), on SemEval-2016 test tweets with their targets (stance pairs) and TweetEval
  sentiment test tweets; after a warm-up, every method scores the whole workload once per round, the methods'
  order rotated each round (``--rounds``, default 5), so that the host's drift hits all alike; rows/s is the median
  over rounds with the 10th/90th percentiles as spread, and each ratio the median of the per-round ratios against
  the pipeline of the same round; label agreement with the float32 reference and the
  largest absolute probability difference are reported for every method;
- **roofline**: measured matrix-product GFLOP/s (float32, bfloat16) and the network's FLOPs per row, hence
  the arithmetic ceiling in rows/s;
- **latency** of a single text (batch of one, warm): p50 / p99 over many calls, pipeline vs stancekit;
- **cost growth**: rows/s and peak memory as the input grows (16, 64, 256, 512 tokens) and as the batch grows;
  mixed-length input with 1% very long rows against uniform input.

Writes ``speed-<device>.json`` (hardware: CPU model, class and flags (AVX2, AVX512-BF16, VNNI, AMX); versions,
git commit, settings, results) and PNG plots to ``--out``
(default ``benchmarks/results``). Installs nothing and downloads nothing. ``--quick`` runs in under a minute
on a 2-core CPU; the default run in a few minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

import stancekit
import stancekit.core.hardware
import stancekit.runtime.device
from stancekit.core.provenance import git_commit
from stancekit.model.classifier import Classifier

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Workload:
    name: str
    texts: list[str]
    targets: list[str] | None  # stance pairs, or None for single texts


# ------------------------------------------------------------------------------------------------- measurement


class PeakMemory:
    """Peak resident memory of this process while the block runs (a sampling thread), or peak CUDA memory."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak_mb = 0.0
        self.start_mb = 0.0
        self._stop = threading.Event()

    @property
    def added_mb(self) -> float:
        """Peak memory above what the process held when the block began (the cost of this work itself)."""
        return max(0.0, self.peak_mb - self.start_mb)

    def _sample(self) -> None:
        import psutil

        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, proc.memory_info().rss / 2**20)
            self._stop.wait(0.01)

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.start_mb = torch.cuda.memory_allocated(self.device) / 2**20
        else:
            import psutil

            self.start_mb = psutil.Process().memory_info().rss / 2**20
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.peak_mb = torch.cuda.max_memory_allocated(self.device) / 2**20
        else:
            self._stop.set()
            self._thread.join()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _slices(n: int, k: int) -> list[slice]:
    bounds = np.linspace(0, n, k + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def timed_throughput(
    fn: Callable[[list[str], list[str] | None], np.ndarray], work: Workload, device: torch.device, slices: int
) -> tuple[dict[str, float], np.ndarray]:
    """Warm up, then score the workload in ``slices`` timed parts; rows/s as median and p10/p90 over the parts."""
    warm = min(32, len(work.texts))
    fn(work.texts[:warm], work.targets[:warm] if work.targets else None)
    rates, outs = [], []
    total = 0.0
    for part in _slices(len(work.texts), slices):
        texts = work.texts[part]
        targets = work.targets[part] if work.targets else None
        _sync(device)
        t0 = time.perf_counter()
        outs.append(fn(texts, targets))
        _sync(device)
        dt = time.perf_counter() - t0
        total += dt
        rates.append(len(texts) / dt)
    stats = {
        "rows_per_s": float(np.median(rates)),
        "p10": float(np.percentile(rates, 10)),
        "p90": float(np.percentile(rates, 90)),
        "overall_rows_per_s": len(work.texts) / total,
        "slices": len(rates),
    }
    return stats, np.concatenate(outs)


def interleaved_throughput(
    runners: dict[str, Callable[[list[str], list[str] | None], np.ndarray]],
    work: Workload,
    device: torch.device,
    rounds: int,
    baseline: str,
) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
    """Warm every method up, then score the whole workload once per method per round, the order rotated each
    round, so that the host's drift (10-30% within a run on these VMs) hits every method alike.

    rows/s is the median over rounds (p10/p90 the spread); ``vs_pipeline`` is the median of the per-round ratios
    against ``baseline`` in the same round. Each call gets the whole workload, as a user scoring a file does:
    stancekit sorts a window by length, the pipeline takes the rows in order (its documented behaviour).
    """
    names = list(runners)
    warm = min(32, len(work.texts))
    for fn in runners.values():
        fn(work.texts[:warm], work.targets[:warm] if work.targets else None)
    rates: dict[str, list[float]] = {name: [] for name in names}
    outs: dict[str, np.ndarray] = {}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            _sync(device)
            t0 = time.perf_counter()
            outs[name] = runners[name](work.texts, work.targets)
            _sync(device)
            rates[name].append(len(work.texts) / (time.perf_counter() - t0))
    stats: dict[str, dict[str, float]] = {}
    for name in names:
        ratios = [a / b for a, b in zip(rates[name], rates[baseline])]
        stats[name] = {
            "rows_per_s": float(np.median(rates[name])),
            "p10": float(np.percentile(rates[name], 10)),
            "p90": float(np.percentile(rates[name], 90)),
            "rounds": rounds,
            "vs_pipeline": float(np.median(ratios)),
        }
    return stats, outs


def agreement(proba: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    return {
        "label_agreement": float((proba.argmax(1) == reference.argmax(1)).mean()),
        "max_abs_prob_diff": float(np.abs(proba - reference).max()),
    }


def latency(fn: Callable[[list[str], list[str] | None], np.ndarray], work: Workload, calls: int) -> dict[str, float]:
    """Batch of one, warm: milliseconds per call, p50 and p99."""
    for i in range(5):
        fn([work.texts[i]], [work.targets[i]] if work.targets else None)
    times = []
    for i in range(calls):
        j = i % len(work.texts)
        t0 = time.perf_counter()
        fn([work.texts[j]], [work.targets[j]] if work.targets else None)
        times.append(1000 * (time.perf_counter() - t0))
    return {"p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)), "calls": calls}


# ------------------------------------------------------------------------------------------------------ methods


def pipeline_fn(clf: Classifier, device: torch.device) -> Callable[[list[str], list[str] | None], np.ndarray]:
    """The baseline: transformers' text-classification pipeline, float32, batch 32, on the same network."""
    from transformers import pipeline

    if clf.dtype != torch.float32:
        raise ValueError("the baseline runs the float32 network; pass a classifier loaded with dtype='float32'")
    pipe = cast(Any, pipeline)(
        "text-classification", model=clf.model, tokenizer=clf.tokenizer, batch_size=32, device=device, top_k=None
    )
    order = {name: i for i, name in enumerate(clf.labels)}

    def run(texts: list[str], targets: list[str] | None) -> np.ndarray:
        inputs: Any = (
            [{"text": t, "text_pair": x} for t, x in zip(targets, texts)] if targets is not None else list(texts)
        )
        out = pipe(inputs, truncation=True, max_length=clf.spec.max_length)
        proba = np.zeros((len(texts), len(order)), dtype=np.float32)
        for i, row in enumerate(out):
            for item in row:
                proba[i, order[item["label"]]] = item["score"]
        return proba

    return run


def core_fn(clf: Classifier) -> Callable[[list[str], list[str] | None], np.ndarray]:
    def run(texts: list[str], targets: list[str] | None) -> np.ndarray:
        return clf.predict_proba(texts, targets=targets)

    return run


def variant(model: str, device: torch.device, **options: Any) -> Classifier | str:
    """A freshly loaded classifier for one setting, or the reason it cannot run here."""
    budget = {k: options.pop(k) for k in ("batch_size", "max_tokens") if k in options}
    try:
        clf = stancekit.load(model, device=str(device), **options)
    except (ValueError, ImportError) as exc:  # ConfigError, MissingDependencyError
        return str(exc)
    for key, value in budget.items():
        setattr(clf, key, value)
    return clf


# -------------------------------------------------------------------------------------------------- workloads


def workloads(n: int) -> list[tuple[str, Workload]]:
    from stancekit.data import load_dataset

    stance = load_dataset("semeval2016", "test")
    senti = load_dataset("tweeteval-sentiment", "test")
    take = lambda ds: list(range(min(n, ds.num_rows)))  # noqa: E731
    s_idx, t_idx = take(stance), take(senti)
    return [
        (
            "stance",
            Workload(
                "SemEval-2016 test (target, tweet) pairs",
                [stance["text"][i] for i in s_idx],
                [stance["target"][i] for i in s_idx],
            ),
        ),
        ("sentiment", Workload("TweetEval sentiment test tweets", [senti["text"][i] for i in t_idx], None)),
    ]


_FILLER = (
    "the government said on monday that it would support the new treaty while critics in parliament "
    "warned about the cost of the plan and the people in the region asked for more help"
)


def synthetic(clf: Classifier, tokens: int, rows: int, seed: int = 0) -> list[str]:
    """Texts of about ``tokens`` word-piece tokens each, from a fixed vocabulary of common words."""
    rng = np.random.default_rng(seed)
    words = _FILLER.split()
    out = []
    for _ in range(rows):
        n = max(1, tokens - 2)
        text = " ".join(rng.choice(words, size=n))
        ids = clf.tokenizer(text, truncation=True, max_length=tokens)["input_ids"]
        out.append(clf.tokenizer.decode(ids[1:-1]))
    return out


def token_count(clf: Classifier, texts: list[str]) -> int:
    ids = clf.tokenizer(texts, truncation=True, max_length=clf.spec.max_length)["input_ids"]
    return sum(len(x) for x in ids)


# --------------------------------------------------------------------------------------------------- the suite


def hardware(device: torch.device) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }
    import transformers

    info["transformers"] = transformers.__version__
    for module in ("onnxruntime", "openvino", "nncf"):
        with contextlib.suppress(ImportError):
            info[module] = __import__(module).__version__
    info |= cpu_class()
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cuda"] = torch.version.cuda
    return info


#: The CPU features that decide which engine and precision are fastest (``/proc/cpuinfo`` names).
CPU_FEATURES = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8")


def cpu_class() -> dict[str, Any]:
    """The CPU's class for the tables (AMX, AVX512-BF16, AVX-512, AVX2 or other) and the flags behind it."""
    flags = stancekit.core.hardware.cpu_flags()
    features = {name: name in flags for name in CPU_FEATURES}
    if features["amx_bf16"]:
        name = "AMX"
    elif features["avx512_bf16"]:
        name = "AVX512-BF16"
    elif features["avx512f"]:
        name = "AVX-512"
    elif features["avx2"]:
        name = "AVX2"
    else:
        name = "other"
    return {"cpu_class": name, "cpu_flags": features}


def matmul_gflops(dtype: torch.dtype, device: torch.device, seconds: float = 1.0) -> float:
    """Measured GFLOP/s of one (1024 x 384) @ (384 x 1536) matrix product, MiniLM's feed-forward shape."""
    a = torch.randn(1024, 384, device=device).to(dtype)
    b = torch.randn(384, 1536, device=device).to(dtype)
    a @ b
    _sync(device)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        n += 1
        if device.type == "cuda" and n % 50:
            continue
        _sync(device)
    _sync(device)
    return 2 * 1024 * 384 * 1536 * n / (time.perf_counter() - t0) / 1e9


def flops_per_row(clf: Classifier, mean_tokens: float) -> float:
    """Forward-pass FLOPs of one input of ``mean_tokens`` tokens: the encoder's matrix products and attention."""
    c: Any = clf.model.config
    d, ff, layers = c.hidden_size, c.intermediate_size, c.num_hidden_layers
    linear = 2 * layers * (4 * d * d + 2 * d * ff) * mean_tokens
    attention = layers * 4 * mean_tokens * mean_tokens * d
    return float(linear + attention)


def methods_for(device: torch.device) -> list[tuple[str, dict[str, Any], str]]:
    """(name, load options, note) of every setting measured besides the default and the baseline."""
    if device.type == "cuda":
        return [
            ("torch float32", {"dtype": "float32"}, ""),
            ("torch float16", {"dtype": "float16"}, ""),
            ("torch bfloat16", {"dtype": "bfloat16"}, ""),
        ]
    return [
        ("onnx float32", {"dtype": "float32", "backend": "onnx"}, ""),
        ("openvino float32", {"dtype": "float32", "backend": "openvino"}, ""),
        ("torch float32", {"dtype": "float32", "backend": "torch"}, ""),
        (
            "torch float32, 0.1 budget (64 rows, 8192 tokens)",
            {"dtype": "float32", "backend": "torch", "batch_size": 64, "max_tokens": 8192},
            "the budget stancekit 0.1 shipped with",
        ),
        ("onnx int8 (dynamic quantization)", {"dtype": "int8", "backend": "onnx"}, ""),
        ("openvino int8 (NNCF, synthetic calibration)", {"dtype": "int8", "backend": "openvino"}, ""),
        ("torch bfloat16 (autocast)", {"dtype": "bfloat16", "backend": "torch"}, "bf16"),
        (
            "openvino bfloat16, 1,024-token budget",
            {"dtype": "bfloat16", "backend": "openvino", "max_tokens": 1024},
            "bf16",
        ),
        (
            "openvino bfloat16, 2,048-token budget",
            {"dtype": "bfloat16", "backend": "openvino", "max_tokens": 2048},
            "bf16",
        ),
    ]


def run_suite(args: argparse.Namespace) -> dict[str, Any]:
    device = torch.device(args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    quick = args.quick
    n = args.rows or (96 if quick else 1024)
    rounds = args.rounds or (2 if quick else 5)
    native_half = device.type == "cuda" or stancekit.core.hardware.native_cpu_half()
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": git_commit(__file__),
        "device": str(device),
        "hardware": hardware(device),
        "settings": {"rows": n, "rounds": rounds, "quick": quick, "pipeline_batch_size": 32},
        "roofline": {
            "matmul_gflops_float32": matmul_gflops(torch.float32, device, 0.25 if quick else 2.0),
            "matmul_gflops_bfloat16": matmul_gflops(torch.bfloat16, device, 0.25 if quick else 2.0),
            "native_half_precision": native_half,
        },
        "models": {},
    }
    print(f"[roofline] {json.dumps(result['roofline'])}", file=sys.stderr)
    for model_name, work in workloads(n):
        if args.models and model_name not in args.models:
            continue
        print(f"[{model_name}] {work.name}: {len(work.texts)} rows", file=sys.stderr)
        default = stancekit.load(model_name, device=str(device))
        default.predict_proba(work.texts[:2], targets=work.targets[:2] if work.targets else None)  # export once
        pieces = (work.targets, work.texts) if work.targets else (work.texts,)
        mean_tokens = float(np.mean([len(x) for x in default.tokenizer(*pieces, truncation=True)["input_ids"]]))
        entry: dict[str, Any] = {
            "workload": work.name,
            "rows": len(work.texts),
            "mean_tokens": mean_tokens,
            "gflop_per_row": flops_per_row(default, mean_tokens) / 1e9,
            "default": {
                "dtype": stancekit.runtime.device.dtype_name(default.dtype),
                "backend": default.backend,
                "batch_size": default.batch_size,
                "max_tokens": default.max_tokens,
            },
        }
        reference = stancekit.load(model_name, device=str(device), dtype="float32", backend="torch")
        runners = {"pipeline": pipeline_fn(reference, device), "stancekit default": core_fn(default)}
        notes: dict[str, str] = {}
        entry["methods"] = {}
        emulated: list[tuple[str, Classifier, str]] = []
        for name, options, note in methods_for(device):
            if name == "torch float32":
                runners[name] = core_fn(reference)
                continue
            clf = variant(model_name, device, **dict(options))
            if isinstance(clf, str):
                entry["methods"][name] = {"skipped": clf}
                continue
            if note == "bf16" and not native_half:
                emulated.append((name, clf, note))  # a few rows/s: measured apart, on a slice
                continue
            runners[name] = core_fn(clf)
            if note and note != "bf16":
                notes[name] = note
        method_stats, outs = interleaved_throughput(runners, work, device, rounds, "pipeline")
        ref = outs["torch float32"] if "torch float32" in outs else reference.predict_proba(work.texts, work.targets)
        # The pipeline runs the network alone: compare it with the float32 network (no n-gram experts, no
        # temperature), so that its agreement measures the engine, not the experts it lacks.
        plain = reference.network_proba(work.texts, work.targets) if reference.experts is not None else ref
        entry["pipeline_float32"] = method_stats.pop("pipeline") | agreement(outs["pipeline"], plain)
        base_rate = entry["pipeline_float32"]["rows_per_s"]
        for name, st in method_stats.items():
            entry["methods"][name] = st | agreement(outs[name], ref) | ({"note": notes[name]} if name in notes else {})
        for name, clf, _ in emulated:
            k = min(len(work.texts), 16 if quick else 128)
            sub = Workload(work.name, work.texts[:k], work.targets[:k] if work.targets else None)
            st, out = timed_throughput(core_fn(clf), sub, device, 2)
            note = f"emulated on this CPU (no AVX512-BF16/AMX): measured on the first {k} rows, not interleaved"
            entry["methods"][name] = {
                **st,
                **agreement(out, ref[:k]),
                "note": note,
                "vs_pipeline": st["rows_per_s"] / base_rate,
            }
        del runners, emulated
        peak = result["roofline"]["matmul_gflops_float32"]
        entry["arithmetic_ceiling_float32_rows_per_s"] = peak / entry["gflop_per_row"]
        calls = 20 if quick else 200
        entry["latency"] = {
            "pipeline_float32": latency(pipeline_fn(reference, device), work, calls),
            "stancekit default": latency(core_fn(default), work, calls),
        }
        if not quick:
            entry["latency"]["stancekit torch float32"] = latency(core_fn(reference), work, calls)
        entry["latency"]["p50_ratio_stancekit_over_pipeline"] = (
            entry["latency"]["stancekit default"]["p50_ms"] / entry["latency"]["pipeline_float32"]["p50_ms"]
        )
        result["models"][model_name] = entry
        print(f"[{model_name}] default {json.dumps(entry['methods']['stancekit default'])}", file=sys.stderr)

    # Cost growth, on the sentiment model's default settings (the stance model is the same network).
    clf = stancekit.load("sentiment", device=str(device))
    # The shipped models cut inputs at 256 tokens; the network itself takes 512, and the growth study needs them.
    network: Any = clf.model.config
    clf.spec = dataclasses.replace(clf.spec, max_length=int(network.max_position_embeddings))
    growth: dict[str, Any] = {"max_length": clf.spec.max_length, "by_length": [], "by_batch": [], "mixed": {}}
    lengths = [16, 64, 256] if quick else [16, 64, 256, 512]
    for tokens in lengths:
        rows = max(4 if quick else 16, (8 if quick else 128) * 64 // tokens)
        texts = synthetic(clf, tokens, rows)
        with PeakMemory(device) as mem:
            stats, _ = timed_throughput(
                core_fn(clf), Workload(f"{tokens} tokens", texts, None), device, 2 if quick else 4
            )
        growth["by_length"].append(
            {"tokens": tokens, "rows": rows, **stats, "peak_memory_mb": mem.peak_mb, "added_memory_mb": mem.added_mb}
        )
        print(f"[growth] {tokens} tokens: {stats['rows_per_s']:.1f} rows/s", file=sys.stderr)
    texts64 = synthetic(clf, 64, 32 if quick else 384)
    saved = clf.batch_size, clf.max_tokens
    for batch in [1, 16, 64] if quick else [1, 4, 16, 32, 64, 128, 256]:
        clf.batch_size, clf.max_tokens = batch, batch * 64
        with PeakMemory(device) as mem:
            stats, _ = timed_throughput(core_fn(clf), Workload("64 tokens", texts64, None), device, 2 if quick else 4)
        growth["by_batch"].append(
            {"batch_size": batch, **stats, "peak_memory_mb": mem.peak_mb, "added_memory_mb": mem.added_mb}
        )
    clf.batch_size, clf.max_tokens = saved
    senti_texts = workloads(n)[1][1].texts
    outliers = synthetic(clf, 512, max(1, len(senti_texts) // 100), seed=1)
    mixed = list(senti_texts)
    for k, text in enumerate(outliers):  # spread the long rows through the input
        mixed[(k * 97) % len(mixed)] = text
    uniform_stats, _ = timed_throughput(core_fn(clf), Workload("uniform", senti_texts, None), device, 2)
    mixed_stats, _ = timed_throughput(core_fn(clf), Workload("1% outliers", mixed, None), device, 2)
    growth["mixed"] = {
        "uniform": uniform_stats,
        "with_1pct_512_token_rows": mixed_stats,
        "outlier_rows": len(outliers),
        "ratio": mixed_stats["overall_rows_per_s"] / uniform_stats["overall_rows_per_s"],
        "tokens_uniform": token_count(clf, senti_texts),
        "tokens_mixed": token_count(clf, mixed),
    }
    # Rows/s must fall by the extra work (more tokens), not more: compare tokens/s too.
    growth["mixed"]["tokens_per_s_ratio"] = growth["mixed"]["ratio"] * (
        growth["mixed"]["tokens_mixed"] / growth["mixed"]["tokens_uniform"]
    )
    result["growth"] = growth
    return result


def plots(result: dict[str, Any], out: Path) -> list[Path]:
    from matplotlib.figure import Figure

    device = result["device"].split(":")[0] + ("-quick" if result["settings"]["quick"] else "")
    written = []
    g = result["growth"]
    ax: Any
    fig = Figure(figsize=(5, 3.4), dpi=110)
    ax = fig.add_subplot()
    xs = [r["batch_size"] for r in g["by_batch"]]
    ax.errorbar(
        xs,
        [r["rows_per_s"] for r in g["by_batch"]],
        yerr=[
            [r["rows_per_s"] - r["p10"] for r in g["by_batch"]],
            [r["p90"] - r["rows_per_s"] for r in g["by_batch"]],
        ],
        marker="o",
        capsize=3,
    )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size (rows)")
    ax.set_ylabel("rows/s (64-token inputs)")
    ax.set_title(f"throughput vs batch size ({device})", fontsize=10)
    fig.tight_layout()
    path = out / f"speed-{device}-batch.png"
    fig.savefig(path)
    written.append(path)
    fig = Figure(figsize=(5, 3.4), dpi=110)
    ax = fig.add_subplot()
    ax.plot([r["tokens"] for r in g["by_length"]], [r["rows_per_s"] for r in g["by_length"]], marker="o")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("tokens per input")
    ax.set_ylabel("rows/s")
    ax.set_title(f"throughput vs input length ({device})", fontsize=10)
    fig.tight_layout()
    path = out / f"speed-{device}-length.png"
    fig.savefig(path)
    written.append(path)
    return written


def table(result: dict[str, Any]) -> str:
    lines = [
        "| model | method | rows/s (p10-p90) | vs pipeline | label agreement | max abs dp |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in result["models"].items():
        base = entry["pipeline_float32"]
        rows = [("HF pipeline float32 (baseline)", base | {"vs_pipeline": 1.0}), *entry["methods"].items()]
        for method, s in rows:
            if "skipped" in s:
                lines.append(f"| {name} | {method} | skipped: {s['skipped']} | | | |")
                continue
            lines.append(
                f"| {name} | {method} | {s['rows_per_s']:.1f} ({s['p10']:.1f}-{s['p90']:.1f}) | "
                f"{s['vs_pipeline']:.2f}x | {100 * s['label_agreement']:.2f}% | {s['max_abs_prob_diff']:.4f} |"
            )
        lat = entry["latency"]
        lines.append(
            f"| {name} | latency, batch of one (p50 / p99 ms) | pipeline {lat['pipeline_float32']['p50_ms']:.1f} / "
            f"{lat['pipeline_float32']['p99_ms']:.1f}; stancekit {lat['stancekit default']['p50_ms']:.1f} / "
            f"{lat['stancekit default']['p99_ms']:.1f} | {lat['p50_ratio_stancekit_over_pipeline']:.2f}x p50 | | |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smaller run (under a minute on a 2-core CPU)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    parser.add_argument("--rows", type=int, help="texts per workload (default 1024; --quick 96)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds of the throughput study (default 5; --quick 2)")
    parser.add_argument("--models", nargs="+", choices=["stance", "sentiment"], help="default: both")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON and the plots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    result = run_suite(args)
    result["wall_s"] = round(time.time() - started, 1)
    device = result["device"].split(":")[0]
    path = args.out / f"speed-{device}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    pngs = plots(result, args.out)
    print(table(result))
    print(f"\nwrote {path} and {', '.join(str(p) for p in pngs)} in {result['wall_s']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
