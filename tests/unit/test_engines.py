"""Every engine on a tiny model: the same scores in input order, truncation flags, streaming in bounded windows;
and the OpenVINO engine's own contract (choice by ``auto``, cache, fallback, int8, a clean stdout)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from stancekit.core.errors import ConfigError, MissingDependencyError
from stancekit.model.classifier import Classifier
from stancekit.model.head import softmax
from stancekit.runtime import batching
from stancekit.runtime import engines as engines_module
from stancekit.runtime.engines import onnx as onnx_engine
from stancekit.runtime.engines import openvino as ov_engine
from stancekit.runtime.engines import resolve_backend
from tests.conftest import MIXED, make_tiny

HAVE = {"torch": True, "onnx": onnx_engine.available(), "openvino": ov_engine.available()}
openvino_only = pytest.mark.skipif(not HAVE["openvino"], reason="openvino is not installed")

TEXTS = MIXED
TARGETS = ["csto", "russia", "armenia"] * 10


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    return make_tiny(tmp_path_factory.mktemp("ref"), backend="torch")


@pytest.fixture(params=["torch", "onnx", "openvino"])
def engine_clf(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Classifier:
    if not HAVE[request.param]:
        pytest.skip(f"{request.param} is not installed")
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    clf = make_tiny(tmp_path, backend=request.param)
    assert clf.backend == request.param
    return clf


# -------------------------------------------------------------------------------- the same on every engine
def test_scores_in_input_order_with_truncation_flags(engine_clf: Classifier, reference: Classifier) -> None:
    want = reference.predict_scores(TEXTS, TARGETS)
    # A small budget: many batches of different widths (sorted by length), which must come back in input order.
    engine_clf.batch_size, engine_clf.max_tokens = 4, 40
    got = engine_clf.predict_scores(TEXTS, TARGETS)
    assert np.array_equal(got.truncated, want.truncated) and got.truncated.any() and not got.truncated.all()
    assert np.abs(got.values - want.values).max() < 1e-4
    alone = np.stack([engine_clf.predict_proba(t, g) for t, g in zip(TEXTS[:6], TARGETS[:6])])
    assert np.abs(alone - want.values[:6]).max() < 1e-4


def test_streams_in_bounded_windows(engine_clf: Classifier, reference: Classifier) -> None:
    """The loop takes the input a window at a time: after the first window only that much has been read."""
    read = itertools.count()

    def items() -> Iterator[tuple[str, str | None]]:
        for i in range(10_000_000):  # far more than fits in memory as tensors: never materialised
            next(read)
            yield TEXTS[i % len(TEXTS)], TARGETS[i % len(TARGETS)]

    stream = batching.iter_network_scores(
        engine_clf.engine,
        engine_clf.tokenizer,
        items(),
        max_length=32,
        device=torch.device("cpu"),
        pair=True,
        batch_size=3,
        max_tokens=40,
        window=7,
    )
    first, second = next(stream), next(stream)
    assert len(first.values) == len(second.values) == 7
    assert next(read) <= 15  # two windows (and at most the one item that ended the second) were read
    want = reference.predict_proba(TEXTS[:14], TARGETS[:14])
    got = softmax(np.concatenate([first.values, second.values]))
    assert np.abs(got - want).max() < 1e-4
    stream.close()


# ------------------------------------------------------------------------------------ choosing the engine
def test_auto_picks_openvino_for_native_bf16_only(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = torch.device("cpu")
    monkeypatch.setattr(engines_module, "native_cpu_half", lambda: True)
    monkeypatch.setattr(ov_engine, "available", lambda: True)
    assert resolve_backend("auto", cpu, torch.bfloat16) == "openvino"
    assert resolve_backend("auto", cpu, torch.float32) == ("onnx" if HAVE["onnx"] else "torch")
    monkeypatch.setattr(ov_engine, "available", lambda: False)
    assert resolve_backend("auto", cpu, torch.bfloat16) == "torch"  # without OpenVINO: PyTorch's autocast
    monkeypatch.setattr(ov_engine, "available", lambda: True)
    monkeypatch.setattr(engines_module, "native_cpu_half", lambda: False)
    assert resolve_backend("auto", cpu, torch.bfloat16) == "torch"  # emulated bf16: no OpenVINO bf16 either


def test_openvino_backend_refuses_what_it_cannot_run() -> None:
    cpu = torch.device("cpu")
    with pytest.raises(ConfigError, match=r"OpenVINO backend runs float32, bfloat16 or int8 on the CPU"):
        resolve_backend("openvino", cpu, torch.float16)
    with pytest.raises(ConfigError, match=r"OpenVINO backend .* on cuda"):
        resolve_backend("openvino", torch.device("cuda"), torch.float32)
    with pytest.raises(ConfigError, match=r"unknown backend 'tensorrt'; use 'auto', 'torch', 'onnx', 'openvino'"):
        resolve_backend("tensorrt", cpu, torch.float32)


def test_missing_openvino_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "openvino", None)  # as if not installed
    assert not ov_engine.available()
    with pytest.raises(MissingDependencyError, match=r"^backend='openvino' needs openvino, .*stancekit\[openvino\]'$"):
        resolve_backend("openvino", torch.device("cpu"), torch.float32)
    assert resolve_backend("auto", torch.device("cpu"), torch.bfloat16) == "torch"  # quietly, without it


def test_precision_follows_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines_module, "native_cpu_half", lambda: True)
    assert engines_module.openvino_precision(torch.bfloat16) == "bf16"
    assert engines_module.openvino_precision(torch.float32) == "f32"
    assert engines_module.openvino_precision(torch.qint8) == "int8"
    monkeypatch.setattr(engines_module, "native_cpu_half", lambda: False)
    assert engines_module.openvino_precision(torch.bfloat16) == "f32"


# -------------------------------------------------------------------------------------- the OpenVINO engine
@openvino_only
def test_openvino_network_is_cached_and_keyed_by_the_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    first = make_tiny(tmp_path, backend="openvino").predict_proba(TEXTS[:6], "csto")
    (entry,) = ov_engine.cached_networks()  # one folder per entry: model.xml beside model.bin, nothing else
    assert sorted(p.name for p in entry.parent.iterdir()) == ["model.bin", "model.xml"]
    assert [p.name for p in (tmp_path / "cache" / "openvino").iterdir()] == [entry.parent.name]

    def no_convert(*args: object, **kwargs: object) -> object:
        raise AssertionError("converted again although the weights were cached")

    monkeypatch.setattr(ov_engine.OpenVinoEngine, "_convert", no_convert)
    again = make_tiny(tmp_path, backend="openvino")
    assert np.array_equal(first, again.predict_proba(TEXTS[:6], "csto")) and again.backend == "openvino"
    other = make_tiny(tmp_path, backend="openvino", seed=1)  # other weights: converted afresh (refused here)
    other.predict_proba(TEXTS[:6], "csto")
    assert other.backend == "torch"


@openvino_only
def test_openvino_follows_weight_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEKIT_CACHE", "off")
    clf = make_tiny(tmp_path, backend="openvino")
    before = clf.predict_proba(TEXTS[:6], "csto")
    first = clf.engine
    assert clf.engine is first
    with torch.no_grad():
        clf.model.classifier.bias.add_(torch.tensor([3.0, -3.0, 0.0]))
    after = clf.predict_proba(TEXTS[:6], "csto")
    assert clf.engine is not first and np.abs(after - before).max() > 0.05
    clf.backend = "torch"
    assert np.abs(after - clf.predict_proba(TEXTS[:6], "csto")).max() < 1e-4


@openvino_only
def test_openvino_follows_a_model_replaced_by_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEKIT_CACHE", "off")
    clf = make_tiny(tmp_path, backend="openvino")
    other = make_tiny(tmp_path, backend="torch", seed=5)
    expected = other.predict_proba(TEXTS[:6], "csto")
    first = clf.engine
    clf.predict_proba(TEXTS[:6], "csto")
    clf.model = other.model  # another network in the same Classifier: a new engine, its scores
    assert clf.engine is not first
    assert np.abs(clf.predict_proba(TEXTS[:6], "csto") - expected).max() < 0.02


@openvino_only
def test_failed_conversion_falls_back_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, reference: Classifier
) -> None:
    monkeypatch.setenv("STANCEKIT_CACHE", "off")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("unsupported operation")

    monkeypatch.setattr(ov_engine.OpenVinoEngine, "_convert", broken)
    clf = make_tiny(tmp_path, backend="openvino")
    with caplog.at_level("WARNING", logger="stancekit.runtime.engines.openvino"):
        got = clf.predict_proba(TEXTS, "csto")
    assert "OpenVINO conversion failed (unsupported operation)" in caplog.text
    assert clf.backend == "torch" and np.abs(got - reference.predict_proba(TEXTS, "csto")).max() < 1e-5
    int8 = Classifier(clf.model, clf.tokenizer, clf.spec, device="cpu", dtype="int8", backend="openvino")
    with pytest.raises(RuntimeError, match=r"int8' on OpenVINO needs the conversion, which failed"):
        int8.predict_proba(TEXTS, "csto")


@openvino_only
def test_openvino_bf16_is_close_to_float32(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEKIT_CACHE", "off")
    ref = make_tiny(tmp_path, backend="torch")
    fast = Classifier(ref.model, ref.tokenizer, ref.spec, device="cpu", dtype="bfloat16", backend="openvino")
    assert fast.backend == "openvino"
    got = fast.predict_scores(TEXTS, TARGETS)
    want = ref.predict_scores(TEXTS, TARGETS)
    assert np.array_equal(got.truncated, want.truncated)
    assert np.abs(got.values - want.values).max() < 0.05  # bf16 (where native; f32 elsewhere)


@openvino_only
def test_openvino_int8_scores_every_row_in_order_deterministically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("nncf")
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    ref = make_tiny(tmp_path, backend="torch")
    q = Classifier(ref.model, ref.tokenizer, ref.spec, device="cpu", dtype="int8", backend="openvino")
    got = q.predict_scores(TEXTS, "csto")
    assert q.backend == "openvino" and "dtype='int8'" in repr(q)
    assert capfd.readouterr().out == ""  # NNCF's progress bars go to stderr, never into the scores on stdout
    want = ref.predict_scores(TEXTS, "csto")
    assert got.values.shape == want.values.shape and np.allclose(got.values.sum(1), 1, atol=1e-5)
    assert np.array_equal(got.truncated, want.truncated)
    assert np.abs(got.values - want.values).max() < 0.3  # quantization moves probabilities, never wholesale
    assert [p.parent.name.endswith("-int8") for p in ov_engine.cached_networks()] == [True]
    monkeypatch.setenv("STANCEKIT_CACHE", "off")  # quantized afresh: the calibration is seeded, the same network
    again = Classifier(ref.model, ref.tokenizer, ref.spec, device="cpu", dtype="int8", backend="openvino")
    assert np.abs(again.predict_scores(TEXTS, "csto").values - got.values).max() < 1e-6


@openvino_only
def test_calibration_inputs_are_deterministic(tmp_path: Path) -> None:
    clf = make_tiny(tmp_path, backend="torch")
    engine = ov_engine.OpenVinoEngine(clf.model, precision="f32", tokenizer=clf.tokenizer)
    a, b = engine.calibration_inputs(rows=10), engine.calibration_inputs(rows=10)
    assert len(a) == 10 and all(np.array_equal(x[k], y[k]) for x, y in zip(a, b) for k in x)
    assert set(a[1]) == {"input_ids", "attention_mask", "token_type_ids"} and a[1]["token_type_ids"].any()
    with pytest.raises(ValueError, match="needs the tokenizer"):
        ov_engine.OpenVinoEngine(clf.model, precision="int8")


@openvino_only
@pytest.mark.parametrize("requests", [1, 2, 3])
def test_requests_in_flight_keep_the_order(tmp_path: Path, requests: int, reference: Classifier) -> None:
    clf = make_tiny(tmp_path, backend="torch")
    engine = ov_engine.OpenVinoEngine(clf.model, precision="f32", requests=requests)
    batches = [
        {k: torch.tensor(v) for k, v in clf.tokenizer([g] * n, [t] * n, return_tensors=None).items()}
        for t, g, n in zip(TEXTS[:7], TARGETS[:7], [1, 3, 2, 5, 1, 4, 2])
    ]
    got = list(engine.run_many(iter(batches)))
    want = [engine(b) for b in batches]
    assert [g.shape for g in got] == [w.shape for w in want]
    assert all(torch.allclose(g, w, atol=1e-6) for g, w in zip(got, want))


@openvino_only
def test_one_openvino_engine_serves_several_threads(tmp_path: Path, reference: Classifier) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clf = make_tiny(tmp_path, backend="openvino")
    clf.batch_size, clf.max_tokens = 4, 40
    want = reference.predict_proba(TEXTS, TARGETS)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: clf.predict_proba(TEXTS, TARGETS), range(8)))
    assert all(np.abs(r - want).max() < 1e-4 for r in results)


@openvino_only
def test_a_consumer_that_stops_early_leaves_no_request_running(tmp_path: Path) -> None:
    clf = make_tiny(tmp_path, backend="torch")
    engine = ov_engine.OpenVinoEngine(clf.model, precision="f32", requests=2)
    batch = {k: torch.tensor(v) for k, v in clf.tokenizer(["csto"] * 3, ["peace"] * 3).items()}
    stream = engine.run_many(iter([batch] * 5))
    next(stream)
    stream.close()  # the generator's finally waits for the request still in flight
    again = list(engine.run_many(iter([batch] * 3)))  # the same requests start again without "busy" errors
    assert len(again) == 3 and all(torch.allclose(a, again[0]) for a in again)


@openvino_only
def test_conversion_sends_no_telemetry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenVINO's converter would fork a process per telemetry event (trying the network); stancekit stubs it."""
    import os
    import time

    monkeypatch.setenv("STANCEKIT_CACHE", "off")
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    clf = make_tiny(tmp_path, backend="openvino")
    clf.predict_proba(TEXTS[:2], "csto")
    time.sleep(1.0)  # telemetry is sent from a background thread
    assert clf.backend == "openvino" and forks == []
