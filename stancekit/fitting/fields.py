"""Recipe values checked against a dataclass's annotations, so that a wrong type is named before anything runs.

YAML gives back whatever a value looks like: ``epochs: three`` is a string, ``batch_size: 3.5`` a float, and
PyYAML's YAML 1.1 resolver reads ``5e-5`` (no dot) as the *string* ``"5e-5"``. :func:`coerce` turns a number
written as a string into the number it obviously is and refuses every other mismatch with a
:class:`~stancekit.core.errors.ConfigError` naming the option, the expected type and the value found;
:func:`build` makes a dataclass from a mapping that way, refusing unknown options with a did-you-mean suggestion.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from stancekit.core.errors import ConfigError

T = TypeVar("T")
_NONE = type(None)
_SINGULAR = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_PLURAL = {str: "strings", int: "integers", float: "numbers", bool: "booleans"}


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """The YAML document in ``path``.

    Raises:
        ConfigError: the file cannot be read, is empty, or is not valid YAML (naming its line and column).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the recipe: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML {_yaml_problem(exc)}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if data is None:
        raise ConfigError(f"{path}: the recipe is empty")
    return data


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """``at line L, column C: <problem> (<context> at line ...)``, lines and columns counted from 1."""

    def at(mark: Any) -> str:
        return f"at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""

    mark = exc.problem_mark or exc.context_mark
    text = f"{at(mark)}: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark is not None:
        text += f" ({exc.context} {at(exc.context_mark)})"
    return text


def refuse_unknown(where: str, given: Iterable[Any], known: Iterable[str]) -> None:
    """Raise :class:`ConfigError` naming each option of ``given`` not in ``known``, with the closest known name."""
    known = sorted(known)
    unknown = [key for key in given if key not in known]
    if not unknown:
        return
    described, guessed = [], True
    for key in unknown:
        close = difflib.get_close_matches(str(key), known, n=1)
        described.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
        guessed = guessed and bool(close)
    listing = "" if guessed else f"; known: {', '.join(known)}"  # the whole list only where no guess helps
    raise ConfigError(f"{_prefix(where)}unknown option(s) {', '.join(described)}{listing}")


def check_options(cls: type, where: str, data: Any) -> None:
    """Raise :class:`ConfigError` unless ``data`` is a mapping of the dataclass ``cls``'s options with every
    required one; ``where`` names it in messages (``"train[0]"``, ``""`` for a recipe's top level)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{_prefix(where)}expected a mapping of options, got {_show(data)}")
    fields = dataclasses.fields(cls)
    refuse_unknown(where, data, [f.name for f in fields])
    required = [f.name for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise ConfigError(f"{_prefix(where)}missing option(s) {', '.join(missing)}")


def build(cls: type[T], where: str, data: Any) -> T:
    """An instance of the dataclass ``cls`` from the mapping ``data`` (:func:`check_options`), each value checked
    and converted by :func:`coerce` before ``cls`` sees it."""
    check_options(cls, where, data)
    hints = typing.get_type_hints(cls)
    return cls(**{key: coerce(_join(where, key), value, hints[key]) for key, value in data.items()})


def check_fields(obj: Any) -> None:
    """Check every field of the dataclass instance ``obj`` against its annotation (:func:`coerce`), in place."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        setattr(obj, f.name, coerce(f.name, getattr(obj, f.name), hints[f.name]))


def coerce(key: str, value: Any, annotation: Any) -> Any:
    """``value`` as the type ``annotation`` describes; ``key`` names it in messages.

    A number written as a string becomes that number (``"5e-5"`` -> ``5e-05``, ``"32"`` -> ``32``), an integral
    float is accepted for an ``int``, and an ``int`` for a ``float`` stays an ``int`` (so ``epochs: 3`` is saved
    as written). A mapping where a dataclass is expected is built with :func:`build`.

    Raises:
        ConfigError: ``"<key>: expected <type>, got <value>"`` (or ``"<key> must be one of ..."``).
    """
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        if value is None and _NONE in args:
            return None
        inner = [a for a in args if a is not _NONE]
        if len(inner) != 1:
            raise TypeError(f"{key}: unsupported annotation {annotation}")  # a bug of the dataclass, not the recipe
        return coerce(key, value, inner[0])
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{key} must be one of {', '.join(map(repr, args))}, got {_show(value)}")
        return value
    if annotation is bool:
        return _expect(key, value, isinstance(value, bool), _SINGULAR[bool])
    if annotation is int:
        return _to_int(key, value)
    if annotation is float:
        return _to_float(key, value)
    if annotation is str:
        return _expect(key, value, isinstance(value, str) and bool(value.strip()), "a non-empty string")
    if origin is list:
        _expect(key, value, isinstance(value, list), f"a list of {_plural(args[0])}")
        return [coerce(f"{key}[{i}]", item, args[0]) for i, item in enumerate(value)]
    if origin is dict:
        _expect(key, value, isinstance(value, Mapping), f"a mapping of {_plural(args[0])} to {_plural(args[1])}")
        return {coerce(f"{key} key", k, args[0]): coerce(f"{key}[{k!r}]", v, args[1]) for k, v in value.items()}
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        if isinstance(value, annotation):
            check_fields(value)
            return value
        return build(annotation, key, value)
    raise TypeError(f"{key}: unsupported annotation {annotation}")


def _to_int(key: str, value: Any) -> int:
    number = _number(value)
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    if isinstance(number, float) and number.is_integer():
        return int(number)
    raise ConfigError(f"{key}: expected an integer, got {_show(value)}")


def _to_float(key: str, value: Any) -> float:
    number = _number(value)
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        raise ConfigError(f"{key}: expected a number, got {_show(value)}")
    return number


def _number(value: Any) -> Any:
    """A number written as a string (YAML 1.1 reads ``5e-5`` and ``1e3`` as strings) as that number; else as is."""
    if not isinstance(value, str):
        return value
    for convert in (int, float):
        try:
            return convert(value.strip())
        except ValueError:
            pass
    return value


def _expect(key: str, value: Any, ok: bool, expected: str) -> Any:
    if not ok:
        raise ConfigError(f"{key}: expected {expected}, got {_show(value)}")
    return value


def _plural(annotation: Any) -> str:
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return "mappings"
    if typing.get_origin(annotation) is list:
        return "lists"
    return _PLURAL.get(annotation, "values")


def _show(value: Any) -> str:
    """The value found, as the recipe's author would recognise it: its repr (shortened), and the kind of a
    container."""
    kind = "a mapping " if isinstance(value, Mapping) else "a list " if isinstance(value, list) else ""
    text = repr(value)
    return kind + (text if len(text) <= 60 else text[:57] + "...")


def _prefix(where: str) -> str:
    return f"{where}: " if where else ""


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
