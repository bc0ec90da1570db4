"""The one batched inference loop, and device/dtype resolution.

Every entry point (the Python API, the CLI, evaluation, benchmarks) goes through :func:`iter_proba`:

1. take the input stream a chunk at a time (memory stays bounded however long the stream is);
2. tokenize the chunk (target/text pairs for stance), truncating over-long inputs and flagging them;
3. sort the chunk by length and cut it into batches under a token budget (rows x padded length);
4. pad each batch only to its own longest row, run the network: eager PyTorch under ``torch.inference_mode``,
   or its ONNX Runtime export (:mod:`stancekit.onnx_engine`, the CPU default); on CUDA the inputs travel
   through pinned memory asynchronously and results are fetched once per chunk, so the CPU prepares the next
   batch while the GPU computes;
5. softmax in float32, move to CPU, restore the input order, yield.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

DeviceName = Literal["auto", "cpu", "cuda"]
DtypeName = Literal["auto", "float32", "bfloat16", "float16", "int8"]
BackendName = Literal["auto", "torch", "onnx"]
#: "int8" is dynamic quantization (int8 weights and activations in the linear layers), on the ONNX backend.
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16, "int8": torch.qint8}

#: Batch budgets per device type (rows, padded tokens). On the CPU a small token budget keeps each layer's
#: activations in cache (256 rows / 1,024 tokens: 1.05-1.30x the rows/s of 64 / 8,192 in benchmarks/speed.py); a GPU
#: wants large batches to fill its cores.
DEFAULT_BUDGETS = {"cpu": (256, 1024), "cuda": (512, 32768)}
DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS = DEFAULT_BUDGETS["cpu"]
DEFAULT_CHUNK_SIZE = 4096
MAX_CHARS_PER_TOKEN = 128


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"``/``"cpu"``/``"cuda"``/``"cuda:N"`` into a usable :class:`torch.device`.

    ``auto`` picks CUDA when available, else the CPU.

    Raises:
        ValueError: unknown device name, or CUDA asked for where none is available.
    """
    if isinstance(device, torch.device):
        name = str(device)
    else:
        name = (device or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} requested but CUDA is not available here; use device='cpu'")
        return torch.device(name)
    raise ValueError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'")


def resolve_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """Choose the compute precision for ``device``.

    ``auto`` is, on the CPU, bfloat16 (autocast) where the CPU multiplies it natively (AVX512-BF16 or AMX:
    1.4-1.6x float32 ONNX Runtime end to end, labels agreeing with float32 on 99.77-99.93% of the test rows
    measured in ``benchmarks/README.md``) and float32 elsewhere (bfloat16 is emulated there, several times
    slower); on CUDA bfloat16 (or float16 where bfloat16 is unsupported). ``int8`` (dynamic quantization, labels
    agree on only ~97%) is opt-in and runs on the CPU only.

    Raises:
        ValueError: unknown dtype, or one the device cannot run.
    """
    if isinstance(dtype, torch.dtype):
        if dtype not in _DTYPES.values():
            raise ValueError(f"unsupported dtype {dtype}; use one of {', '.join(_DTYPES)}")
        chosen = dtype
    else:
        name = (dtype or "auto").strip().lower()
        if name == "auto":
            if device.type == "cuda":
                return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            return torch.bfloat16 if native_cpu_half() else torch.float32
        if name not in _DTYPES:
            raise ValueError(f"unknown dtype {name!r}; use 'auto', {', '.join(repr(k) for k in _DTYPES)}")
        chosen = _DTYPES[name]
    if device.type == "cuda" and chosen == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        raise ValueError("this GPU does not support bfloat16; use dtype='float16'")
    if device.type != "cpu" and chosen == torch.qint8:
        raise ValueError(f"dtype='int8' runs on the CPU only; on {device} use 'float16' or 'bfloat16'")
    if device.type == "cpu" and chosen in (torch.bfloat16, torch.float16) and not native_cpu_half():
        logger.warning(
            "this CPU has no native %s arithmetic (no AVX512-BF16/AMX): it is emulated and runs several times "
            "slower than float32; dtype='auto' (float32) or 'int8' is faster here",
            str(chosen).replace("torch.", ""),
        )
    return chosen


def native_cpu_half() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere it is emulated."""
    cpu: Any = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(cpu, name, lambda: False)()) for name in checks)


def resolve_backend(backend: str | None, device: torch.device, dtype: torch.dtype) -> str:
    """Choose the engine that runs the network: ``"torch"`` (eager PyTorch) or ``"onnx"`` (ONNX Runtime).

    ``auto`` picks ONNX Runtime on the CPU for float32 and int8 when it is installed (same labels as PyTorch
    float32, faster; see benchmarks/README.md) and PyTorch everywhere else.

    Raises:
        ValueError: an unknown backend, or a combination it cannot run.
    """
    from stancekit import onnx_engine

    name = (backend or "auto").strip().lower()
    if name not in ("auto", "torch", "onnx"):
        raise ValueError(f"unknown backend {name!r}; use 'auto', 'torch' or 'onnx'")
    onnx_fits = device.type == "cpu" and dtype in (torch.float32, torch.qint8)
    if name == "auto":
        if onnx_fits and onnx_engine.available():
            return "onnx"
        if dtype == torch.qint8:
            raise ValueError("dtype='int8' runs on ONNX Runtime, which is not installed: pip install onnxruntime onnx")
        return "torch"
    if name == "onnx":
        if not onnx_fits:
            raise ValueError(
                f"the ONNX backend runs float32 or int8 on the CPU, not {str(dtype).replace('torch.', '')} on "
                f"{device}; use backend='torch'"
            )
        if not onnx_engine.available():
            raise ValueError("backend='onnx' needs ONNX Runtime: pip install onnxruntime onnx")
        return "onnx"
    if dtype == torch.qint8:
        raise ValueError("dtype='int8' runs on the ONNX backend; use backend='auto' or 'onnx'")
    return "torch"


def default_budget(device: torch.device) -> tuple[int, int]:
    """Default ``(batch_size, max_tokens)`` for a device."""
    return DEFAULT_BUDGETS.get(device.type, DEFAULT_BUDGETS["cpu"])


@dataclass
class Chunk:
    """Results for one chunk of the input stream, in input order."""

    proba: np.ndarray  # (n, n_labels) float32
    truncated: np.ndarray  # (n,) bool: the input was longer than max_length and was cut


def _encode(
    tokenizer: Any, texts: Sequence[str], targets: Sequence[str] | None, max_length: int
) -> tuple[list[list[int]], list[list[int]] | None, np.ndarray]:
    """Tokenize without padding; cut inputs longer than ``max_length`` and flag them.

    Inputs are tokenized to ``max_length + 1`` so that "exactly max_length" and "longer" can be told apart;
    a longer one keeps its first ``max_length - 1`` tokens and its closing special token.
    """
    # A 10 MB text would be tokenized whole before truncation: cut it first. No token covers more than
    # MAX_CHARS_PER_TOKEN characters in practice (WordPiece turns longer words into one [UNK]).
    cap = max_length * MAX_CHARS_PER_TOKEN
    cut = np.array([len(t) > cap for t in texts], dtype=bool)
    if cut.any():
        texts = [t[:cap] if c else t for t, c in zip(texts, cut)]
    args = (list(targets), list(texts)) if targets is not None else (list(texts),)
    enc = tokenizer(*args, truncation=True, max_length=max_length + 1, padding=False)
    ids: list[list[int]] = enc["input_ids"]
    types: list[list[int]] | None = enc.get("token_type_ids")
    flags = cut.copy()
    for i, row in enumerate(ids):
        if len(row) > max_length:
            flags[i] = True
            ids[i] = row[: max_length - 1] + row[-1:]
            if types is not None:
                types[i] = types[i][: max_length - 1] + types[i][-1:]
    return ids, types, flags


def plan_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> list[np.ndarray]:
    """Group row indices into batches, longest first, each under ``batch_size`` rows and ``max_tokens``
    padded tokens (a single row longer than the budget gets a batch of its own)."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = lengths[order[start]]
        rows = max(1, min(batch_size, max_tokens // max(longest, 1)))
        batches.append(order[start : start + rows])
        start += rows
    return batches


def _autocast(model: Any, device: torch.device, dtype: torch.dtype) -> contextlib.AbstractContextManager[object]:
    if dtype not in (torch.bfloat16, torch.float16) or device.type == "cuda" or not isinstance(model, torch.nn.Module):
        # On CUDA the weights themselves are cast (see prepare_model); no autocast needed.
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def prepare_model(model: torch.nn.Module, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    """Move ``model`` to ``device`` in eval mode; on CUDA half precisions cast the weights."""
    model = model.to(device)
    if device.type == "cuda" and dtype in (torch.bfloat16, torch.float16):
        model = model.to(dtype)
    return model.eval()


def iter_proba(
    model: Any,
    tokenizer: Any,
    items: Iterable[tuple[str, str | None]],
    *,
    max_length: int,
    device: torch.device,
    dtype: torch.dtype,
    pair: bool,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Any = False,
    total: int | None = None,
    temperature: float = 1.0,
) -> Iterator[Chunk]:
    """Score a stream of ``(text, target)`` items, a chunk at a time, in input order.

    Args:
        model: a sequence-classification model already placed by :func:`prepare_model`, or an engine that
            takes the same keyword tensors and returns ``.logits`` (:class:`stancekit.onnx_engine.OnnxEngine`).
        tokenizer: its (fast) tokenizer.
        items: ``(text, target)`` tuples; ``target`` is ignored unless ``pair``.
        max_length: tokens per input; longer inputs are cut and flagged in ``Chunk.truncated``.
        device, dtype: as returned by :func:`resolve_device` / :func:`resolve_dtype`.
        pair: encode (target, text) pairs (stance) rather than single texts (sentiment).
        batch_size: most rows per forward pass.
        max_tokens: most padded tokens (rows x longest row) per forward pass.
        chunk_size: rows read, sorted and scored together; bounds memory for any stream length.
        progress: show a tqdm bar, or update the given bar (anything with ``update(n)``).
        total: number of items, for the progress bar.
        temperature: the logits are divided by it before the softmax (calibration; labels do not change).

    Yields:
        One :class:`Chunk` per ``chunk_size`` items, probabilities of shape (n, n_labels).
    """
    if batch_size < 1 or max_tokens < 1 or chunk_size < 1:
        raise ValueError("batch_size, max_tokens and chunk_size must be positive")
    own_bar = isinstance(progress, bool)
    bar: Any = tqdm(total=total, unit="row", desc="scoring", disable=not progress) if own_bar else progress
    pad_id = tokenizer.pad_token_id or 0
    on_gpu = device.type == "cuda"
    stream = iter(items)
    try:
        while True:
            chunk = list(itertools.islice(stream, chunk_size))
            if not chunk:
                break
            texts = [t for t, _ in chunk]
            targets = [str(g) for _, g in chunk] if pair else None
            ids, types, truncated = _encode(tokenizer, texts, targets, max_length)
            lengths = [len(r) for r in ids]
            out = np.empty((len(ids), model.config.num_labels), dtype=np.float32)
            pending: list[tuple[np.ndarray, torch.Tensor]] = []
            with torch.inference_mode(), _autocast(model, device, dtype):
                for batch in plan_batches(lengths, batch_size, max_tokens):
                    width = lengths[batch[0]]
                    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                    mask = torch.zeros((len(batch), width), dtype=torch.long)
                    type_ids = torch.zeros((len(batch), width), dtype=torch.long) if types is not None else None
                    for row, idx in enumerate(batch):
                        n = lengths[idx]
                        input_ids[row, :n] = torch.tensor(ids[idx])
                        mask[row, :n] = 1
                        if type_ids is not None and types is not None:
                            type_ids[row, :n] = torch.tensor(types[idx])
                    inputs = {"input_ids": input_ids, "attention_mask": mask}
                    if type_ids is not None:
                        inputs["token_type_ids"] = type_ids
                    if on_gpu:  # pinned, asynchronous copies: the next batch is built while this one runs
                        inputs = {k: v.pin_memory().to(device, non_blocking=True) for k, v in inputs.items()}
                    logits = model(**inputs).logits
                    proba = torch.softmax(logits.float() / temperature, dim=-1)
                    if on_gpu:  # no synchronisation per batch: results come back once per chunk
                        pending.append((batch, proba))
                        continue
                    out[batch] = proba.numpy()
                    bar.update(len(batch))
                for batch, proba in pending:
                    out[batch] = proba.cpu().numpy()
                    bar.update(len(batch))
            yield Chunk(out, truncated)
    finally:
        if own_bar:
            bar.close()
