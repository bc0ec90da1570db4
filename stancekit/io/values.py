"""Pass-through values: how the cells a scoring run only carries along come out, exactly, in CSV, JSONL and Parquet.

A scored file keeps every input column. Those values are read as Python objects (never through a lossy pandas
dtype: an integer column with gaps stays integers, not float64), and written so that reading the output back
gives what went in:

- JSONL: numbers exact (``3.141592653589793``, ``9007199254740993``), nested lists and objects as JSON, times as
  ISO 8601 with their time zone (``2024-05-01T12:00:00+04:00``), dates and times of day as ISO, durations as ISO
  8601 durations, decimals as strings (JSON numbers would round them), bytes as base64. Float32 scores are
  written with the shortest decimal that reads back as the same float32 (``0.05248135``, not ``0.0524813496``).
- CSV: the same text for each value (nested values as their JSON), empty for a missing one.
- Parquet: the input's own Arrow types.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def is_missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT: a cell with no value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (see the module docstring for each type); missing and non-finite: None."""
    if value is None or (isinstance(value, (str, bool, int)) and not isinstance(value, np.generic)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.floating):
        # The shortest decimal of the value's own precision: float32 0.05248135 stays 0.05248135.
        return float(np.format_float_positional(value, unique=True, trim="-")) if np.isfinite(value) else None
    if isinstance(value, np.generic):  # numpy integers and booleans
        return value.item()
    if is_missing(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    return scalar_text(value)


def scalar_text(value: Any) -> str:
    """The text of a non-JSON scalar: ISO 8601 for times, decimals exactly, bytes as base64."""
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        return str(pd.Timedelta(value).isoformat())
    if isinstance(value, np.datetime64):
        return str(pd.Timestamp(value).isoformat())
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def json_line(record: Mapping[str, Any]) -> str:
    """One JSONL line (without the newline) for a row of values."""
    return json.dumps(
        {name: jsonable(v) for name, v in record.items()}, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )


def cell_text(value: Any) -> str | None:
    """A value as one CSV cell: text as is, numbers exact, nested values as JSON, missing as None (empty)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    data = jsonable(value)
    if data is None:
        return None
    if isinstance(data, str):
        return data
    return json.dumps(data, ensure_ascii=False) if isinstance(data, (list, dict)) else str(data)


def lone_surrogate_key(value: Any, where: str = "") -> str | None:
    """Where in a JSON value (``'key'`` / ``'key'[2]``) a string holds a lone surrogate (``"\\ud800"``), if any."""
    if isinstance(value, str):
        return where or "the value" if _LONE_SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}[{key!r}]" if where else repr(key)
            found = lone_surrogate_key(key, name) or lone_surrogate_key(item, name)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = lone_surrogate_key(item, f"{where}[{i}]")
            if found:
                return found
    return None


def replace_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate replaced by U+FFFD (so that it can be written as UTF-8)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {replace_surrogates(k): replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_surrogates(v) for v in value]
    return value
