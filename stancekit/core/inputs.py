"""The one validation of texts, targets and holders handed to a model: one per text or one for all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stancekit.core.errors import InputError


class InputTypeError(InputError, TypeError):
    """A value has the wrong type (a number where text is expected, say)."""


def text_list(texts: str | Sequence[str]) -> tuple[list[str], bool]:
    """``texts`` as a list, and whether a single string was given.

    Raises:
        InputTypeError: an element is not a string (named by its index).
    """
    single = isinstance(texts, str)
    out = [texts] if isinstance(texts, str) else list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputTypeError(f"texts[{i}] is {type(t).__name__}, expected str")
    return out, single


def broadcast(values: Any, n: int, what: str, *, allow_none: bool = False) -> list[Any] | None:
    """One value for all ``n`` rows (a string) or one per row (a sequence of ``n``), each a non-empty string.

    Args:
        values: None (no such input), a string, or a sequence.
        what: the plural name used in messages, e.g. ``"targets"``.
        allow_none: elements may be None (a holder-less row).

    Raises:
        InputError: an empty string, or a sequence of the wrong length. InputTypeError: a non-string element.
    """
    if values is None:
        return None
    if isinstance(values, str):
        return [check_name(values, what[:-1])] * n
    out = list(values)
    if len(out) != n:
        raise InputError(f"got {len(out)} {what} for {n} texts; pass one {what[:-1]} or one per text")
    for i, v in enumerate(out):
        if v is None and allow_none:
            continue
        if not isinstance(v, str) or not v.strip():
            raise InputTypeError(f"{what}[{i}] must be a non-empty string, got {v!r}")
    return out


def check_name(value: Any, what: str) -> str:
    """``value`` if it is a non-empty string (a target or holder name), else an :class:`InputError`."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a non-empty string, got {value!r}")
    return value
