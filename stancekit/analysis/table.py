"""Document analysis: every sentence x every target (x a holder), with stance, mentions and sentiment, and a
per-document summary per target.

``analyze`` gives the per-sentence table; ``summarize`` turns it into one row per document and target; the
report module (``stancekit.report``) draws both as a self-contained HTML page and a PNG heat map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from stancekit.core.aggregate import DEFAULT_RULE, DEFAULT_THRESHOLD, Rule, verdict
from stancekit.core.errors import InputError
from stancekit.core.inputs import InputTypeError
from stancekit.core.text import Target, TargetsLike, TermLike, as_term, parse_targets, split_sentences
from stancekit.model.classifier import Classifier, load
from stancekit.model.folder import document_model

_CACHE: dict[str, Classifier] = {}

Documents = str | Mapping[str, str] | Sequence[str]


def _model(model: str | Classifier) -> Classifier:
    if isinstance(model, Classifier):
        return model
    if model not in _CACHE:
        _CACHE[model] = load(model)
    return _CACHE[model]


def _documents(document: Documents) -> tuple[list[tuple[str | None, str]], bool]:
    """``[(document id or None, text)]`` and whether several documents were given."""
    if isinstance(document, str):
        return [(None, document)], False
    docs: list[tuple[str | None, str]]
    if isinstance(document, Mapping):
        docs = [(str(k), v) for k, v in document.items()]
    elif isinstance(document, Sequence):
        docs = [(str(i), v) for i, v in enumerate(document)]
    else:
        raise InputTypeError(
            f"document must be a string, a list of strings or a mapping id -> text, got {type(document).__name__}"
        )
    if not docs:
        raise InputError("no documents given")
    for doc_id, text in docs:
        if not isinstance(text, str):
            raise InputTypeError(f"document {doc_id!r} is {type(text).__name__}, expected a string")
    return docs, True


@overload
def analyze(
    document: Documents,
    targets: TargetsLike,
    *,
    holder: TermLike | None = ...,
    model: str | Classifier | None = ...,
    sentiment: str | Classifier | None = ...,
    as_frame: Literal[True] = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...
@overload
def analyze(
    document: Documents,
    targets: TargetsLike,
    *,
    holder: TermLike | None = ...,
    model: str | Classifier | None = ...,
    sentiment: str | Classifier | None = ...,
    as_frame: Literal[False],
    progress: bool = ...,
) -> list[dict[str, Any]]: ...
def analyze(document, targets, *, holder=None, model=None, sentiment="sentiment", as_frame=True, progress=False):
    """Label every sentence of a document with its stance toward each target, and its sentiment.

    Args:
        document: the text, split into sentences with a maintained segmenter (sentencex); or several
            documents, as a list of texts or a mapping ``{document id: text}``.
        targets: a target name, a list of names, or a mapping ``{name: [aliases]}`` such as
            ``{"Russia": ["Moscow", "Kremlin"]}`` (or :class:`~stancekit.text.Target` objects). Every sentence is
            scored against every target; the aliases decide whether, and by which word, a sentence mentions it.
        holder: whose stance to read, e.g. ``"Armenia"``: "Russia is displeased with the West" then says
            nothing about Armenia's view of the West. Needs a holder-aware model. With aliases, a country speaks
            through its leader or capital: ``Target("Armenia", ["Pashinyan", "Yerevan"])`` or
            ``{"Armenia": ["Pashinyan", "Yerevan"]}``; an entity-marker model then marks those mentions too.
        model: stance model name or path, or a loaded :class:`Classifier`; default ``"news"`` (the
            holder-aware document model on all-mpnet-base-v2); where that backbone is not set up, ``"directed"``
            when a holder is given, else ``"stance"``.
        sentiment: sentiment model (default ``"sentiment"``), or None to skip sentiment.
        as_frame: return a pandas DataFrame (default) or a list of dicts.
        progress: show a progress bar while scoring.

    Returns:
        One row per sentence x target, in document order: ``document`` (several documents only),
        ``sentence_index``, ``sentence``, ``target``, ``mentioned`` (the sentence names the target or an alias),
        ``matched_alias`` (that word, or None), ``holder``, ``holder_mentioned`` and ``matched_holder_alias``
        (when a holder is given), ``label``, ``p_<label>`` per stance
        label, ``truncated``, and (with a sentiment model) ``sentiment`` and ``sentiment_p_<label>``.
        Sentences that do not mention a target are scored too, and marked ``mentioned=False``. The frame's
        ``attrs`` hold the targets' and the holder's aliases (``{"targets": {name: [aliases]}, "holder": ...}``),
        which :func:`~stancekit.analysis.report.write_report` highlights.

    Raises:
        InputError: an empty document (named, when several are given), no targets, an empty or repeated
            target, an alias shared by two targets, an empty holder, or a model of the wrong kind.
    """
    docs, several = _documents(document)
    target_list: list[Target] = parse_targets(targets)
    holder_term = None if holder is None else as_term(holder, "holder")
    split = _split_documents(docs, several)
    stance = _stance_model(model, holder_term)
    all_sentences = [s for _, sentences in split for s in sentences]
    texts = [s for s in all_sentences for _ in target_list]
    tgts = [t for _ in all_sentences for t in target_list]
    scored = stance.predict_scores(texts, targets=tgts, holders=holder_term, progress=progress)
    senti = _model(sentiment) if sentiment is not None else None
    senti_proba = senti.predict_proba(all_sentences, progress=progress) if senti is not None else None
    rows = _rows(split, target_list, holder_term, several, (stance, scored), (senti, senti_proba))
    if not as_frame:
        return rows
    frame = pd.DataFrame(rows)
    # The aliases travel with the table, so that a report of it highlights every mention (not only the first).
    frame.attrs["targets"] = {t.name: list(t.aliases) for t in target_list}
    if holder_term is not None:
        frame.attrs["holder"] = {holder_term.name: list(holder_term.aliases)}
    return frame


def _split_documents(docs: list[tuple[str | None, str]], several: bool) -> list[tuple[str | None, list[str]]]:
    split: list[tuple[str | None, list[str]]] = []
    for doc_id, text in docs:
        sentences = split_sentences(text)
        if not sentences:
            where = f"document {doc_id!r}" if several else "the document"
            raise InputError(f"{where} has no text to analyse")
        split.append((doc_id, sentences))
    return split


def _stance_model(model: str | Classifier | None, holder: Target | None) -> Classifier:
    stance = _model(model if model is not None else document_model(holder is not None))
    if not stance.spec.is_pair:
        raise InputError("model= must be a stance model; pass the sentiment model as sentiment=")
    if holder is not None and not stance.spec.uses_holder:
        raise InputError(
            f"holder={holder.name!r} needs a holder-aware model (such as 'directed'); the model given reads only the "
            "target. Pass model='directed' or drop holder="
        )
    return stance


def _rows(
    split: list[tuple[str | None, list[str]]],
    target_list: list[Target],
    holder: Target | None,
    several: bool,
    stance_scores: tuple[Classifier, Any],
    senti_scores: tuple[Classifier | None, Any],
) -> list[dict[str, Any]]:
    """One row per sentence x target, in document order (the scores are in that order too)."""
    (stance, scored), (senti, senti_proba) = stance_scores, senti_scores
    rows: list[dict[str, Any]] = []
    flat = 0
    for doc_id, sentences in split:
        for i, sentence in enumerate(sentences):
            holder_alias = None if holder is None else holder.match(sentence)
            for target in target_list:
                k = len(rows)
                alias = target.match(sentence)
                row: dict[str, Any] = {"document": doc_id} if several else {}
                row |= {"sentence_index": i, "sentence": sentence, "target": target.name,
                        "mentioned": alias is not None, "matched_alias": alias}  # fmt: skip
                if holder is not None:
                    row |= {"holder": holder.name, "holder_mentioned": holder_alias is not None,
                            "matched_holder_alias": holder_alias}  # fmt: skip
                row["label"] = stance.labels[int(np.argmax(scored.values[k]))]
                row.update({f"p_{name}": float(scored.values[k, j]) for j, name in enumerate(stance.labels)})
                row["truncated"] = bool(scored.truncated[k])
                if senti is not None:
                    row["sentiment"] = senti.labels[int(np.argmax(senti_proba[flat]))]
                    row.update({f"sentiment_p_{n}": float(senti_proba[flat, j]) for j, n in enumerate(senti.labels)})
                rows.append(row)
            flat += 1
    return rows


def summarize(
    table: pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    top: int = 3,
    rule: Rule = DEFAULT_RULE,
    threshold: float = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """One row per document and target from an :func:`analyze` table: the document's verdict.

    Everything is computed over the sentences that mention the target (by name or alias), by the one summary
    rule of :func:`stancekit.core.aggregate.verdict` (so the stance never disagrees with the shares and the score
    beside it):

    - ``mentions``: how many sentences mention it, of ``sentences``;
    - ``favor``, ``against``, ``none``: label counts among them, and ``share_favor`` / ``share_against``;
    - ``score``: the stance the sentences add up to, in [-1, 1] (positive: favor): the mean of each sentence's
      ``p_favor - p_against`` toward its own label (0 for a sentence labelled none), each weighted by
      ``1 - p_none`` (``rule="confidence"``, the default: a sentence that takes a side counts more than one that
      only names the target) or unweighted (``rule="mean"``);
    - ``stance``: ``none`` when no sentence takes a side; ``favor`` when some are labelled favor and none against,
      or favor sentences outnumber against ones and ``score`` is at least ``threshold``; ``against`` the same way;
      ``mixed`` otherwise (both sides present); ``not mentioned`` when no sentence mentions the target;
    - ``decisive``: up to ``top`` mentioning sentences with the largest ``|p_favor - p_against|`` (favor or
      against only), each ``{"sentence_index", "sentence", "label", "margin"}``, strongest first.

    A target no sentence mentions keeps its row, with zero mentions and empty shares.
    """
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    needed = {"sentence_index", "sentence", "target", "mentioned", "label", "p_favor", "p_against", "p_none"}
    missing = needed - set(frame.columns)
    if missing:
        raise InputError(f"not an analyze() table: missing column(s) {sorted(missing)}")
    by = ["document", "target"] if "document" in frame.columns else ["target"]
    out = []
    for key, group in frame.groupby(by, sort=False):
        keys = key if isinstance(key, tuple) else (key,)
        out.append(dict(zip(by, keys)) | _summary_row(group, top, rule, threshold))
    return pd.DataFrame(out)


def _decisive(mentioned: pd.DataFrame, top: int) -> list[dict[str, Any]]:
    sided = mentioned[mentioned["label"].isin(["favor", "against"])]
    records: list[dict[Any, Any]] = sided.to_dict("records")
    records.sort(key=lambda r: -abs(float(r["p_favor"]) - float(r["p_against"])))  # stable: document order
    return [
        {
            "sentence_index": int(r["sentence_index"]),
            "sentence": str(r["sentence"]),
            "label": str(r["label"]),
            "margin": round(float(r["p_favor"]) - float(r["p_against"]), 4),
        }
        for r in records[:top]
    ]


def _summary_row(group: pd.DataFrame, top: int, rule: Rule, threshold: float) -> dict[str, Any]:
    """The summary of one document x target group of an analyze() table (every figure from one :func:`verdict`)."""
    mentioned = group["mentioned"].astype(bool)
    result = verdict(
        group["p_favor"].to_numpy(), group["p_against"].to_numpy(), group["p_none"].to_numpy(),
        mentioned.to_numpy().astype(float), group["label"].to_numpy(), rule=rule, threshold=threshold,
    )  # fmt: skip
    return {
        "sentences": int(group["sentence_index"].nunique()),
        "mentions": result.mentions,
        "favor": result.favor,
        "against": result.against,
        "none": result.none,
        "share_favor": result.share_favor,
        "share_against": result.share_against,
        "score": result.score,
        "stance": result.stance,
        "decisive": _decisive(group[mentioned], top),
    }
