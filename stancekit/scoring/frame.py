"""Scoring a table in memory: a pandas DataFrame (or a ``datasets.Dataset``) in, the same rows with scores out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stancekit.core.errors import InputError
from stancekit.core.text import TermLike, as_term, parse_targets
from stancekit.io.tables import expand_targets, is_missing
from stancekit.model.classifier import Classifier

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def cell_error(value: Any, what: str) -> str | None:
    """Why a text / target / holder cell cannot be scored (missing, not text, empty, broken Unicode), or None."""
    if is_missing(value):
        return f"missing {what}"
    if not isinstance(value, str):
        return f"{what} is {type(value).__name__}, not text"
    if not value.strip():
        return f"empty {what}"
    if _LONE_SURROGATE.search(value):
        return f"{what} holds invalid Unicode (a lone surrogate)"
    return None


def prediction_columns(clf: Classifier, existing: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Name of the predicted-label column and the probability columns (``p_<label>``)."""
    label_col = "predicted_label" if "label" in existing else "label"
    return label_col, [f"p_{name}" for name in clf.labels]


def check_holder_options(clf: Classifier, holder: TermLike | None, holder_column: str | None) -> None:
    """The one check of the holder options of table scoring (files, frames, Ray)."""
    if (holder is not None or holder_column is not None) and not clf.spec.uses_holder:
        raise InputError(
            "holders (holder=, --holder/--holder-column) need a holder-aware model such as --model directed "
            "(stancekit.load('directed')); this model reads only the target"
        )
    if holder is not None and holder_column is not None:
        raise InputError("give either a holder or a holder column, not both")
    if holder is not None:
        as_term(holder, "the holder")


def _row_errors(
    clf: Classifier, frame: pd.DataFrame, columns: tuple[str, str | None, str | None], known: Sequence[str | None]
) -> tuple[list[str | None], list[Any], list[Any], list[Any]]:
    """Per row: the reason it cannot be scored (or None), and its text, target and holder."""
    text_column, target_column, holder_column = columns
    texts = frame[text_column].tolist()
    tgts = frame[target_column].tolist() if target_column else [None] * len(texts)
    holders = frame[holder_column].tolist() if holder_column else [None] * len(texts)
    errors: list[str | None] = []
    for i, (text, tgt, known_error) in enumerate(zip(texts, tgts, known)):
        err = known_error or cell_error(text, f"text ({text_column!r})")
        if err is None and clf.spec.is_pair:
            err = cell_error(tgt, f"target ({target_column!r})")
        h = holders[i]
        if holder_column is not None and (is_missing(h) or (isinstance(h, str) and not h.strip())):
            holders[i] = None  # no holder: the row is scored for the stance the text itself expresses
        elif err is None and holder_column is not None:
            err = cell_error(holders[i], f"holder ({holder_column!r})")
        errors.append(err)
    return errors, texts, tgts, holders


def score_frame(
    clf: Classifier,
    frame: Any,
    *,
    text_column: str = "text",
    target_column: str | None = None,
    targets: TermLike | Sequence[TermLike] | None = None,
    holder: TermLike | None = None,
    holder_column: str | None = None,
    row_errors: Sequence[str | None] | None = None,
    progress: Any = False,
) -> pd.DataFrame:
    """Score a table: the input columns plus the label, ``p_<label>`` columns, ``truncated`` and ``error``.

    Args:
        clf: the classifier.
        frame: a pandas DataFrame, or a ``datasets.Dataset`` (converted to one).
        text_column: the column with the text.
        target_column: the column with each row's target (stance models).
        targets: a target (or list of targets) to score every row against, when there is no target column: the
            output then has one row per input row and target, grouped by input row, with a ``target`` column.
            Each a name or a :class:`~stancekit.core.text.Target` with aliases (used by entity-marker models to
            find its mentions).
        holder: whose stance to read for every row (added as a ``holder`` column; a name or a ``Target`` with
            aliases such as ``Target("Armenia", ["Yerevan"])``); ``holder_column``: one per row (an empty cell
            scores that row without a holder). Both need a holder-aware model.
        row_errors: problems already known for some input rows (from a file reader); those rows are not scored.
        progress: show a bar, or update the given one.

    A row that cannot be scored keeps its place, with the reason in ``error`` and empty predictions.
    """
    frame = _as_frame(frame)
    check_holder_options(clf, holder, holder_column)
    target_terms = parse_targets(targets) if targets else []
    if target_terms and not target_column:
        repeated = None if row_errors is None else [e for e in row_errors for _ in target_terms]
        return score_frame(
            clf, expand_targets(frame, [t.name for t in target_terms]), text_column=text_column,
            target_column="target", targets=target_terms, holder=holder, holder_column=holder_column,
            row_errors=repeated, progress=progress,
        )  # fmt: skip
    holder_term = None if holder is None else as_term(holder, "the holder")
    if holder_term is not None:
        frame, holder_column = frame.assign(holder=holder_term.name), "holder"
    known = list(row_errors) if row_errors is not None else [None] * len(frame)
    errors, texts, tgts, holders = _row_errors(clf, frame, (text_column, target_column, holder_column), known)
    good = [i for i, e in enumerate(errors) if e is None]
    proba = np.full((len(texts), len(clf.labels)), np.nan, dtype=np.float32)
    truncated = np.zeros(len(texts), dtype=bool)
    terms = {str(t.name): t for t in target_terms}
    items = (
        clf.item(texts[i], terms.get(str(tgts[i]), str(tgts[i])) if clf.spec.is_pair else None,
                 holder_term if holder_term is not None and holders[i] == holder_term.name else holders[i])
        for i in good
    )  # fmt: skip
    pos = 0
    for part in clf.iter_scores(items, progress=progress):
        idx = good[pos : pos + len(part.values)]
        proba[idx], truncated[idx] = part.values, part.truncated
        pos += len(part.values)
    return _with_scores(clf, frame, proba, truncated, errors)


def _as_frame(frame: Any) -> pd.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return frame
    if hasattr(frame, "to_pandas") and hasattr(frame, "column_names"):  # a datasets.Dataset
        return frame.to_pandas()
    raise InputError(f"score_frame needs a pandas DataFrame or a datasets.Dataset, got {type(frame).__name__}")


def _with_scores(
    clf: Classifier, frame: pd.DataFrame, proba: np.ndarray, truncated: np.ndarray, errors: list[str | None]
) -> pd.DataFrame:
    label_col, proba_cols = prediction_columns(clf, list(frame.columns))
    out = frame.copy()
    labels = np.asarray(clf.labels, dtype=object)
    out[label_col] = [labels[int(np.argmax(p))] if e is None else None for p, e in zip(proba, errors)]
    for j, col in enumerate(proba_cols):
        out[col] = proba[:, j]
    out["truncated"] = truncated
    out["error"] = pd.Series(errors, index=out.index, dtype=object)
    return out
