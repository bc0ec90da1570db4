"""Document verdicts on FNC-1 and ARC: an article body's stance toward a headline (agree / disagree / discuss /
unrelated), read sentence by sentence.

Bodies are longer than the model's window, so none is cut: each body is split into sentences (sentencex); every
sentence is embedded (all-MiniLM-L6-v2, mean pooled) to measure its relevance to the headline, and the stance
model reads each sentence of the bodies that pass a relevance gate against the headline as target. Two
aggregators turn that sentence evidence into the 4-way verdict:

- ``rule``: the aggregation of :mod:`stancekit.core.aggregate` (the one ``summarize`` uses), with each sentence's
  relevance (its cosine to the headline, clipped at 0) as its weight: unrelated when the body's best cosine is under
  a threshold, else agree / disagree / discuss for a favor / against / other verdict; the threshold and the verdict
  threshold are chosen on the validation split;
- ``learned``: a logistic regression over the same evidence (relevance statistics, TF-IDF cosine, relevance- and
  confidence-weighted stance means, maxima, the lead sentence, the rule's score), fitted on a stratified sample of
  training pairs, its regularisation and class weights chosen on validation.

Test pairs are scored once, after those choices. FNC-1's score: +0.25 for each pair whose related/unrelated call is
right, +0.75 more for the right stance of a related pair; reported relative to the best possible (Hanselowski et
al., COLING 2018 report it with the classes' macro-F1, the fairer figure, as here).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from stancekit.core.aggregate import document_score
from stancekit.core.errors import ConfigError
from stancekit.core.text import split_sentences
from stancekit.data.corpora import FncPair, data_root, read_fnc
from stancekit.model.classifier import Classifier
from stancekit.model.embedder import SentenceEmbedder

logger = logging.getLogger(__name__)
FNC_CLASSES = ("agree", "disagree", "discuss", "unrelated")
RELATED = frozenset(FNC_CLASSES[:3])
GATE_RECALL = 0.99  # the relevance gate keeps this share of the related training pairs


def fnc_score(gold: list[str], pred: list[str]) -> dict[str, float]:
    """The FNC-1 competition score (its scorer.py), the best possible, and their ratio."""
    score = best = 0.0
    for g, p in zip(gold, pred):
        best += 1.0 if g in RELATED else 0.25
        if g == p:
            score += 0.75 if g in RELATED else 0.25
        if g in RELATED and p in RELATED:
            score += 0.25
    return {"score": score, "max": best, "relative": score / best if best else 0.0}


def fnc_metrics(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Macro-F1 over the four classes, per-class F1, accuracy, the FNC score and the confusion matrix."""
    per_class = f1_score(gold, pred, labels=list(FNC_CLASSES), average=None, zero_division=0)
    return {
        "macro_f1": float(np.mean(per_class)),
        "f1": {c: float(f) for c, f in zip(FNC_CLASSES, per_class)},
        "accuracy": float(accuracy_score(gold, pred)),
        "fnc_score": fnc_score(gold, pred),
        "confusion": confusion_matrix(gold, pred, labels=list(FNC_CLASSES)).tolist(),
        "n": len(gold),
    }


@dataclass
class Evidence:
    """Per pair: the sentence relevances and (for pairs through the gate) the stance probabilities."""

    pairs: list[FncPair]
    cosines: list[np.ndarray]
    proba: list[np.ndarray | None]  # (sentences, 3) in the model's label order, or None (gated out)
    tfidf: np.ndarray
    labels: tuple[str, ...]
    sentences_scored: int = 0
    sentences_total: int = 0
    truncated: int = 0
    gate: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


class DocumentReader:
    """Splits bodies, embeds sentences and headlines, and scores the sentences of related-looking pairs."""

    def __init__(self, clf: Classifier, embedder: SentenceEmbedder, tfidf: TfidfVectorizer) -> None:
        if not clf.spec.is_pair:
            raise ConfigError("document verdicts need a stance model")
        self.clf, self.embedder, self.tfidf = clf, embedder, tfidf
        self._sentences: dict[int, list[str]] = {}

    def sentences(self, pair: FncPair) -> list[str]:
        if pair.body_id not in self._sentences:
            self._sentences[pair.body_id] = split_sentences(pair.body) or [pair.body.strip() or "."]
        return self._sentences[pair.body_id]

    def cosines(self, pairs: list[FncPair], *, progress: bool = False) -> list[np.ndarray]:
        bodies = {p.body_id: self.sentences(p) for p in pairs}
        flat = [s for sents in bodies.values() for s in sents]
        vectors = self.embedder.embed(flat, progress=progress)
        offsets, pos = {}, 0
        for body_id, sents in bodies.items():
            offsets[body_id] = (pos, pos + len(sents))
            pos += len(sents)
        heads = sorted({p.headline for p in pairs})
        head_vec = dict(zip(heads, self.embedder.embed(heads)))
        return [vectors[slice(*offsets[p.body_id])] @ head_vec[p.headline] for p in pairs]

    def read(
        self, pairs: list[FncPair], gate: float, *, cosines: list[np.ndarray] | None = None, progress: bool = False
    ) -> Evidence:
        """The evidence of ``pairs``: relevances for all (``cosines``, when already computed), stance probabilities
        where the best cosine >= ``gate``."""
        cos = cosines if cosines is not None else self.cosines(pairs, progress=progress)
        heads = self.tfidf.transform([p.headline for p in pairs])
        bodies = self.tfidf.transform([p.body for p in pairs])
        tfidf = np.asarray(heads.multiply(bodies).sum(axis=1)).ravel()
        keep = [i for i, c in enumerate(cos) if c.max() >= gate]
        texts = [s for i in keep for s in self.sentences(pairs[i])]
        targets = [pairs[i].headline for i in keep for _ in self.sentences(pairs[i])]
        scored = self.clf.predict_scores(texts, targets=targets, progress=progress) if texts else None
        proba: list[np.ndarray | None] = [None] * len(pairs)
        pos = 0
        for i in keep:
            n = len(self.sentences(pairs[i]))
            assert scored is not None
            proba[i] = scored.values[pos : pos + n]
            pos += n
        total = sum(len(self.sentences(p)) for p in pairs)
        truncated = int(scored.truncated.sum()) if scored is not None else 0
        return Evidence(pairs, cos, proba, tfidf, self.clf.labels, len(texts), total, truncated, gate)


def _features(ev: Evidence) -> np.ndarray:
    a, f, n = (ev.labels.index(x) for x in ("against", "favor", "none"))
    rows = []
    for cos, proba, tf in zip(ev.cosines, ev.proba, ev.tfidf):
        top = np.sort(cos)[::-1]
        rel = [top[0], top[: min(3, len(top))].mean(), cos.mean(), float(tf), float(len(cos) > 1)]
        if proba is None:
            rows.append(rel + [0.0] * 12 + [1.0])
            continue
        w = np.exp(10 * (cos - cos.max()))
        w /= w.sum()
        conf = w * (1 - proba[:, n])
        conf = conf / conf.sum() if conf.sum() > 0 else w
        score, _ = document_score(proba[:, f], proba[:, a], proba[:, n], np.clip(cos, 0, None))
        stance = [w @ proba[:, f], w @ proba[:, a], w @ proba[:, n], conf @ proba[:, f], conf @ proba[:, a]]
        stance += [proba[:, f].max(), proba[:, a].max(), proba[:, f].mean(), proba[:, a].mean()]
        stance += [proba[0, f], proba[0, a], 0.0 if score is None else score, 0.0]
        rows.append(rel + [float(x) for x in stance])
    return np.asarray(rows, dtype=np.float64)


def _rule_predict(ev: Evidence, unrelated_below: float, threshold: float) -> list[str]:
    a, f, n = (ev.labels.index(x) for x in ("against", "favor", "none"))
    out = []
    for cos, proba in zip(ev.cosines, ev.proba):
        if proba is None or cos.max() < unrelated_below:
            out.append("unrelated")
            continue
        score, _ = document_score(proba[:, f], proba[:, a], proba[:, n], np.clip(cos, 0, None))
        labels = proba.argmax(axis=1)
        if score is not None and score >= threshold and (labels == f).any():
            out.append("agree")
        elif score is not None and score <= -threshold and (labels == a).any():
            out.append("disagree")
        else:
            out.append("discuss")
    return out


def _sample(pairs: list[FncPair], per_class: int, seed: int) -> list[FncPair]:
    rng = np.random.default_rng(seed)
    out: list[FncPair] = []
    for cls in FNC_CLASSES:
        rows = [p for p in pairs if p.stance == cls]
        pick = rng.permutation(len(rows))[:per_class]
        out += [rows[i] for i in sorted(pick)]
    return out


def evaluate_fnc(
    clf: Classifier,
    corpus: str = "fnc1",
    *,
    data_dir: str | None = None,
    train_per_class: int = 1500,
    seed: int = 13,
    progress: bool = False,
) -> dict[str, Any]:
    """Document verdicts of ``clf`` on ``corpus`` (``fnc1`` or ``arc``): choices on validation, test once.

    Returns the test metrics of the rule and the learned aggregator (:func:`fnc_metrics`), the validation scores
    behind each choice, and how much was read: every sentence of every body for relevance, and the stance of
    every sentence of the bodies through the gate (none cut: ``sentences_scored`` of ``sentences_total``).
    """
    root = data_root(data_dir)
    train = _sample(read_fnc(root, corpus, "train"), train_per_class, seed)
    val, test = read_fnc(root, corpus, "validation"), read_fnc(root, corpus, "test")
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", max_features=50_000)
    tfidf.fit([p.body for p in train] + [p.headline for p in train])
    reader = DocumentReader(clf, SentenceEmbedder(), tfidf)
    train_cos = reader.cosines(train, progress=progress)
    gate = float(np.quantile([c.max() for c, p in zip(train_cos, train) if p.stance in RELATED], 1 - GATE_RECALL))
    logger.info("%s: relevance gate %.3f (keeps %.0f%% of related training pairs)", corpus, gate, 100 * GATE_RECALL)
    evidence = {
        "train": reader.read(train, gate, cosines=train_cos, progress=progress),
        "validation": reader.read(val, gate, progress=progress),
        "test": reader.read(test, gate, progress=progress),
    }
    gold = {name: [p.stance for p in ev.pairs] for name, ev in evidence.items()}
    # rule: choose the unrelated cut and the verdict threshold on validation
    best_rule = max(
        ((u, t) for u in np.round(np.arange(gate, gate + 0.5, 0.025), 3) for t in (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)),
        key=lambda ut: fnc_metrics(gold["validation"], _rule_predict(evidence["validation"], *ut))["macro_f1"],
    )
    rule_val = fnc_metrics(gold["validation"], _rule_predict(evidence["validation"], *best_rule))
    # learned: logistic regression, C and class weights chosen on validation
    feats = {name: _features(ev) for name, ev in evidence.items()}
    candidates = []
    for c in (0.1, 1.0, 10.0):
        for weight in (None, "balanced"):
            model = make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight=weight, max_iter=2000))
            model.fit(feats["train"], gold["train"])
            score = fnc_metrics(gold["validation"], list(model.predict(feats["validation"])))["macro_f1"]
            candidates.append((score, c, weight or "none", model))
    val_f1, c_best, w_best, learned = max(candidates, key=lambda x: x[0])
    test_ev = evidence["test"]
    return {
        "corpus": corpus,
        "split": "test",
        "pairs": len(test),
        "bodies": len({p.body_id for p in test}),
        "sentences_total": test_ev.sentences_total,
        "sentences_scored": test_ev.sentences_scored,
        "truncated_sentences": test_ev.truncated,
        "relevance_gate": gate,
        "train_pairs": len(train),
        "rule": {
            "unrelated_below": float(best_rule[0]),
            "threshold": float(best_rule[1]),
            "validation_macro_f1": rule_val["macro_f1"],
            "test": fnc_metrics(gold["test"], _rule_predict(test_ev, *best_rule)),
        },
        "learned": {
            "C": c_best,
            "class_weight": w_best,
            "validation_macro_f1": val_f1,
            "test": fnc_metrics(gold["test"], list(learned.predict(feats["test"]))),
        },
    }
