"""N-gram experts: per-target TF-IDF + linear SVM models whose scores are fused with the network's probabilities.

SemEval-2016's n-gram SVM baseline is strong for a reason: with a few hundred tweets per target, the words that
signal a stance toward *that* target (hashtags, slogans, names) are memorised better by a linear model over word
and character n-grams than by a small transformer. An expert is fitted per target that has enough training rows
(the SemEval-2016 and P-Stance targets in the shipped stance model); at prediction time a row whose target is one
of those targets (or one of its configured aliases; matching ignores case and spacing) gets

    p = softmax((log p_network + weight * s) / temperature)

where ``p_network`` is the network's softmax at temperature 1 and ``s`` the expert's SVM decision, centred over
the labels it knows (0 for a label it never saw, so a binary P-Stance expert does not forbid ``none``). Any other
target gets the network alone, at the model's own temperature. ``weight`` and the experts' ``temperature`` are
chosen on validation data (:func:`attach_experts`), never on a test split.

Stored in the model folder as ``ngram.json`` (settings, targets, classes, vocabularies) and
``ngram.safetensors`` (idf vectors, coefficients): nothing is pickled. Vocabularies are pruned to the
``max_features`` n-grams with the largest coefficients, and the SVM refitted on them, to keep the folder small.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import load_file, save_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

if TYPE_CHECKING:
    from stancekit.classifier import Classifier
    from stancekit.training import TrainingConfig

logger = logging.getLogger(__name__)

JSON_FILE = "ngram.json"
WEIGHTS_FILE = "ngram.safetensors"
FORMAT = 1
WORD = {"ngram_range": (1, 3), "min_df": 2, "sublinear_tf": True, "lowercase": True}
CHAR = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True, "lowercase": True}
WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def normalise_target(target: object) -> str:
    """The key a target is matched by: case-folded, spacing collapsed."""
    return " ".join(str(target).split()).casefold()


def _vectorizer(settings: dict[str, Any], vocabulary: list[str] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(**settings, vocabulary=vocabulary)


@dataclass
class Expert:
    """One target's TF-IDF (word 1-3-grams + char 2-5-grams) + linear SVM."""

    target: str
    classes: list[str]
    word: TfidfVectorizer
    char: TfidfVectorizer
    coef: np.ndarray  # (1 or n_classes, n_features)
    intercept: np.ndarray  # (1 or n_classes,)
    aliases: tuple[str, ...] = ()

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """SVM scores of shape (n, len(classes)), centred per row."""
        s = np.asarray(self.features(texts) @ self.coef.T) + self.intercept
        if len(self.classes) == 2:  # binary: one score, positive means classes[1]
            s = np.concatenate([-s, s], axis=1)
        return s - s.mean(axis=1, keepdims=True)

    @classmethod
    def fit(
        cls, target: str, texts: Sequence[str], gold: Sequence[str], *, max_features: int, c: float = 0.5
    ) -> Expert:
        word, char = _vectorizer(WORD), _vectorizer(CHAR)
        x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
        svm = LinearSVC(C=c, class_weight="balanced", random_state=0).fit(x, gold)
        n_word = len(word.vocabulary_)
        if x.shape[1] > max_features:  # keep the n-grams with the largest weights, refit on them
            keep = np.sort(np.argsort(-np.abs(svm.coef_).max(axis=0), kind="stable")[:max_features])
            names = np.concatenate([word.get_feature_names_out(), char.get_feature_names_out()])
            word = _vectorizer(WORD, [str(t) for t in names[keep[keep < n_word]]])
            char = _vectorizer(CHAR, [str(t) for t in names[keep[keep >= n_word]]])
            x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
            svm = LinearSVC(C=c, class_weight="balanced", random_state=0).fit(x, gold)
        return cls(
            target=target,
            classes=[str(k) for k in svm.classes_],
            word=word,
            char=char,
            coef=svm.coef_.astype(np.float32),
            intercept=svm.intercept_.astype(np.float32),
        )


class NgramExperts:
    """Per-target n-gram experts and the weight their scores get against the network's log-probabilities."""

    def __init__(
        self, labels: Sequence[str], experts: Sequence[Expert], weight: float = 1.0, temperature: float = 1.0
    ) -> None:
        if not 0.01 <= temperature <= 100:
            raise ValueError(f"temperature must be in [0.01, 100], got {temperature}")
        self.labels = tuple(labels)
        self.experts = list(experts)
        self.weight = float(weight)
        self.temperature = float(temperature)
        self._by_key: dict[str, int] = {}
        for i, expert in enumerate(self.experts):
            unknown = set(expert.classes) - set(self.labels)
            if unknown:
                raise ValueError(f"expert for {expert.target!r} has classes {sorted(unknown)} the model lacks")
            for name in (expert.target, *expert.aliases):
                self._by_key.setdefault(normalise_target(name), i)

    @property
    def targets(self) -> list[str]:
        """The targets an expert covers (aliases not included)."""
        return [e.target for e in self.experts]

    def covers(self, target: object) -> bool:
        return target is not None and normalise_target(target) in self._by_key

    def _expert_of(self, targets: Sequence[object]) -> list[int | None]:
        """Per row, the index of the expert covering its target, or None."""
        return [None if t is None else self._by_key.get(normalise_target(t)) for t in targets]

    def covered(self, targets: Sequence[object]) -> np.ndarray:
        """Boolean mask of the rows whose target an expert covers."""
        return np.array([i is not None for i in self._expert_of(targets)], dtype=bool)

    def scores(
        self, texts: Sequence[str], targets: Sequence[object], *, _which: list[int | None] | None = None
    ) -> np.ndarray:
        """Centred expert scores in the model's label order; rows without an expert (and unseen labels) get 0."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        groups: dict[int, list[int]] = {}
        for row, i in enumerate(self._expert_of(targets) if _which is None else _which):
            if i is not None:
                groups.setdefault(i, []).append(row)
        for i, rows in groups.items():
            expert = self.experts[i]
            s = expert.decision([texts[r] for r in rows])
            cols = [self.labels.index(k) for k in expert.classes]
            out[np.ix_(rows, cols)] = s
        return out

    def fuse(
        self,
        proba: np.ndarray,
        texts: Sequence[str],
        targets: Sequence[object],
        *,
        weight: float | None = None,
        temperature: float | None = None,
        network_temperature: float = 1.0,
    ) -> np.ndarray:
        """Fuse the network's probabilities (at temperature 1) with the experts' scores.

        Covered rows: ``softmax((log proba + weight * scores) / temperature)`` (default: the experts' own weight and
        temperature); other rows: ``softmax(log proba / network_temperature)``.
        """
        w = self.weight if weight is None else weight
        t = self.temperature if temperature is None else temperature
        logits = np.log(np.clip(proba.astype(np.float64), 1e-12, 1.0))
        which = self._expert_of(targets)  # matched once, for the scores and the temperatures
        if w:
            logits = logits + w * self.scores(texts, targets, _which=which)
        covered = np.array([i is not None for i in which], dtype=bool)
        logits = logits / np.where(covered, t, network_temperature)[:, None]
        logits -= logits.max(axis=1, keepdims=True)
        out = np.exp(logits)
        return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)

    # ---------------------------------------------------------------------------------------------- fit/save/load
    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        targets: Sequence[str | None],
        gold: Sequence[str],
        labels: Sequence[str],
        *,
        min_rows: int = 200,
        max_features: int = 10_000,
        aliases: dict[str, list[str]] | None = None,
    ) -> NgramExperts:
        """One expert per target with at least ``min_rows`` training rows and two labels."""
        rows: dict[str, list[int]] = {}
        for i, t in enumerate(targets):
            if t is not None:
                rows.setdefault(str(t), []).append(i)
        experts = []
        for target in sorted(rows):
            idx = rows[target]
            if len(idx) < min_rows or len({gold[i] for i in idx}) < 2:
                continue
            expert = Expert.fit(target, [texts[i] for i in idx], [gold[i] for i in idx], max_features=max_features)
            expert.aliases = tuple((aliases or {}).get(target, ()))
            experts.append(expert)
            logger.info("n-gram expert %r: %d rows, %d features", target, len(idx), expert.coef.shape[1])
        if not experts:
            raise ValueError(f"no target has {min_rows} or more training rows with two labels: no expert to fit")
        return cls(labels, experts)

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        tensors: dict[str, np.ndarray] = {}
        entries = []
        for i, e in enumerate(self.experts):
            tensors[f"{i}.word_idf"] = e.word.idf_.astype(np.float32)
            tensors[f"{i}.char_idf"] = e.char.idf_.astype(np.float32)
            tensors[f"{i}.coef"] = np.ascontiguousarray(e.coef, dtype=np.float32)
            tensors[f"{i}.intercept"] = np.ascontiguousarray(e.intercept, dtype=np.float32)
            entries.append(
                {
                    "target": e.target,
                    "aliases": list(e.aliases),
                    "classes": e.classes,
                    "word_vocabulary": e.word.get_feature_names_out().tolist(),
                    "char_vocabulary": e.char.get_feature_names_out().tolist(),
                }
            )
        save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": str(FORMAT)})
        digest = hashlib.sha256((folder / WEIGHTS_FILE).read_bytes()).hexdigest()
        doc = {
            "format": FORMAT,
            "weight": self.weight,
            "temperature": self.temperature,
            "labels": list(self.labels),
            "word": {k: list(v) if isinstance(v, tuple) else v for k, v in WORD.items()},
            "char": {k: list(v) if isinstance(v, tuple) else v for k, v in CHAR.items()},
            "weights_sha256": digest,
            "experts": entries,
        }
        (folder / JSON_FILE).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> NgramExperts:
        """Read ``ngram.json`` + ``ngram.safetensors``; a file that does not match raises ``ValueError``."""
        folder = Path(folder)
        doc = json.loads((folder / JSON_FILE).read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"{folder / JSON_FILE}: unknown format {doc.get('format')!r} (expected {FORMAT})")
        blob = (folder / WEIGHTS_FILE).read_bytes()
        if hashlib.sha256(blob).hexdigest() != doc["weights_sha256"]:
            raise ValueError(f"{folder / WEIGHTS_FILE}: SHA-256 differs from the one recorded in {JSON_FILE}")
        tensors = load_file(str(folder / WEIGHTS_FILE))
        word_settings = {k: tuple(v) if isinstance(v, list) else v for k, v in doc["word"].items()}
        char_settings = {k: tuple(v) if isinstance(v, list) else v for k, v in doc["char"].items()}
        experts = []
        for i, entry in enumerate(doc["experts"]):
            word = _vectorizer(word_settings, entry["word_vocabulary"])
            char = _vectorizer(char_settings, entry["char_vocabulary"])
            word.idf_ = tensors[f"{i}.word_idf"].astype(np.float64)
            char.idf_ = tensors[f"{i}.char_idf"].astype(np.float64)
            coef = tensors[f"{i}.coef"]
            if coef.shape[1] != len(entry["word_vocabulary"]) + len(entry["char_vocabulary"]):
                raise ValueError(f"{folder / WEIGHTS_FILE}: expert {entry['target']!r} has mismatched shapes")
            experts.append(
                Expert(
                    target=entry["target"],
                    classes=list(entry["classes"]),
                    word=word,
                    char=char,
                    coef=coef,
                    intercept=tensors[f"{i}.intercept"],
                    aliases=tuple(entry.get("aliases", ())),
                )
            )
        return cls(doc["labels"], experts, doc["weight"], doc.get("temperature", 1.0))


def attach_experts(
    clf: Classifier,
    config: TrainingConfig,
    *,
    min_rows: int = 200,
    max_features: int = 10_000,
    grid: Sequence[float] = WEIGHT_GRID,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit experts on ``config``'s training sources (each row once) and pick their weight on its validation sources.

    The weight maximises the mean F_avg over the validation sources that have rows the experts cover (a source
    without any scores the same at every weight); ties go to the smaller weight. Then the experts' temperature is
    fitted on the covered validation rows (negative log-likelihood), and kept only if it lowers their expected
    calibration error. Sets ``clf.experts``.

    Returns:
        ``{"weight", "grid", "validation": {source: [F_avg per weight]}, "selection": [...], "targets",
        "temperature", "ece_before", "ece_after", "n_calibration"}``.
    """
    from stancekit.calibration import expected_calibration_error, fit_temperature, rescale
    from stancekit.evaluation import predict_restricted
    from stancekit.metrics import classification_scores
    from stancekit.training import load_source

    if clf.task != "stance" or clf.spec.uses_holder:
        raise ValueError("n-gram experts are for stance models without holders")
    if any(clf.spec.label_bias.values()):
        raise ValueError(
            "this model has a label bias, which is fitted after the experts: remove 'label_bias' from its "
            "config.json, fit the experts, then fit the bias again (`stancekit calibrate --bias`)"
        )
    texts: list[str] = []
    targets: list[str | None] = []
    gold: list[str] = []
    aliases: dict[str, list[str]] = {}
    for spec in config.train:
        ds = load_source(spec, "stance")
        texts += ds["text"]
        targets += ds["target"]
        gold += ds["label"]
        for target, names in (spec.target_aliases or {}).items():
            aliases.setdefault(target, []).extend(n for n in names if n not in aliases.get(target, []))
    experts = NgramExperts.fit(
        texts, targets, gold, clf.labels, min_rows=min_rows, max_features=max_features, aliases=aliases
    )
    clf.experts = None
    per_source: dict[str, list[float]] = {}
    kept: list[tuple[np.ndarray, list[str], list[str], list[str]]] = []  # covered rows: proba, texts, targets, gold
    for spec in config.validation:
        ds = load_source(spec, "stance")
        if not any(experts.covers(t) for t in ds["target"]):
            continue  # no expert fires here: the same score at every weight (not worth scoring)
        # the network alone, at temperature 1: the classifier fuses first and applies its temperature after
        proba = clf.predict_proba(ds["text"], targets=ds["target"], progress=progress)
        proba = rescale(proba, 1 / clf.spec.temperature)
        rows = np.flatnonzero(experts.covered(ds["target"]))
        texts_v, targets_v, gold_v = ds["text"], ds["target"], ds["label"]
        kept.append((proba[rows], [texts_v[i] for i in rows], [targets_v[i] for i in rows], [gold_v[i] for i in rows]))
        allowed = set(ds["label"])
        per_source[spec.label] = [
            classification_scores(
                ds["label"],
                predict_restricted(experts.fuse(proba, ds["text"], ds["target"], weight=w), clf.labels, allowed),
                "stance",
            )["f_avg"]
            for w in grid
        ]
    if not per_source:
        raise ValueError("no validation row has a target the experts cover: nothing to choose their weight on")
    selection = np.mean(list(per_source.values()), axis=0)
    best = int(np.argmax(selection))  # first maximum: the smallest weight among ties
    experts.weight = float(grid[best])
    fused = np.concatenate([experts.fuse(p, x, t, temperature=1.0) for p, x, t, _ in kept])
    gold_idx = np.array([clf.labels.index(y) for _, _, _, g in kept for y in g])
    fitted = fit_temperature(fused, gold_idx)
    ece_before = expected_calibration_error(fused, gold_idx)
    ece_after = expected_calibration_error(rescale(fused, fitted), gold_idx)
    experts.temperature = round(fitted, 4) if ece_after < ece_before else 1.0
    clf.experts = experts
    return {
        "weight": experts.weight,
        "grid": list(grid),
        "validation": per_source,
        "selection": selection.tolist(),
        "targets": experts.targets,
        "temperature": experts.temperature,
        "ece_before": ece_before,
        "ece_after": min(ece_after, ece_before),
        "n_calibration": len(gold_idx),
    }
