"""Device, dtype and batch budget, each resolved once by one helper that validates its input."""

from __future__ import annotations

import logging
from typing import Literal

import torch

from stancekit.core.errors import ConfigError
from stancekit.core.hardware import has_amx, native_cpu_half

logger = logging.getLogger(__name__)

DeviceName = Literal["auto", "cpu", "cuda"]
DtypeName = Literal["auto", "float32", "bfloat16", "float16", "int8"]
#: "int8" is dynamic quantization (int8 weights and activations in the linear layers), on the ONNX backend.
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16, "int8": torch.qint8}

#: Batch budgets per device type (rows, padded tokens). On the CPU a small token budget keeps each layer's
#: activations in cache (256 rows / 1,024 tokens: 1.05-1.30x the rows/s of 64 / 8,192 in benchmarks/speed.py); a GPU
#: wants large batches to fill its cores.
DEFAULT_BUDGETS = {"cpu": (256, 1024), "cuda": (512, 32768)}


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"``/``"cpu"``/``"cuda"``/``"cuda:N"`` into a usable :class:`torch.device`.

    ``auto`` picks CUDA when available, else the CPU.

    Raises:
        ConfigError: unknown device name, or CUDA asked for where none is available.
    """
    name = str(device) if isinstance(device, torch.device) else (device or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ConfigError(f"device {name!r} requested but CUDA is not available here; use device='cpu'")
        return torch.device(name)
    raise ConfigError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'")


def _auto_dtype(device: torch.device) -> torch.dtype:
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if native_cpu_half() else torch.float32


def resolve_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """Choose the compute precision for ``device``.

    ``auto`` is, on the CPU, bfloat16 where the CPU multiplies it natively (AVX512-BF16 or AMX; run by OpenVINO,
    else by PyTorch's autocast: labels agreeing with float32 on 99.79-99.95% of the test rows measured in
    ``benchmarks/README.md``) and float32 elsewhere (bfloat16 is emulated there, several times slower); on CUDA
    bfloat16 (or float16 where bfloat16 is unsupported). ``int8`` (quantization, labels agree on only ~96-99%) is
    opt-in and runs on the CPU only.

    Raises:
        ConfigError: unknown dtype, or one the device cannot run.
    """
    if isinstance(dtype, torch.dtype):
        if dtype not in DTYPES.values():
            raise ConfigError(f"unsupported dtype {dtype}; use one of {', '.join(DTYPES)}")
        chosen = dtype
    else:
        name = (dtype or "auto").strip().lower()
        if name == "auto":
            return _auto_dtype(device)
        if name not in DTYPES:
            raise ConfigError(f"unknown dtype {name!r}; use 'auto', {', '.join(repr(k) for k in DTYPES)}")
        chosen = DTYPES[name]
    if device.type == "cuda" and chosen == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        raise ConfigError("this GPU does not support bfloat16; use dtype='float16'")
    if device.type != "cpu" and chosen == torch.qint8:
        raise ConfigError(f"dtype='int8' runs on the CPU only; on {device} use 'float16' or 'bfloat16'")
    if device.type == "cpu" and chosen in (torch.bfloat16, torch.float16) and not native_cpu_half():
        logger.warning(
            "this CPU has no native %s arithmetic (no AVX512-BF16/AMX): it is emulated and runs several times "
            "slower than float32; dtype='auto' (float32) or 'int8' is faster here",
            dtype_name(chosen),
        )
    return chosen


def dtype_name(dtype: torch.dtype) -> str:
    """``"float32"``, ``"bfloat16"``, ``"int8"``: the name a user passes for ``dtype``."""
    return "int8" if dtype == torch.qint8 else str(dtype).replace("torch.", "")


#: OpenVINO bf16 on an AMX CPU: tile matrix products want twice the tokens per batch (A/B, 5 rounds of 1,024 rows:
#: 2,048 tokens 1.09x / 1.14x the rows/s of 1,024 on stance pairs / tweets; on AVX512-BF16 without AMX 0.92-0.99x,
#: so 1,024 stays there; benchmarks/README.md, notes).
AMX_OPENVINO_TOKENS = 2048


def default_budget(device: torch.device, backend: str | None = None) -> tuple[int, int]:
    """Default ``(batch_size, max_tokens)`` for a device (and the engine that runs on it, once resolved)."""
    rows, tokens = DEFAULT_BUDGETS.get(device.type, DEFAULT_BUDGETS["cpu"])
    if device.type == "cpu" and backend == "openvino" and has_amx():
        tokens = AMX_OPENVINO_TOKENS
    return rows, tokens


def prepare_model(model: torch.nn.Module, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    """Move ``model`` to ``device`` in eval mode; on CUDA half precisions cast the weights."""
    model = model.to(device)
    if device.type == "cuda" and dtype in (torch.bfloat16, torch.float16):
        model = model.to(dtype)
    return model.eval()
