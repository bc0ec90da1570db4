"""Scoring a classifier on a registered test split, and the model card that reports it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, average_precision_score, confusion_matrix, f1_score

from stancekit.core.errors import ConfigError
from stancekit.core.metrics import (
    classification_scores,
    confusion,
    expected_calibration_error,
    grouped_scores,
    predict_restricted,
)
from stancekit.core.text import Target
from stancekit.data.corpora import DIRECTED_LABELS, DIRECTED_STANCE, data_root, load_dataset, read_directed_news
from stancekit.data.guards import refuse_task_mismatch
from stancekit.model.classifier import Classifier


def evaluate_classifier(
    clf: Classifier, dataset: str, split: str = "test", *, progress: bool = False, data_dir: str | None = None
) -> dict[str, Any]:
    """Score ``clf`` on one split of a registered corpus.

    Returns:
        ``{"model", "dataset", "split", "n", "metrics": {accuracy, macro_f1, f_avg | macro_recall},
        "groups": {group: metrics}, "labels", "confusion"}``, values in [0, 1].
    """
    refuse_task_mismatch([dataset], clf.task)
    if dataset == "directed-news":
        return evaluate_directed(clf, split, progress=progress, data_dir=data_dir)
    ds = load_dataset(dataset, split, data_dir=data_dir)
    targets = ds["target"] if clf.spec.is_pair else None
    holders = ds["holder"] if clf.spec.uses_holder and any(h is not None for h in ds["holder"]) else None
    proba = clf.predict_proba(ds["text"], targets=targets, holders=holders, progress=progress)
    gold = ds["label"]
    pred = predict_restricted(proba, clf.labels, set(gold))
    gold_idx = [clf.labels.index(y) for y in gold]
    return {
        "model": str(getattr(clf, "name", "") or clf.spec.task),
        "dataset": dataset,
        "split": split,
        "n": len(gold),
        "metrics": classification_scores(gold, pred, clf.task),
        "ece": expected_calibration_error(proba, gold_idx) if gold else None,
        "temperature": clf.spec.temperature,
        "groups": grouped_scores(gold, pred, ds["group"], clf.task),
        "labels": list(clf.labels),
        "confusion": confusion(gold, pred, clf.labels),
    }


def directed_scores(forward: np.ndarray, backward: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Scores of the directed-sentiment corpus's 5 classes (0 neutral, 1/2 ent1->ent2 / ent2->ent1 positive,
    3/4 the same negative) from the two holder-aware predictions of each sentence: ent1 toward ent2 (forward)
    and ent2 toward ent1 (backward), each ``(n, 3)`` in ``labels`` order.

    A class's score is the probability of its pair of directions, the two taken as independent, e.g.
    class 1 = P(ent1 favors ent2) x P(ent2 has no stance toward ent1). Returns ``(n, 5)``.
    """
    a, f, n = (labels.index(x) for x in ("against", "favor", "none"))
    return np.stack(
        [
            forward[:, n] * backward[:, n],
            forward[:, f] * backward[:, n],
            forward[:, n] * backward[:, f],
            forward[:, a] * backward[:, n],
            forward[:, n] * backward[:, a],
        ],
        axis=1,
    )


def decode_directed(forward: np.ndarray, backward: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """The 5-class prediction (class ids) of :func:`directed_scores`: the highest-scoring class."""
    return directed_scores(forward, backward, labels).argmax(axis=1)


def evaluate_directed(
    clf: Classifier, split: str = "test", *, progress: bool = False, data_dir: str | None = None
) -> dict[str, Any]:
    """Score a stance model on the directed-sentiment news corpus ("who blames or endorses whom").

    Every sentence names two entities and is asked in both directions, so there are 2 x sentences rows. Reports:

    - ``metrics``: 3-class (favor/against/none) scores of the holder -> target rows, the holder given
      (holder-aware models; a holder-blind model is scored on the same rows without it);
    - ``holder_blind``: the same rows scored by the same model *without* the holder (target only): the
      difference to ``metrics`` is what knowing the holder is worth;
    - ``five_class``: the corpus's own 5-class task (neutral, ent1->ent2 / ent2->ent1 positive / negative),
      accuracy (= micro-F1), macro-F1 and mean average precision, as the corpus authors' ``metrics.py`` reports
      them, from the two directions by :func:`directed_scores` (holder-aware models only).
    """
    if not clf.spec.is_pair:
        raise ConfigError("the directed-news corpus needs a stance model")
    sentences = read_directed_news(data_root(data_dir), split)
    texts = [s for s, _, _, _ in sentences for _ in range(2)]
    holders = [h for _, e1, e2, _ in sentences for h in (e1, e2)]
    targets = [t for _, e1, e2, _ in sentences for t in (e2, e1)]
    gold = [y for *_, label in sentences for y in DIRECTED_STANCE[label]]
    groups = ["ent1->ent2", "ent2->ent1"] * len(sentences)
    blind = clf.predict_proba(texts, targets=targets, progress=progress)
    blind_pred = [clf.labels[i] for i in blind.argmax(axis=1)]
    out: dict[str, Any] = {
        "model": str(getattr(clf, "name", "") or clf.spec.task),
        "dataset": "directed-news",
        "split": split,
        "n": len(gold),
        "sentences": len(sentences),
        "labels": list(clf.labels),
        "holder_blind": {
            "metrics": classification_scores(gold, blind_pred, "stance"),
            "confusion": confusion(gold, blind_pred, clf.labels),
        },
    }
    gold_idx = [clf.labels.index(y) for y in gold]
    out["holder_blind"]["ece"] = expected_calibration_error(blind, gold_idx)
    out["temperature"] = clf.spec.temperature
    if not clf.spec.uses_holder:
        out |= {"metrics": out["holder_blind"]["metrics"], "confusion": out["holder_blind"]["confusion"]}
        out["ece"] = out["holder_blind"]["ece"]
        out["groups"] = grouped_scores(gold, blind_pred, groups, "stance")
        return out
    aware = clf.predict_proba(texts, targets=targets, holders=holders, progress=progress)
    pred = [clf.labels[i] for i in aware.argmax(axis=1)]
    out |= {
        "metrics": classification_scores(gold, pred, "stance"),
        "groups": grouped_scores(gold, pred, groups, "stance"),
        "confusion": confusion(gold, pred, clf.labels),
        "ece": expected_calibration_error(aware, gold_idx),
        "five_class": five_class_scores(aware, [int(label) for *_, label in sentences], clf.labels),
    }
    return out


def five_class_scores(aware: np.ndarray, five_gold: list[int], labels: tuple[str, ...]) -> dict[str, Any]:
    """The directed corpus's own 5-class scores from the interleaved (forward, backward) holder-aware rows.

    The corpus authors' metrics.py reports micro-F1 (= accuracy), macro-F1 and the mean average precision over
    the five classes; the same here.
    """
    gold = np.asarray(five_gold)
    scores = directed_scores(aware[0::2], aware[1::2], labels)
    pred = scores.argmax(axis=1)
    present = [k for k in range(5) if (gold == k).any()]
    return {
        "labels": [DIRECTED_LABELS[str(i)] for i in range(5)],
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(f1_score(gold, pred, labels=list(range(5)), average="macro", zero_division=0)),
        "mean_average_precision": float(np.mean([average_precision_score(gold == k, scores[:, k]) for k in present])),
        "confusion": confusion_matrix(gold, pred, labels=list(range(5))).tolist(),
    }


def evaluate_probes(clf: Classifier, path: str | Path) -> dict[str, Any]:
    """Accuracy of a holder-aware model on hand-written probe sentences (a JSONL of ``text``, ``holder``,
    ``holder_aliases``, ``target``, ``target_aliases``, ``expected``, ``category``), overall and per category.

    The probes are a check written before training (``tests/fixtures/news_probes.jsonl``), never a tuning set.
    """
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        raise ConfigError(f"{path}: no probes")
    holders = [Target(r["holder"], tuple(r.get("holder_aliases") or ())) for r in rows]
    targets = [Target(r["target"], tuple(r.get("target_aliases") or ())) for r in rows]
    pred = clf.predict([r["text"] for r in rows], targets=targets, holders=holders if clf.spec.uses_holder else None)
    hits = [p == r["expected"] for p, r in zip(pred, rows)]
    per: dict[str, list[bool]] = {}
    for r, h in zip(rows, hits):
        per.setdefault(r["category"], []).append(h)
    return {
        "n": len(rows),
        "accuracy": float(np.mean(hits)),
        "categories": {c: {"n": len(v), "accuracy": float(np.mean(v))} for c, v in sorted(per.items())},
        "holder_given": clf.spec.uses_holder,
        "misses": [
            {"id": r["id"], "category": r["category"], "expected": r["expected"], "predicted": p}
            for r, p, h in zip(rows, pred, hits)
            if not h
        ],
    }
