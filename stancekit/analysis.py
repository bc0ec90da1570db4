"""Document analysis: every sentence x every target, with stance and sentiment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from stancekit.text import split_sentences

if TYPE_CHECKING:
    import pandas as pd

    from stancekit.classifier import Classifier

_CACHE: dict[str, Classifier] = {}


def _model(model: str | Classifier) -> Classifier:
    from stancekit.classifier import Classifier, load

    if isinstance(model, Classifier):
        return model
    if model not in _CACHE:
        _CACHE[model] = load(model)
    return _CACHE[model]


@overload
def analyze(
    document: str,
    targets: str | Sequence[str],
    *,
    holder: str | None = ...,
    model: str | Classifier = ...,
    sentiment: str | Classifier | None = ...,
    as_frame: Literal[True] = ...,
) -> pd.DataFrame: ...
@overload
def analyze(
    document: str,
    targets: str | Sequence[str],
    *,
    holder: str | None = ...,
    model: str | Classifier = ...,
    sentiment: str | Classifier | None = ...,
    as_frame: Literal[False],
) -> list[dict[str, Any]]: ...
def analyze(document, targets, *, holder=None, model="stance", sentiment="sentiment", as_frame=True):
    """Label every sentence of ``document`` with its stance toward each target, and its sentiment.

    Args:
        document: the text; split into sentences with a maintained segmenter (sentencex).
        targets: one target or several; every sentence is scored against each.
        holder: who holds the stance (needs a model trained with holders).
        model: stance model name or path, or a loaded :class:`Classifier` (default ``"stance"``).
        sentiment: sentiment model (default ``"sentiment"``), or None to skip sentiment.
        as_frame: return a pandas DataFrame (default) or a list of dicts.

    Returns:
        One row per sentence x target, in document order: ``sentence_index``, ``sentence``, ``target``,
        ``label``, ``p_<label>`` per stance label, ``truncated``, and (with a sentiment model) ``sentiment`` and
        ``sentiment_p_<label>``.

    Raises:
        ValueError: empty document, no targets, a target given twice or an empty target.
    """
    if not isinstance(document, str):
        raise TypeError(f"document must be a string, got {type(document).__name__}")
    target_list = [targets] if isinstance(targets, str) else list(targets)
    if not target_list:
        raise ValueError("give at least one target")
    for t in target_list:
        if not isinstance(t, str) or not t.strip():
            raise ValueError(f"targets must be non-empty strings, got {t!r}")
    dup = sorted({t for t in target_list if target_list.count(t) > 1})
    if dup:
        raise ValueError(f"target(s) given more than once: {dup}")
    sentences = split_sentences(document)
    if not sentences:
        raise ValueError("the document has no text to analyse")
    stance = _model(model)
    if not stance.spec.is_pair:
        raise ValueError("model= must be a stance model; pass the sentiment model as sentiment=")
    texts = [s for s in sentences for _ in target_list]
    tgts = [t for _ in sentences for t in target_list]
    holders = [holder] * len(texts) if holder is not None else None
    scored = stance.score(texts, targets=tgts, holders=holders)
    proba, truncated = scored.proba, scored.truncated
    rows: list[dict[str, Any]] = []
    senti_proba = None
    senti = None
    if sentiment is not None:
        senti = _model(sentiment)
        senti_proba = senti.predict_proba(sentences)
    for k, (text, tgt) in enumerate(zip(texts, tgts)):
        i = k // len(target_list)
        row: dict[str, Any] = {"sentence_index": i, "sentence": text, "target": tgt}
        if holder is not None:
            row["holder"] = holder
        row["label"] = stance.labels[int(np.argmax(proba[k]))]
        row.update({f"p_{name}": float(proba[k, j]) for j, name in enumerate(stance.labels)})
        row["truncated"] = bool(truncated[k])
        if senti is not None and senti_proba is not None:
            row["sentiment"] = senti.labels[int(np.argmax(senti_proba[i]))]
            row.update({f"sentiment_p_{name}": float(senti_proba[i, j]) for j, name in enumerate(senti.labels)})
        rows.append(row)
    if not as_frame:
        return rows
    import pandas as pd

    return pd.DataFrame(rows)
