"""Device/dtype resolution and batch planning (CPU only; no test needs a GPU)."""

from __future__ import annotations

import pytest
import torch

from stancekit.inference import plan_batches, resolve_device, resolve_dtype


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


def test_resolve_dtype() -> None:
    cpu = torch.device("cpu")
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


def test_bf16_autocast_path_runs(tiny_stance) -> None:  # type: ignore[no-untyped-def]
    from stancekit.classifier import Classifier

    fast = Classifier(tiny_stance.model, tiny_stance.tokenizer, tiny_stance.spec, device="cpu", dtype="bfloat16")
    ref = tiny_stance.predict_proba(["armenia might leave the csto"] * 3, targets="csto")
    got = fast.predict_proba(["armenia might leave the csto"] * 3, targets="csto")
    assert got.shape == ref.shape
    assert abs(got - ref).max() < 0.05
