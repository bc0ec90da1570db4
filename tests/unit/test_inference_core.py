"""Device/dtype resolution and batch planning (CPU only; no test needs a GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stancekit.runtime import device as inference
from stancekit.runtime.batching import pad_batch, plan_batches
from stancekit.runtime.device import resolve_device, resolve_dtype
from tests.conftest import MIXED


def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_unavailable_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")
    assert resolve_device("auto") == torch.device("cpu")


def test_resolve_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = torch.device("cpu")
    # auto: bfloat16 where the CPU multiplies it natively, float32 where it would be emulated
    monkeypatch.setattr(inference, "native_cpu_half", lambda: True)
    assert resolve_dtype("auto", cpu) == torch.bfloat16
    assert resolve_dtype(None, cpu) == torch.bfloat16
    monkeypatch.setattr(inference, "native_cpu_half", lambda: False)
    assert resolve_dtype("auto", cpu) == torch.float32
    assert resolve_dtype("bfloat16", cpu) == torch.bfloat16
    assert resolve_dtype(torch.float16, cpu) == torch.float16
    with pytest.raises(ValueError, match="unknown dtype 'int4'"):
        resolve_dtype("int4", cpu)
    with pytest.raises(ValueError, match="unsupported dtype"):
        resolve_dtype(torch.int8, cpu)


def test_plan_batches_respects_budget_and_covers_every_row() -> None:
    lengths = [5, 50, 7, 300, 12, 12, 8, 1, 64]
    batches = plan_batches(lengths, batch_size=4, max_tokens=128)
    seen = sorted(i for b in batches for i in b.tolist())
    assert seen == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 4
        longest = max(lengths[i] for i in b)
        assert len(b) * longest <= 128 or len(b) == 1  # an over-long row travels alone
        assert lengths[b[0]] == longest  # first row of a batch is its longest (descending sort)


def test_plan_batches_rejects_nothing_for_empty_input() -> None:
    assert plan_batches([], batch_size=4, max_tokens=10) == []


def test_pad_batch_pads_each_row_to_the_longest_with_its_mask_and_types() -> None:
    ids = [[101, 7, 102], [101, 5, 6, 8, 102], [101, 102]]
    types = [[0, 0, 0], [0, 0, 1, 1, 1], [0, 1]]
    lengths = [len(r) for r in ids]
    out = pad_batch(np.array([1, 0, 2]), ids, types, lengths, pad_id=9)
    assert out["input_ids"].tolist() == [[101, 5, 6, 8, 102], [101, 7, 102, 9, 9], [101, 102, 9, 9, 9]]
    assert out["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]]
    assert out["token_type_ids"].tolist() == [[0, 0, 1, 1, 1], [0, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    assert all(t.dtype == torch.long for t in out.values())
    assert "token_type_ids" not in pad_batch(np.array([0]), ids, None, lengths, pad_id=0)


def test_bf16_autocast_path_runs(tiny_stance) -> None:  # type: ignore[no-untyped-def]
    from stancekit.model.classifier import Classifier

    fast = Classifier(tiny_stance.model, tiny_stance.tokenizer, tiny_stance.spec, device="cpu", dtype="bfloat16")
    ref = tiny_stance.predict_proba(["armenia might leave the csto"] * 3, targets="csto")
    got = fast.predict_proba(["armenia might leave the csto"] * 3, targets="csto")
    assert got.shape == ref.shape
    assert abs(got - ref).max() < 0.05


# ----------------------------------------------------------------------------------- backends and fast paths


def test_backend_resolution() -> None:
    from stancekit.runtime.engines import onnx as onnx_engine
    from stancekit.runtime.engines import resolve_backend

    cpu = torch.device("cpu")
    assert resolve_backend("auto", cpu, torch.float32) == ("onnx" if onnx_engine.available() else "torch")
    assert resolve_backend("torch", cpu, torch.float32) == "torch"
    from stancekit.core.hardware import native_cpu_half
    from stancekit.runtime.engines import openvino as ov_engine

    # ONNX runs float32 and int8 only; bfloat16 runs on OpenVINO where the CPU has it natively (test_engines.py)
    bf16 = "openvino" if ov_engine.available() and native_cpu_half() else "torch"
    assert resolve_backend("auto", cpu, torch.bfloat16) == bf16
    with pytest.raises(ValueError, match="unknown backend 'tensorrt'"):
        resolve_backend("tensorrt", cpu, torch.float32)
    with pytest.raises(ValueError, match=r"int8.*ONNX or OpenVINO backend"):
        resolve_backend("torch", cpu, torch.qint8)
    with pytest.raises(ValueError, match="runs float32 or int8 on the CPU"):
        resolve_backend("onnx", cpu, torch.bfloat16)
    with pytest.raises(ValueError, match="int8' runs on the CPU only"):
        resolve_dtype("int8", torch.device("cuda"))
    assert resolve_dtype("int8", cpu) == torch.qint8


def test_default_budget_per_device(tiny_stance) -> None:  # type: ignore[no-untyped-def]
    from stancekit.runtime.device import DEFAULT_BUDGETS, default_budget

    assert default_budget(torch.device("cpu")) == DEFAULT_BUDGETS["cpu"]
    assert default_budget(torch.device("cuda")) == DEFAULT_BUDGETS["cuda"]
    assert (tiny_stance.batch_size, tiny_stance.max_tokens) == default_budget(torch.device("cpu"), tiny_stance.backend)


def test_openvino_on_amx_gets_the_larger_token_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from stancekit.runtime import device as dev

    cpu = torch.device("cpu")
    monkeypatch.setattr(dev, "has_amx", lambda: True)
    assert dev.default_budget(cpu, "openvino") == (dev.DEFAULT_BUDGETS["cpu"][0], dev.AMX_OPENVINO_TOKENS)
    assert dev.default_budget(cpu, "onnx") == dev.DEFAULT_BUDGETS["cpu"]
    assert dev.default_budget(torch.device("cuda"), "openvino") == dev.DEFAULT_BUDGETS["cuda"]
    monkeypatch.setattr(dev, "has_amx", lambda: False)
    assert dev.default_budget(cpu, "openvino") == dev.DEFAULT_BUDGETS["cpu"]


onnx_only = pytest.mark.skipif(
    not __import__("stancekit.runtime.engines.onnx", fromlist=["available"]).available(),
    reason="onnxruntime is not installed",
)


@onnx_only
def test_onnx_float32_matches_torch_float32_in_input_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_tiny

    torch_clf = make_tiny(tmp_path, backend="torch")
    onnx_clf = make_tiny(tmp_path, backend="onnx")
    targets = ["csto", "russia", "armenia"] * 10
    ref = torch_clf.predict_scores(MIXED, targets)
    # A small budget forces many batches of different widths: the order must still come back as given.
    onnx_clf.batch_size, onnx_clf.max_tokens = 4, 40
    got = onnx_clf.predict_scores(MIXED, targets)
    assert onnx_clf.backend == "onnx" and type(onnx_clf.engine).__name__ == "OnnxEngine"
    assert np.array_equal(got.truncated, ref.truncated) and got.truncated.any()
    assert np.abs(got.values - ref.values).max() < 1e-4
    assert (got.values.argmax(1) == ref.values.argmax(1)).all()
    one_by_one = np.stack([onnx_clf.predict_proba(t, g) for t, g in zip(MIXED[:6], targets[:6])])
    assert np.abs(one_by_one - ref.values[:6]).max() < 1e-4


@onnx_only
def test_onnx_engine_follows_weight_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_tiny

    clf = make_tiny(tmp_path, backend="onnx")
    before = clf.predict_proba(MIXED[:6], "csto")
    first_engine = clf.engine
    assert clf.engine is first_engine  # unchanged weights: the export is reused
    with torch.no_grad():
        clf.model.classifier.bias.add_(torch.tensor([3.0, -3.0, 0.0]))  # in place, as an optimizer step would
    after = clf.predict_proba(MIXED[:6], "csto")
    assert clf.engine is not first_engine
    clf.backend = "torch"
    assert np.abs(after - clf.predict_proba(MIXED[:6], "csto")).max() < 1e-4
    assert np.abs(after - before).max() > 0.05


@onnx_only
def test_onnx_export_is_cached_and_keyed_by_the_weights(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from stancekit.runtime.engines import onnx as onnx_engine
    from tests.conftest import make_tiny

    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))
    first = make_tiny(tmp_path, backend="onnx").predict_proba(MIXED[:6], "csto")
    assert len(list((tmp_path / "cache" / "onnx").glob("*.onnx"))) == 1

    def no_export(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("exported again although the weights were cached")

    monkeypatch.setattr(onnx_engine.OnnxEngine, "_export", no_export)
    again = make_tiny(tmp_path, backend="onnx").predict_proba(MIXED[:6], "csto")
    assert np.array_equal(first, again)
    other = make_tiny(tmp_path, backend="onnx", seed=1)  # other weights: a new export (refused here), not the cache
    other.predict_proba(MIXED[:6], "csto")
    assert other.backend == "torch"


@onnx_only
def test_failed_export_falls_back_to_torch(tmp_path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from stancekit.runtime.engines import onnx as onnx_engine
    from tests.conftest import make_tiny

    monkeypatch.setenv("STANCEKIT_CACHE", "off")

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(onnx_engine.OnnxEngine, "_export", broken)
    clf = make_tiny(tmp_path, backend="onnx")
    ref = make_tiny(tmp_path, backend="torch").predict_proba(MIXED, "csto")
    with caplog.at_level("WARNING", logger="stancekit.runtime.engines.onnx"):
        got = clf.predict_proba(MIXED, "csto")
    assert "ONNX export failed (unsupported operator)" in caplog.text
    assert clf.backend == "torch" and np.array_equal(got, ref)
    int8 = make_tiny(tmp_path, backend="onnx")
    int8.dtype = torch.qint8
    with pytest.raises(RuntimeError, match=r"int8.*export, which failed"):
        int8.predict_proba(MIXED, "csto")


@onnx_only
def test_int8_path_scores_every_row_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stancekit.model.classifier import Classifier
    from tests.conftest import make_tiny

    ref = make_tiny(tmp_path, backend="torch")
    q = Classifier(ref.model, ref.tokenizer, ref.spec, device="cpu", dtype="int8")
    assert q.backend == "onnx" and "dtype='int8'" in repr(q)
    got = q.predict_scores(MIXED, "csto")
    want = ref.predict_scores(MIXED, "csto")
    assert got.values.shape == want.values.shape and np.allclose(got.values.sum(1), 1, atol=1e-5)
    assert np.array_equal(got.truncated, want.truncated)
    # Quantization moves probabilities a little, never wholesale (label agreement on real data:
    # tests/integration and benchmarks/speed.py).
    assert np.abs(got.values - want.values).max() < 0.2
