"""ONNX Runtime engine: the CPU fast path of the inference core.

The float32 network is exported (in memory, once per set of weights) with ``torch.onnx.export`` and run by ONNX
Runtime's CPU provider, whose fused kernels beat eager PyTorch on small encoders; with ``dtype="int8"`` its linear
layers are dynamically quantized (int8 weights per output channel, int8 activations per batch). It implements the
:class:`~stancekit.runtime.engines.Engine` protocol. Measured gains and label agreement: ``benchmarks/README.md``
("Speed").
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch

from stancekit.core.deps import available as _available
from stancekit.core.deps import require
from stancekit.core.hashing import tensors_sha256
from stancekit.runtime.engines.exported import (
    Logits,
    WeightsWatch,
    cache_dir,
    example_inputs,
    input_names,
    int64_inputs,
    use_cache,
)

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "1"  # bump when the export recipe changes, so that old cache entries are not reused


def available() -> bool:
    """Whether ONNX Runtime (and the ``onnx`` package the exporter needs) can be imported here."""
    return _available("onnxruntime") and _available("onnx")


class OnnxEngine:
    """The exported network in an ONNX Runtime session.

    Args:
        model: a float32 ``transformers`` sequence-classification model on the CPU.
        quantize: dynamically quantize the linear layers to int8.
        threads: intra-op threads (default: ``torch.get_num_threads()``, so one setting governs both backends).
    """

    def __init__(self, model: torch.nn.Module, *, quantize: bool = False, threads: int | None = None) -> None:
        ort = require("onnxruntime", "onnx", purpose="the ONNX engine")

        self.config: Any = getattr(model, "config")  # noqa: B009  (a transformers config)
        self.num_labels = int(self.config.num_labels)
        self.input_names = input_names(model)
        self.quantize = quantize
        self.weights = WeightsWatch(model)
        onnx_bytes = self._cached(model)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
        self._session_inputs = tuple(i.name for i in self.session.get_inputs())

    def _cached(self, model: torch.nn.Module) -> bytes:
        """The exported (and quantized) network, from the cache when these exact weights were exported before.

        The cache key hashes every weight and buffer, the input names and the versions of the exporter, so a
        changed model never meets a stale export; a cache that cannot be written is skipped.
        """
        onnxruntime = require("onnxruntime", "onnx", purpose="the ONNX engine")

        versions = (EXPORT_FORMAT, torch.__version__, onnxruntime.__version__, ",".join(self.input_names))
        key = tensors_sha256(model.state_dict(), (*versions, repr(self.config.to_dict())))[:32]
        path = cache_dir() / "onnx" / f"{key}{'-int8' if self.quantize else ''}.onnx"
        cached = use_cache()
        if cached and path.is_file():
            return path.read_bytes()
        onnx_bytes = self._export(model)
        if self.quantize:
            onnx_bytes = self._quantize(onnx_bytes)
        if cached:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(onnx_bytes)
                tmp.replace(path)
            except OSError as exc:
                logger.info("cannot cache the ONNX export in %s: %s", path.parent, exc)
        return onnx_bytes

    def _export(self, model: torch.nn.Module) -> bytes:
        example = example_inputs(self.input_names)
        buffer = io.BytesIO()
        was_training = model.training
        model.eval()
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes are not the user's
                export: Any = torch.onnx.export  # typed for paths; it also writes to a file object
                export(
                    Logits(model, self.input_names),
                    example,
                    buffer,
                    input_names=list(self.input_names),
                    output_names=["logits"],
                    dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in self.input_names}, "logits": {0: "batch"}},
                    opset_version=17,
                    dynamo=False,
                )
        finally:
            model.train(was_training)
        return buffer.getvalue()

    @staticmethod
    def _quantize(onnx_bytes: bytes) -> bytes:
        onnx = require("onnx", "onnx", purpose="dtype='int8'")
        quantization = require("onnxruntime.quantization", "onnx", purpose="dtype='int8'")

        with tempfile.TemporaryDirectory(prefix="stancekit-int8-") as tmp:
            out = Path(tmp) / "model.int8.onnx"
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # the quantizer's advice goes to the root logger, at WARNING
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    quantization.quantize_dynamic(
                        onnx.load_from_string(onnx_bytes),
                        out,
                        weight_type=quantization.QuantType.QInt8,
                        per_channel=True,
                        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                    )
            finally:
                root.setLevel(level)
            return out.read_bytes()

    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        feed = int64_inputs(inputs, self._session_inputs)
        (logits,) = self.session.run(["logits"], feed)
        return torch.from_numpy(logits)


def build(model: torch.nn.Module, *, quantize: bool) -> OnnxEngine | None:
    """An :class:`OnnxEngine` for ``model``, or ``None`` (with a warning) when the export fails."""
    try:
        return OnnxEngine(model, quantize=quantize)
    except Exception as exc:  # any exporter/runtime failure falls back to PyTorch, loudly
        if quantize:
            raise RuntimeError(f"dtype='int8' needs the ONNX export, which failed: {exc}") from exc
        logger.warning("ONNX export failed (%s); scoring with PyTorch instead (backend='torch')", exc)
        return None
