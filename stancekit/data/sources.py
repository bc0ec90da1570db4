"""Data sources of a training run: a registered corpus split or a file of your own, as a ``datasets.Dataset``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets

from stancekit.core.errors import ConfigError, InputError
from stancekit.core.labels import TASK_LABELS
from stancekit.data.corpora import load_dataset
from stancekit.io.tables import read_table

SOURCE_COLUMNS = ["text", "target", "holder", "label", "group"]


@dataclass
class DataSpec:
    """One training or validation source: a registered corpus split, or a CSV/JSONL/Parquet file.

    A file needs columns ``text`` and ``label`` (and ``target`` for stance); labels use the model's names.
    """

    name: str | None = None  # registry name, e.g. "semeval2016"
    split: str = "train"
    path: str | None = None  # or a file of your own
    repeat: float = 1.0  # oversampling factor (corpus balancing); fractions subsample
    max_rows: int | None = None  # keep only the first rows (quick experiments)
    # per-label factor on top of repeat, e.g. {none: 0.4}; "GROUP/LABEL" keys for one group ("ent2->ent1/favor": 4)
    label_repeat: dict[str, float] | None = None
    exclude_targets: list[str] | None = None  # drop rows with these targets (hold a target out: zero-shot tests)
    # Target wording augmentation: a row whose target is a key gets one of its aliases instead, with probability
    # alias_rate (seeded), so the model learns the target, not one spelling of it.
    target_aliases: dict[str, list[str]] | None = None
    alias_rate: float = 0.5
    # Absent holders: for this share of the rows that have a holder, add a copy asking about another holder of
    # the corpus that the sentence never names, labelled "none" (a stance nobody in the sentence expresses).
    absent_holders: float = 0.0
    # Knowledge distillation: a stancekit model (registered name or folder) whose probabilities on these rows are
    # soft targets next to the gold labels (see TrainingConfig.distill_weight / distill_temperature).
    teacher: str | None = None

    def __post_init__(self) -> None:
        if (self.name is None) == (self.path is None):
            raise ConfigError("a data source needs exactly one of 'name' (a registered corpus) or 'path' (a file)")
        if self.repeat <= 0:
            raise ConfigError(f"repeat must be > 0, got {self.repeat}")
        for name, factor in (self.label_repeat or {}).items():
            if not isinstance(factor, (int, float)) or factor <= 0:
                raise ConfigError(f"label_repeat[{name!r}] must be > 0, got {factor!r}")
        if not 0 <= self.absent_holders <= 1:
            raise ConfigError(f"absent_holders must be between 0 and 1, got {self.absent_holders}")
        if not 0 <= self.alias_rate <= 1:
            raise ConfigError(f"alias_rate must be between 0 and 1, got {self.alias_rate}")
        for target, aliases in (self.target_aliases or {}).items():
            if not isinstance(aliases, list) or not aliases or not all(isinstance(a, str) and a for a in aliases):
                raise ConfigError(f"target_aliases[{target!r}] must be a non-empty list of non-empty strings")

    @property
    def label(self) -> str:
        return f"{self.name}:{self.split}" if self.name else str(self.path)


def load_source(spec: DataSpec, task: str) -> Any:
    """Rows of one data source as a ``datasets.Dataset`` (text, target, holder, label, group).

    Raises:
        InputError: a file without the columns it needs. ConfigError: labels of another task, or
            ``exclude_targets`` / ``target_aliases`` naming targets the source does not have.
    """
    ds = load_dataset(spec.name, spec.split) if spec.name is not None else _file_source(Path(str(spec.path)), task)
    labels = set(TASK_LABELS[task])
    bad = sorted(set(ds["label"]) - labels)
    if bad:
        raise ConfigError(f"{spec.label}: labels {bad} are not {task} labels {sorted(labels)}")
    if spec.exclude_targets:
        _check_targets(spec, "exclude_targets", spec.exclude_targets, ds)
        held_out = set(spec.exclude_targets)
        ds = ds.filter(lambda row: row["target"] not in held_out)
    if spec.target_aliases:
        _check_targets(spec, "target_aliases", spec.target_aliases, ds)
    if spec.max_rows is not None:
        ds = ds.select(range(min(spec.max_rows, ds.num_rows)))
    return ds


def _check_targets(spec: DataSpec, option: str, names: Any, ds: Any) -> None:
    unknown = set(names) - set(ds["target"])
    if unknown:
        raise ConfigError(f"{spec.label}: {option} {sorted(unknown)} are not targets of this source")


def _file_source(path: Path, task: str) -> Any:
    table = read_table(path)
    needed = {"text", "label"} | ({"target"} if task == "stance" else set())
    missing = needed - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing column(s) {sorted(missing)}")
    table = table.assign(target=table.get("target"), holder=table.get("holder"), group=table.get("group", str(path)))[
        SOURCE_COLUMNS
    ]
    return datasets.Dataset.from_pandas(table.astype(object).where(table.notna(), None), preserve_index=False)
