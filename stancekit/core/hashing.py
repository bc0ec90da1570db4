"""Fingerprints: of a file (weights checked on load), and of a set of tensors (resume, export caches)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tensors_sha256(tensors: Mapping[str, Any], extra: Iterable[str] = ()) -> str:
    """SHA-256 over ``extra`` strings, then every tensor's name and bytes, in the mapping's order.

    The one weight fingerprint: a resumed run (:mod:`stancekit.scoring.resume`) and the ONNX export cache
    (:mod:`stancekit.runtime.engines.onnx`) both use it, so "the same weights" means the same thing everywhere.
    ``tensors`` are torch tensors (a ``state_dict``) or numpy arrays.
    """
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    for name, tensor in tensors.items():
        digest.update(name.encode("utf-8"))
        digest.update(_raw_bytes(tensor))
    return digest.hexdigest()


def _raw_bytes(tensor: Any) -> bytes:
    if isinstance(tensor, torch.Tensor):  # the raw bytes of any dtype, bfloat16 included
        return tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    return np.ascontiguousarray(tensor).tobytes()
