"""Knowledge distillation: a teacher model's probabilities on the training rows of the sources it teaches."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from stancekit.core.errors import ConfigError
from stancekit.core.labels import TASK_LABELS
from stancekit.data.sources import DataSpec
from stancekit.fitting.config import TrainingConfig, trains_in_bf16
from stancekit.model.classifier import Classifier

logger = logging.getLogger(__name__)


def teacher_log_proba(teacher: Any, ds: Any, *, progress: bool = False) -> np.ndarray:
    """The teacher network's log-probabilities (temperature 1, no experts or label bias) for every row of ``ds``.

    Repeated rows (oversampling) are scored once.
    """
    holders = ds["holder"] if teacher.spec.uses_holder else [None] * ds.num_rows
    keys = list(zip(ds["text"], ds["target"], holders))
    unique = list(dict.fromkeys(keys))
    texts = [k[0] for k in unique]
    targets = [str(k[1]) for k in unique] if teacher.spec.is_pair else None
    hold = [k[2] for k in unique] if teacher.spec.uses_holder else None
    proba = teacher.network_proba(texts, targets, hold, progress=progress)
    logp = np.log(np.clip(proba, 1e-12, None)).astype(np.float32)
    index = {k: i for i, k in enumerate(unique)}
    return logp[[index[k] for k in keys]]


def _load_teacher(spec: DataSpec, config: TrainingConfig) -> Classifier:
    labels = TASK_LABELS[config.task]
    dtype = "bfloat16" if trains_in_bf16(config.precision) else "float32"
    teacher = Classifier.from_pretrained(str(spec.teacher), device="auto", dtype=dtype, experts=False)
    if teacher.task != config.task or tuple(teacher.labels) != tuple(labels):
        raise ConfigError(
            f"{spec.label}: teacher {spec.teacher!r} is a {teacher.task} model with labels "
            f"{list(teacher.labels)}; this run trains {config.task} with {list(labels)}"
        )
    return teacher


def _taught(spec: DataSpec, teacher: Classifier, ds: Any, labels: tuple[str, ...], progress: bool) -> Any:
    """``(log-probabilities, summary)`` of one taught source."""
    if not teacher.spec.uses_holder and any(h is not None for h in ds["holder"]):
        raise ConfigError(
            f"{spec.label}: teacher {spec.teacher!r} does not read holders, but these rows have them; "
            "use a holder-aware teacher"
        )
    logger.info("train source %s: soft targets from teacher %s", spec.label, spec.teacher)
    logp = teacher_log_proba(teacher, ds, progress=progress)
    gold = np.asarray([labels.index(y) for y in ds["label"]])
    summary = {
        "teacher": spec.teacher,
        "rows": ds.num_rows,
        "teacher_agrees_with_gold": round(float((logp.argmax(axis=1) == gold).mean()), 4),
    }
    return logp, summary


def attach_teachers(config: TrainingConfig, parts: list[Any], *, progress: bool) -> dict[str, Any]:
    """Add ``teacher_logp`` / ``has_teacher`` columns to every training part when any source has a teacher.

    Returns a summary for metrics.json (empty without teachers): per source, the teacher and how often its top
    label agrees with the gold label on the training rows.
    """
    if not any(spec.teacher for spec in config.train):
        return {}
    labels = TASK_LABELS[config.task]
    teachers: dict[str, Classifier] = {}
    summary: dict[str, Any] = {"weight": config.distill_weight, "temperature": config.distill_temperature}
    summary["sources"] = {}
    for i, (spec, ds) in enumerate(zip(config.train, parts)):
        if spec.teacher is None:
            logp = np.zeros((ds.num_rows, len(labels)), dtype=np.float32)
            has = [0.0] * ds.num_rows
        else:
            if spec.teacher not in teachers:
                teachers[spec.teacher] = _load_teacher(spec, config)
            logp, summary["sources"][spec.label] = _taught(spec, teachers[spec.teacher], ds, labels, progress)
            has = [1.0] * ds.num_rows
        parts[i] = ds.add_column("teacher_logp", logp.tolist()).add_column("has_teacher", has)
    return summary
