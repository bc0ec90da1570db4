"""Training-set transforms, each seeded: over/undersampling, target rewording, absent-holder rows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stancekit.core.errors import ConfigError


def absent_holder_rows(ds: Any, rate: float, seed: int) -> Any:
    """Copies of a ``rate`` share of the holder rows with a holder the sentence does not name, labelled none."""
    rng = np.random.default_rng(seed)
    holders = sorted({h for h in ds["holder"] if h})
    rows = [i for i, h in enumerate(ds["holder"]) if h]
    if len(holders) < 2 or not rows:
        raise ConfigError("absent_holders needs rows with at least two different holders")
    chosen = sorted(rng.choice(rows, size=round(rate * len(rows)), replace=False).tolist())
    picked, new_holders = [], []
    for i in chosen:
        text, target = ds[i]["text"].lower(), str(ds[i]["target"]).lower()
        for _ in range(20):  # a holder of the corpus that this sentence does not mention
            candidate = holders[int(rng.integers(len(holders)))]
            if candidate.lower() not in text and candidate.lower() != target:
                picked.append(i)
                new_holders.append(candidate)
                break
    extra = ds.select(picked).remove_columns(["holder", "label"])
    return extra.add_column("holder", new_holders).add_column("label", ["none"] * len(picked))


def alias_targets(ds: Any, aliases: dict[str, list[str]], rate: float, seed: int) -> Any:
    """Replace each row's target by one of its aliases with probability ``rate`` (the same rows for a seed)."""
    rng = np.random.default_rng(seed)
    draws = rng.random(ds.num_rows)
    picks = rng.integers(0, 1 << 30, ds.num_rows)
    targets = list(ds["target"])
    for i, target in enumerate(targets):
        options = aliases.get(target)
        if options and draws[i] < rate:
            targets[i] = options[int(picks[i]) % len(options)]
    return ds.remove_columns("target").add_column("target", targets)


def _repeat_indices(idx: list[int], repeat: float, rng: np.random.Generator) -> list[int]:
    whole, frac = math.floor(repeat), repeat - math.floor(repeat)
    out = idx * whole
    if frac > 0:
        out += sorted(rng.choice(idx, size=round(frac * len(idx)), replace=False).tolist())
    return out


def resample(ds: Any, repeat: float, seed: int, label_repeat: dict[str, float] | None = None) -> Any:
    """Over- or subsample rows by ``repeat``, and each label by its ``label_repeat`` factor on top.

    A ``label_repeat`` key ``"GROUP/LABEL"`` (e.g. ``"ent2->ent1/favor"``) sets the factor of that label within
    one group of rows (the corpus's ``group`` column), over the plain ``LABEL`` key.
    """
    if repeat == 1.0 and not label_repeat:
        return ds
    rng = np.random.default_rng(seed)
    if not label_repeat:
        return ds.select(_repeat_indices(list(range(ds.num_rows)), repeat, rng))
    pairs = {f"{g}/{y}" for g, y in zip(ds["group"], ds["label"])}
    unknown = {k for k in label_repeat if "/" not in k} - set(ds["label"])
    unknown |= {k for k in label_repeat if "/" in k} - pairs
    if unknown:
        raise ConfigError(f"label_repeat names label(s) {sorted(unknown)} that the data do not have")
    per_group = any("/" in k for k in label_repeat)
    by_key: dict[str, list[int]] = {}
    for i, (g, y) in enumerate(zip(ds["group"], ds["label"])):
        by_key.setdefault(f"{g}/{y}" if per_group else y, []).append(i)
    idx: list[int] = []
    for key, rows in sorted(by_key.items()):
        factor = label_repeat.get(key, label_repeat.get(key.rpartition("/")[2], 1.0))
        idx += _repeat_indices(rows, repeat * factor, rng)
    return ds.select(sorted(idx))
