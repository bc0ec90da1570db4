"""LoadOptions: how a model runs, in one object that ``load``, the command line and the Ray actors all take."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from stancekit.core.errors import ConfigError


@dataclass(frozen=True)
class LoadOptions:
    """Where and how a loaded model runs; every field has the default a user gets from ``stancekit.load(name)``.

    Attributes:
        device: ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        dtype: ``"auto"`` (the fastest precision that keeps float32's labels on this hardware), ``"float32"``,
            ``"bfloat16"``, ``"float16"`` or ``"int8"`` (CPU dynamic quantization; ~2-3% of labels change).
        backend: ``"auto"`` (the engine measured fastest for this device and dtype), ``"torch"``, ``"onnx"`` or
            ``"openvino"``.
        allow_pickle: read a folder's pickled weights (they can run code: only for folders you trust).
        experts: fuse the model's n-gram experts, if it has any; False scores with the network alone.
        batch_size: most rows per forward pass (None: the device's default).
        max_tokens: most padded tokens per forward pass (None: the device's default).
    """

    device: str = "auto"
    dtype: str = "auto"
    backend: str = "auto"
    allow_pickle: bool = False
    experts: bool = True
    batch_size: int | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        for name in ("device", "dtype", "backend"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{name} must be a non-empty string such as 'auto', got {value!r}")
        for name in ("batch_size", "max_tokens"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(f"{name} must be a positive integer (or None for the default), got {value!r}")

    def replace(self, **changes: Any) -> LoadOptions:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_any(cls, options: LoadOptions | dict[str, Any] | None = None, **overrides: Any) -> LoadOptions:
        """Options from a :class:`LoadOptions`, a mapping or None, with keyword overrides on top.

        Raises:
            ConfigError: an unknown option name.
        """
        base = options.to_dict() if isinstance(options, LoadOptions) else dict(options or {})
        merged = {**base, **overrides}
        unknown = sorted(set(merged) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ConfigError(f"unknown load option(s) {unknown}; known: {[f.name for f in dataclasses.fields(cls)]}")
        return cls(**merged)
