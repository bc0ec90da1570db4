"""Engines: what runs the network's forward pass, behind one small protocol, and the rule that picks one.

An :class:`Engine` takes the keyword tensors a tokenizer gives (``input_ids``, ``attention_mask``,
``token_type_ids``) and returns float logits of shape ``(rows, num_labels)`` on the CPU or the model's device.
Implementations: :class:`TorchEngine` (eager PyTorch, autocast for bfloat16/float16 on the CPU) and
:class:`~stancekit.runtime.engines.onnx.OnnxEngine` (the network exported to ONNX Runtime). A new engine (OpenVINO,
say) is one more class with this interface and one more branch in :func:`resolve_backend` / :func:`make_engine`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Literal, Protocol

import torch

from stancekit.core.deps import install_hint, require
from stancekit.core.errors import ConfigError, MissingDependencyError
from stancekit.runtime.engines import onnx

logger = logging.getLogger(__name__)

BackendName = Literal["auto", "torch", "onnx"]
BACKENDS = ("auto", "torch", "onnx")


class Engine(Protocol):
    """Runs a forward pass: keyword input tensors in, ``(rows, num_labels)`` logits out."""

    num_labels: int

    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor: ...


class TorchEngine:
    """Eager PyTorch: the model itself under ``torch.inference_mode``, with autocast for CPU half precisions.

    On CUDA half precisions the weights themselves are cast (:func:`stancekit.runtime.device.prepare_model`), so
    no autocast is needed there.
    """

    def __init__(self, model: torch.nn.Module, device: torch.device, dtype: torch.dtype) -> None:
        self.model, self.device, self.dtype = model, device, dtype
        self.num_labels = int(getattr(model, "config").num_labels)  # noqa: B009  (a transformers config)

    def _autocast(self) -> contextlib.AbstractContextManager[object]:
        if self.dtype not in (torch.bfloat16, torch.float16) or self.device.type == "cuda":
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        with torch.inference_mode(), self._autocast():
            return self.model(**inputs).logits


def resolve_backend(backend: str | None, device: torch.device, dtype: torch.dtype) -> str:
    """Choose the engine that runs the network: ``"torch"`` (eager PyTorch) or ``"onnx"`` (ONNX Runtime).

    ``auto`` picks ONNX Runtime on the CPU for float32 and int8 when it is installed (same labels as PyTorch
    float32, faster; see benchmarks/README.md) and PyTorch everywhere else.

    Raises:
        ConfigError: an unknown backend, or a combination it cannot run.
        MissingDependencyError: ONNX Runtime asked for (or needed by int8) but not installed.
    """
    name = (backend or "auto").strip().lower()
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; use 'auto', 'torch' or 'onnx'")
    onnx_fits = device.type == "cpu" and dtype in (torch.float32, torch.qint8)
    if name == "auto":
        if onnx_fits and onnx.available():
            return "onnx"
        if dtype == torch.qint8:
            raise MissingDependencyError(
                f"dtype='int8' runs on ONNX Runtime, which is not installed: {install_hint('onnx')}"
            )
        return "torch"
    if name == "onnx":
        if not onnx_fits:
            raise ConfigError(
                f"the ONNX backend runs float32 or int8 on the CPU, not {str(dtype).replace('torch.', '')} on "
                f"{device}; use backend='torch'"
            )
        if not onnx.available():  # raises MissingDependencyError naming the [onnx] extra
            for module in ("onnxruntime", "onnx"):
                require(module, "onnx", purpose="backend='onnx'")
        return "onnx"
    if dtype == torch.qint8:
        raise ConfigError("dtype='int8' runs on the ONNX backend; use backend='auto' or 'onnx'")
    return "torch"


def make_engine(model: torch.nn.Module, backend: str, device: torch.device, dtype: torch.dtype) -> tuple[Any, str]:
    """The engine for ``backend`` (as :func:`resolve_backend` returned it) and the backend it really uses.

    An ONNX export that fails falls back to PyTorch with a warning (float32), or raises for int8, which has no
    PyTorch path.
    """
    if backend == "onnx":
        built = onnx.build(model, quantize=dtype == torch.qint8)
        if built is not None:
            return built, "onnx"
    return TorchEngine(model, device, dtype), "torch"


def engine_is_current(engine: Any, model: torch.nn.Module) -> bool:
    """Whether ``engine`` still runs ``model``'s current weights: an ONNX export is a copy taken once, a
    :class:`TorchEngine` wraps one module (a model replaced by another needs a new engine)."""
    if isinstance(engine, TorchEngine):
        return engine.model is model
    return bool(engine.version == onnx.weights_version(model))
