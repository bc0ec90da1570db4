"""What the engines that run an exported copy of the network (ONNX Runtime, OpenVINO) share: the input names,
the logits-only wrapper the exporters trace, the example inputs, the cache folder, the weight fingerprint that
tells when a copy is stale, and the int64 arrays they are fed."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import numpy as np
import torch

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def cache_dir() -> Path:
    """Where exported networks are kept between runs: ``$STANCEKIT_CACHE``, else ``$XDG_CACHE_HOME/stancekit``,
    else ``~/.cache/stancekit`` (set ``STANCEKIT_CACHE=off`` to export afresh every time)."""
    explicit = os.environ.get("STANCEKIT_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stancekit"


def use_cache() -> bool:
    """Whether exports are read from and written to :func:`cache_dir` (not with ``STANCEKIT_CACHE=off``)."""
    return os.environ.get("STANCEKIT_CACHE", "").lower() not in ("off", "0", "none")


def input_names(model: torch.nn.Module) -> tuple[str, ...]:
    """The tokenizer outputs ``model.forward`` accepts, in :data:`INPUT_NAMES` order."""
    accepted = inspect.signature(model.forward).parameters
    return tuple(n for n in INPUT_NAMES if n in accepted)


class Logits(torch.nn.Module):
    """The classifier as a function of positional tensors, returning logits only (what the exporters trace)."""

    def __init__(self, model: torch.nn.Module, names: tuple[str, ...]) -> None:
        super().__init__()
        self.model = model
        self.names = names

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.names, tensors))).logits


def example_inputs(names: tuple[str, ...]) -> tuple[torch.Tensor, ...]:
    """A (2, 8) batch to trace with: ones for ids and mask, zeros for token types (a model with one token type
    has no row 1)."""
    return tuple((torch.zeros if n == "token_type_ids" else torch.ones)((2, 8), dtype=torch.long) for n in names)


class WeightsWatch:
    """What an exported network was built from, to tell cheaply whether it is still current: the model object and
    the version counters of the parameters it had (every in-place write to a tensor bumps its counter).

    The parameters are listed once, at build time: walking the module tree on every call (0.1 ms for MiniLM-L6)
    was a twentieth of a single-text call. A weight written in place (an optimizer step, ``load_state_dict``, a
    soup) bumps its counter and is seen, and so is a model replaced by another; a submodule swapped inside the same
    model (``model.classifier = nn.Linear(...)``) is not: load the model again, or assign ``clf.model``.
    """

    def __init__(self, model: torch.nn.Module) -> None:
        self.model_id = id(model)
        self.params = tuple(model.parameters())
        self.version = sum(p._version for p in self.params)

    def current(self, model: torch.nn.Module) -> bool:
        return id(model) == self.model_id and sum(p._version for p in self.params) == self.version


def int64_inputs(inputs: dict[str, torch.Tensor], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The batch as int64 arrays under ``names``; a missing ``token_type_ids`` (a tokenizer that returns none)
    becomes zeros, BERT's default."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        tensor = inputs.get(name)
        if tensor is None:
            tensor = torch.zeros_like(inputs["input_ids"])
        out[name] = tensor.numpy().astype(np.int64, copy=False)
    return out
