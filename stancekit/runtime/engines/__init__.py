"""Engines: what runs the network's forward pass, behind one small protocol, and the rule that picks one.

An :class:`Engine` takes the keyword tensors a tokenizer gives (``input_ids``, ``attention_mask``,
``token_type_ids``) and returns float logits of shape ``(rows, num_labels)`` on the CPU or the model's device.
Implementations: :class:`TorchEngine` (eager PyTorch, autocast for bfloat16/float16 on the CPU),
:class:`~stancekit.runtime.engines.onnx.OnnxEngine` (the network exported to ONNX Runtime) and
:class:`~stancekit.runtime.engines.openvino.OpenVinoEngine` (the network compiled by OpenVINO's CPU plugin). A new
engine is one more class with this interface and one more branch in :func:`resolve_backend` / :func:`make_engine`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Literal, Protocol

import torch

from stancekit.core.deps import available, install_hint, require
from stancekit.core.errors import ConfigError, MissingDependencyError
from stancekit.core.hardware import native_cpu_half
from stancekit.runtime.engines import onnx, openvino

logger = logging.getLogger(__name__)

BackendName = Literal["auto", "torch", "onnx", "openvino"]
BACKENDS = ("auto", "torch", "onnx", "openvino")


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


def _bf16_openvino_fits(device: torch.device, dtype: torch.dtype) -> bool:
    return device.type == "cpu" and dtype == torch.bfloat16 and native_cpu_half()


def resolve_backend(backend: str | None, device: torch.device, dtype: torch.dtype) -> str:
    """Choose the engine that runs the network: ``"torch"`` (eager PyTorch), ``"onnx"`` (ONNX Runtime) or
    ``"openvino"`` (OpenVINO's CPU plugin).

    ``auto`` follows what ``benchmarks/speed.py`` measured (table in benchmarks/README.md, "Speed"):

    - on a CPU with native bfloat16 (AVX512-BF16 or AMX), bfloat16 runs on OpenVINO when it is installed
      (1.3-1.5x PyTorch's bf16 autocast on AVX512-BF16; 1.4x on AMX), else on PyTorch;
    - float32 and int8 on the CPU run on ONNX Runtime when it is installed (same labels as PyTorch float32,
      faster), else float32 on PyTorch;
    - everything on CUDA runs on PyTorch.

    Raises:
        ConfigError: an unknown backend, or a combination it cannot run.
        MissingDependencyError: ONNX Runtime or OpenVINO asked for (or int8's engine needed) but not installed.
    """
    name = (backend or "auto").strip().lower()
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; use {', '.join(repr(b) for b in BACKENDS)}")
    onnx_fits = device.type == "cpu" and dtype in (torch.float32, torch.qint8)
    if name == "auto":
        if _bf16_openvino_fits(device, dtype) and openvino.available():
            return "openvino"
        if onnx_fits and onnx.available():
            return "onnx"
        if dtype == torch.qint8:
            if openvino.available() and available("nncf"):
                return "openvino"
            raise MissingDependencyError(
                f"dtype='int8' runs on ONNX Runtime or OpenVINO, neither is installed: {install_hint('onnx')}"
            )
        return "torch"
    if name == "onnx":
        if not onnx_fits:
            raise ConfigError(
                f"the ONNX backend runs float32 or int8 on the CPU, not {str(dtype).replace('torch.', '')} on "
                f"{device}; use backend='torch' or 'openvino'"
            )
        if not onnx.available():  # raises MissingDependencyError naming the [onnx] extra
            for module in ("onnxruntime", "onnx"):
                require(module, "onnx", purpose="backend='onnx'")
        return "onnx"
    if name == "openvino":
        if device.type != "cpu" or dtype == torch.float16:
            raise ConfigError(
                f"the OpenVINO backend runs float32, bfloat16 or int8 on the CPU, not "
                f"{str(dtype).replace('torch.', '')} on {device}; use backend='torch'"
            )
        openvino.require_openvino("backend='openvino'")
        if dtype == torch.qint8:
            require("nncf", "openvino", purpose="dtype='int8' on the OpenVINO backend")
        return "openvino"
    if dtype == torch.qint8:
        raise ConfigError("dtype='int8' runs on the ONNX or OpenVINO backend; use backend='auto', 'onnx' or 'openvino'")
    return "torch"


def openvino_precision(dtype: torch.dtype) -> str:
    """OpenVINO's inference precision for a stancekit dtype (bfloat16 where the CPU lacks it runs as f32)."""
    if dtype == torch.qint8:
        return "int8"
    return "bf16" if dtype == torch.bfloat16 and native_cpu_half() else "f32"


def make_engine(
    model: torch.nn.Module, backend: str, device: torch.device, dtype: torch.dtype, tokenizer: Any = None
) -> tuple[Any, str]:
    """The engine for ``backend`` (as :func:`resolve_backend` returned it) and the backend it really uses.

    An ONNX export or OpenVINO conversion that fails falls back to PyTorch with a warning, or raises for int8,
    which has no PyTorch path. ``tokenizer`` builds OpenVINO int8's calibration inputs.
    """
    if backend == "onnx":
        built = onnx.build(model, quantize=dtype == torch.qint8)
        if built is not None:
            return built, "onnx"
    if backend == "openvino":
        converted = openvino.build(model, precision=openvino_precision(dtype), tokenizer=tokenizer)
        if converted is not None:
            return converted, "openvino"
    return TorchEngine(model, device, dtype), "torch"


def engine_is_current(engine: Any, model: torch.nn.Module) -> bool:
    """Whether ``engine`` still runs ``model``'s current weights: an ONNX export is a copy taken once, a
    :class:`TorchEngine` wraps one module (a model replaced by another needs a new engine)."""
    if isinstance(engine, TorchEngine):
        return engine.model is model
    return bool(engine.weights.current(model))  # ONNX and OpenVINO engines alike (exported.WeightsWatch)
