"""Scoring a table in memory: a pandas DataFrame (or a ``datasets.Dataset``) in, the same rows with scores out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from stancekit.core.errors import InputError
from stancekit.core.text import TermLike, as_term, parse_targets
from stancekit.io.tables import expand_targets, is_missing
from stancekit.model.classifier import Classifier

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
DATASET_BATCH_ROWS = 1024  # rows per Dataset.map batch: the inference loop sorts and re-batches inside each


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


@overload
def score_frame(
    clf: Classifier,
    frame: pd.DataFrame,
    *,
    text: str | None = ...,
    target: str | None = ...,
    text_column: str | None = ...,
    target_column: str | None = ...,
    targets: TermLike | Sequence[TermLike] | None = ...,
    holder: TermLike | None = ...,
    holder_column: str | None = ...,
    row_errors: Sequence[str | None] | None = ...,
    progress: Any = ...,
    batch_size: int = ...,
) -> pd.DataFrame: ...
@overload
def score_frame(
    clf: Classifier,
    frame: Any,
    *,
    text: str | None = ...,
    target: str | None = ...,
    text_column: str | None = ...,
    target_column: str | None = ...,
    targets: TermLike | Sequence[TermLike] | None = ...,
    holder: TermLike | None = ...,
    holder_column: str | None = ...,
    row_errors: Sequence[str | None] | None = ...,
    progress: Any = ...,
    batch_size: int = ...,
) -> Any: ...
def score_frame(
    clf,
    frame,
    *,
    text=None,
    target=None,
    text_column=None,
    target_column=None,
    targets=None,
    holder=None,
    holder_column=None,
    row_errors=None,
    progress=False,
    batch_size=DATASET_BATCH_ROWS,
):
    """Score a table: the input columns plus the label, ``p_<label>`` columns, ``truncated`` and ``error``.

    A pandas DataFrame comes back as a DataFrame; a ``datasets.Dataset`` as a Dataset (scored with
    ``Dataset.map(batched=True)``, ``batch_size`` rows at a time), its columns and features kept.

    Example:
        >>> clf = stancekit.load("stance")                                               # doctest: +SKIP
        >>> stancekit.score_frame(clf, df, text="text", target="topic")                  # doctest: +SKIP
        >>> stancekit.score_frame(clf, df, targets=["CSTO", "Russia"])   # every row, each target  # doctest: +SKIP
        >>> news = stancekit.load("directed")                                            # doctest: +SKIP
        >>> stancekit.score_frame(news, ds, target="topic", holder_column="speaker")     # doctest: +SKIP

    Args:
        clf: the classifier.
        frame: a pandas DataFrame or a ``datasets.Dataset``.
        text: the column with the text (default ``"text"``); ``text_column`` is the same option's long name.
        target: the column with each row's target (stance models); ``target_column`` the same.
        targets: a target (or list of targets) to score every row against, when there is no target column: the
            output then has one row per input row and target, grouped by input row, with a ``target`` column.
            Each a name or a :class:`~stancekit.core.text.Target` with aliases (used by entity-marker models to
            find its mentions).
        holder: whose stance to read for every row (added as a ``holder`` column; a name or a ``Target`` with
            aliases such as ``Target("Armenia", ["Yerevan"])``), as ``holder=`` of :func:`stancekit.analyze` and
            :func:`stancekit.score_file`; ``holder_column``: the column with each row's holder (an empty cell
            scores that row without a holder). Both need a holder-aware model.
        row_errors: problems already known for some input rows (from a file reader); those rows are not scored.
        progress: show a bar, or update the given one.
        batch_size: rows per ``Dataset.map`` batch (a Dataset only).

    Naming: ``text=`` / ``target=`` (and the ``*_column=`` spellings) always name columns; ``targets=`` and
    ``holder=`` always give values. A plain string given to ``targets=`` or ``holder=`` that is also a column of
    the table is refused as ambiguous (pass ``target=`` / ``holder_column=`` for the column, or a
    :class:`~stancekit.core.text.Target` for the value).

    A row that cannot be scored keeps its place, with the reason in ``error`` and empty predictions.

    Raises:
        InputError: a column that is not in the table, an ambiguous value, a holder for a holder-blind model.
    """
    columns = _resolve_columns(text, text_column, target, target_column)
    if _is_dataset(frame):
        if row_errors is not None:
            raise InputError("row_errors= is for DataFrames (a file reader's rows), not for a datasets.Dataset")
        names = list(frame.column_names)
        _check_columns(names, columns, targets, holder, holder_column)
        return _score_dataset(clf, frame, columns, targets, holder, holder_column, progress, batch_size)
    frame = _as_frame(frame)
    _check_columns([str(c) for c in frame.columns], columns, targets, holder, holder_column)
    return _score_pandas(
        clf, frame, text_column=columns[0], target_column=columns[1], targets=targets, holder=holder,
        holder_column=holder_column, row_errors=row_errors, progress=progress,
    )  # fmt: skip


def _resolve_columns(
    text: str | None, text_column: str | None, target: str | None, target_column: str | None
) -> tuple[str, str | None]:
    """The text and target column names from their short (``text=``) and long (``text_column=``) spellings."""
    out: list[str | None] = []
    for what, short, long in (("text", text, text_column), ("target", target, target_column)):
        if short is not None and long is not None and short != long:
            raise InputError(f"{what}={short!r} and {what}_column={long!r} name different columns; give one")
        name = short if short is not None else long
        if name is not None and (not isinstance(name, str) or not name):
            raise InputError(f"{what}= names a column: a non-empty string, got {name!r}")
        out.append(name)
    return out[0] or "text", out[1]


def _check_columns(
    names: list[str],
    columns: tuple[str, str | None],
    targets: Any,
    holder: Any,
    holder_column: str | None,
) -> None:
    """Every named column exists; no plain-string value of ``targets=`` / ``holder=`` is also a column."""
    text_column, target_column = columns
    for what, col in (("text", text_column), ("target", target_column), ("holder_column", holder_column)):
        if col is not None and col not in names:
            hint = ""
            if what == "target":
                hint = f"; to score every row against the target {col!r}, pass targets={col!r}"
            if what == "text":
                hint = "; name the text column with text="
            raise InputError(f"{what}={col!r}: no such column; the columns are {names}{hint}")
    values = [targets] if isinstance(targets, str) else list(targets) if isinstance(targets, list | tuple) else []
    for value in values:
        if isinstance(value, str) and value in names and target_column is None:
            raise InputError(
                f"targets={value!r} is also a column of the table: pass target={value!r} to read each row's target "
                f"from it, or targets=stancekit.Target({value!r}) to score every row against {value!r}"
            )
    if isinstance(holder, str) and holder in names:
        raise InputError(
            f"holder={holder!r} is also a column of the table: pass holder_column={holder!r} to read each row's "
            f"holder from it, or holder=stancekit.Target({holder!r}) to score every row for {holder!r}"
        )


def _score_pandas(
    clf: Classifier,
    frame: pd.DataFrame,
    *,
    text_column: str,
    target_column: str | None,
    targets: TermLike | Sequence[TermLike] | None,
    holder: TermLike | None,
    holder_column: str | None,
    row_errors: Sequence[str | None] | None,
    progress: Any,
) -> pd.DataFrame:
    check_holder_options(clf, holder, holder_column)
    target_terms = parse_targets(targets) if targets else []
    if target_terms and not target_column:
        repeated = None if row_errors is None else [e for e in row_errors for _ in target_terms]
        return _score_pandas(
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


def _is_dataset(obj: Any) -> bool:
    """A ``datasets.Dataset`` (told by its module, so that datasets is imported only when one is given)."""
    return type(obj).__module__.split(".")[0] == "datasets" and hasattr(obj, "map") and hasattr(obj, "features")


def _as_frame(frame: Any) -> pd.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return frame
    kind = type(frame).__name__
    hint = " (a DatasetDict: pick a split, e.g. ds['train'])" if kind == "DatasetDict" else ""
    raise InputError(f"score_frame needs a pandas DataFrame or a datasets.Dataset, got {kind}{hint}")


def _score_dataset(
    clf: Classifier,
    ds: Any,
    columns: tuple[str, str | None],
    targets: TermLike | Sequence[TermLike] | None,
    holder: TermLike | None,
    holder_column: str | None,
    progress: Any,
    batch_size: int,
) -> Any:
    """A ``datasets.Dataset`` scored batch by batch with ``Dataset.map(batched=True)``: its own columns (and
    features) kept, the score columns added, one row per row and target with ``targets=``."""
    import datasets
    from datasets.utils import logging as ds_logging

    check_holder_options(clf, holder, holder_column)
    expanding = targets is not None and bool(targets) and not columns[1]  # one row per row and target
    n_targets = len(parse_targets(targets)) if targets is not None and expanding else 1
    replaced = ({"target"} if expanding else set()) | ({"holder"} if holder is not None else set())
    kept = [c for c in ds.column_names if c not in replaced]
    label_col, proba_cols = prediction_columns(clf, list(ds.column_names))
    added: dict[str, Any] = {c: datasets.Value("string") for c in sorted(replaced)}
    added |= {label_col: datasets.Value("string")} | {c: datasets.Value("float32") for c in proba_cols}
    added |= {"truncated": datasets.Value("bool"), "error": datasets.Value("string")}
    bar: Any = progress
    if isinstance(progress, bool):
        bar = tqdm(total=len(ds) * n_targets, unit="row", desc="scoring", disable=not progress)

    def score_batch(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in batch.items()})
        out = _score_pandas(
            clf, frame, text_column=columns[0], target_column=columns[1], targets=targets, holder=holder,
            holder_column=holder_column, row_errors=None, progress=bar,
        )  # fmt: skip
        result = {c: [v for v in batch[c] for _ in range(n_targets)] for c in kept}  # untouched: no pandas trip
        return result | {c: out[c].tolist() for c in out.columns if c not in result}

    order = [*kept, *(c for c in added if c not in kept)]
    features = datasets.Features({c: ds.features[c] if c in kept else added[c] for c in order})
    shown = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()  # our bar counts rows; datasets' would count batches beside it
    try:
        return ds.map(
            score_batch, batched=True, batch_size=batch_size, remove_columns=list(ds.column_names),
            features=features, load_from_cache_file=False, new_fingerprint=uuid.uuid4().hex,
        )  # fmt: skip
    finally:
        if shown:
            ds_logging.enable_progress_bar()
        if isinstance(progress, bool):
            bar.close()


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
