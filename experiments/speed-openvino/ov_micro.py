"""Micro-probes behind the notes rows of benchmarks/README.md (Speed): the stance network on fixed batches, and
the int8 routes end to end.

    STANCEKIT_DATA=../shared/data python experiments/speed-openvino/ov_micro.py [--part fixed|int8|all]

``fixed``: rows/s of PyTorch bf16 autocast vs OpenVINO bf16 (dynamic shapes) on fixed (rows x tokens) batches, a
static-shape compile, the THROUGHPUT hint and one thread, NNCF int8 on a 32 x 32 batch. ``int8``: 1,024
SemEval-2016 test pairs end to end (second pass, warm) with OpenVINO bf16, NNCF int8 calibrated on synthetic
vocabulary text / on real test pairs / without SmoothQuant, and weight-only int8 with the plugin's dynamic
quantization; label agreement with PyTorch float32 on the same rows. ``latency``: single-text calls of the default
stance model and the n-gram experts' share of them.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speed

import stancekit
from stancekit.runtime.engines import openvino as ov_engine
from stancekit.runtime.engines.exported import WeightsWatch

PROPS = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 2}


def batch(rows: int, tokens: int) -> dict[str, torch.Tensor]:
    return {
        "input_ids": torch.randint(1000, 20000, (rows, tokens)),
        "attention_mask": torch.ones(rows, tokens, dtype=torch.long),
        "token_type_ids": torch.zeros(rows, tokens, dtype=torch.long),
    }


def rate(fn: Callable[[], Any], rows: int, seconds: float = 1.5) -> int:
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return round(n * rows / (time.perf_counter() - t0))


def fixed(clf: Any, calib: list[dict[str, np.ndarray]]) -> None:
    import nncf
    import openvino as ov

    model = clf.model
    engine = ov_engine.OpenVinoEngine(model, precision="bf16", requests=1)
    for rows, tokens in [(8, 32), (32, 32), (64, 32), (128, 32), (256, 32), (32, 64)]:
        x = batch(rows, tokens)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            autocast = rate(functools.partial(model, **x), rows)
        compiled = rate(functools.partial(engine, x), rows)
        print(f"{rows}x{tokens}: torch bf16 autocast {autocast}, openvino bf16 {compiled} rows/s")
    core = ov.Core()
    feed = {k: v.numpy() for k, v in batch(32, 32).items()}
    network = engine._convert(model)
    network.reshape({n: ov.PartialShape([32, 32]) for n in engine.input_names})
    static = core.compile_model(network, "CPU", PROPS).create_infer_request()
    print("static 32x32 compile", rate(lambda: static.infer(feed), 32))
    for change in ({"INFERENCE_NUM_THREADS": 1}, {"PERFORMANCE_HINT": "THROUGHPUT"}):
        request = core.compile_model(engine._convert(model), "CPU", PROPS | change).create_infer_request()
        print(change, rate(functools.partial(request.infer, feed), 32))
    quantized = nncf.quantize(
        engine._convert(model), nncf.Dataset(calib), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(calib)
    )
    request = core.compile_model(quantized, "CPU", PROPS).create_infer_request()
    print("nncf int8 32x32", rate(lambda: request.infer(feed), 32))


class Compiled:
    """A compiled OpenVINO network as a stancekit engine (one request)."""

    num_labels = 3

    def __init__(self, compiled: Any, model: torch.nn.Module) -> None:
        self.request = compiled.create_infer_request()
        self.weights = WeightsWatch(model)

    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        self.request.infer({k: v.numpy() for k, v in inputs.items()})
        return torch.from_numpy(self.request.get_output_tensor(0).data.copy())


def int8(clf: Any, work: Any, synthetic: list[dict[str, np.ndarray]], real: list[dict[str, np.ndarray]]) -> None:
    import nncf
    import openvino as ov

    core = ov.Core()
    ref = clf.predict_proba(work.texts, targets=work.targets)
    net = ov_engine.OpenVinoEngine(clf.model, precision="f32")._convert(clf.model)

    def score(name: str, candidate: Any, precision: str = "bf16", extra: dict[str, Any] | None = None) -> None:
        props = PROPS | {"INFERENCE_PRECISION_HINT": precision} | (extra or {})
        clf._engine = Compiled(core.compile_model(candidate, "CPU", props), clf.model)
        clf.predict_proba(work.texts, targets=work.targets)
        t0 = time.perf_counter()
        got = clf.predict_proba(work.texts, targets=work.targets)
        rows_s = len(work.texts) / (time.perf_counter() - t0)
        agree = 100 * float((got.argmax(1) == ref.argmax(1)).mean())
        print(f"{name}: {rows_s:.0f} rows/s, agreement {agree:.2f}%", flush=True)

    def quantize(data: list[dict[str, np.ndarray]], **kwargs: Any) -> Any:
        preset = nncf.ModelType.TRANSFORMER
        return nncf.quantize(net, nncf.Dataset(data), model_type=preset, subset_size=len(data), **kwargs)

    score("openvino bf16", net)
    score("nncf int8, synthetic calibration", quantize(synthetic))
    score("nncf int8, calibrated on 300 real test pairs", quantize(real))
    no_sq = nncf.AdvancedQuantizationParameters(smooth_quant_alphas=nncf.AdvancedSmoothQuantParameters(matmul=-1))
    score("nncf int8, synthetic, SmoothQuant off", quantize(synthetic, advanced_parameters=no_sq))
    compressed = nncf.compress_weights(net, mode=nncf.CompressWeightsMode.INT8_ASYM)
    score("weight-only int8, f32 + dynamic quantization", compressed, "f32", {"DYNAMIC_QUANTIZATION_GROUP_SIZE": 32})
    score("weight-only int8, bf16 + dynamic quantization", compressed, "bf16", {"DYNAMIC_QUANTIZATION_GROUP_SIZE": 32})


def latency(work: Any) -> None:
    """Single-text calls of the default stance model: ms per call, and where the time of a call goes (the network
    alone, the engine's forward pass alone, tokenization, the n-gram experts alone)."""
    from stancekit.runtime.batching import encode, pad_batch

    clf = stancekit.load("stance")
    texts, targets = work.texts[:64], work.targets[:64]

    def per_call(fn: Callable[[int], Any], calls: int = 300) -> float:
        for i in range(20):
            fn(i)
        t0 = time.perf_counter()
        for i in range(calls):
            fn(i % 64)
        return (time.perf_counter() - t0) / calls * 1000

    full = per_call(lambda i: clf.predict_proba([texts[i]], targets=[targets[i]]))
    experts = clf.experts
    assert experts is not None
    alone = per_call(lambda i: experts.scores([texts[i]], [targets[i]]))
    tokens = per_call(lambda i: encode(clf.tokenizer, [texts[i]], [targets[i]], clf.spec.max_length))
    engine = clf.engine
    padded = []
    for i in range(64):
        ids, types, _ = encode(clf.tokenizer, [texts[i]], [targets[i]], clf.spec.max_length)
        padded.append(pad_batch(np.array([0]), ids, types, [len(ids[0])], clf.tokenizer.pad_token_id or 0))
    forward = per_call(lambda i: engine(padded[i]))
    clf.experts = None
    network = per_call(lambda i: clf.predict_proba([texts[i]], targets=[targets[i]]))
    clf.experts = experts
    print(
        f"single text: {full:.2f} ms per call; without the experts {network:.2f}; engine forward alone "
        f"{forward:.2f}; tokenization {tokens:.2f}; n-gram experts alone {alone:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["fixed", "int8", "latency", "all"], default="all")
    args = parser.parse_args()
    clf = stancekit.load("stance", dtype="float32", backend="torch")
    work = speed.workloads(1024)[0][1]
    synthetic = ov_engine.OpenVinoEngine(clf.model, precision="f32", tokenizer=clf.tokenizer).calibration_inputs()
    targets = work.targets or []
    enc = clf.tokenizer(targets[-300:], work.texts[-300:], truncation=True, max_length=128)
    names = ("input_ids", "attention_mask", "token_type_ids")
    real = [{k: np.array([enc[k][i]], dtype=np.int64) for k in names} for i in range(300)]
    print(speed.cpu_class(), flush=True)
    if args.part in ("fixed", "all"):
        fixed(clf, synthetic)
    if args.part in ("int8", "all"):
        int8(clf, work, synthetic, real)
    if args.part in ("latency", "all"):
        latency(work)


if __name__ == "__main__":
    main()
