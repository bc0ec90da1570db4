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
chosen on validation data (:func:`stancekit.fitting.experts.fit_experts`), never on a test split.

Stored in the model folder as ``ngram.json`` (settings, targets, classes, vocabularies) and
``ngram.safetensors`` (idf vectors, coefficients): nothing is pickled. Vocabularies are pruned to the
``max_features`` n-grams with the largest coefficients, and the SVM refitted on them, to keep the folder small.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from safetensors.numpy import load_file, save_file
from sklearn.feature_extraction.text import TfidfVectorizer

from stancekit.core.hashing import sha256_file
from stancekit.core.proba import log_proba

JSON_FILE = "ngram.json"
WEIGHTS_FILE = "ngram.safetensors"
FORMAT = 1
WORD = {"ngram_range": (1, 3), "min_df": 2, "sublinear_tf": True, "lowercase": True}
CHAR = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True, "lowercase": True}


def normalise_target(target: object) -> str:
    """The key a target is matched by: case-folded, spacing collapsed."""
    return " ".join(str(target).split()).casefold()


def vectorizer(settings: dict[str, Any], vocabulary: list[str] | None = None) -> TfidfVectorizer:
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
        # The fitted vectorizers' own input checks cost more than the transform on a few rows (a third of a
        # single-text call's time): the inputs here are always lists of str.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """SVM scores of shape (n, len(classes)), centred per row."""
        s = np.asarray(self.features(texts) @ self.coef.T) + self.intercept
        if len(self.classes) == 2:  # binary: one score, positive means classes[1]
            s = np.concatenate([-s, s], axis=1)
        return s - s.mean(axis=1, keepdims=True)


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
        scores: np.ndarray | None = None,
    ) -> np.ndarray:
        """Fuse the network's probabilities (at temperature 1) with the experts' scores.

        Covered rows: ``softmax((log proba + weight * scores) / temperature)`` (default: the experts' own weight and
        temperature); other rows: ``softmax(log proba / network_temperature)``. ``scores``: the experts' scores of
        these rows (:meth:`scores`), when already computed.
        """
        w = self.weight if weight is None else weight
        t = self.temperature if temperature is None else temperature
        logits = log_proba(proba, upper=1.0)
        which = self._expert_of(targets)  # matched once, for the scores and the temperatures
        if w:
            if scores is None:
                scores = self.scores(texts, targets, _which=which)
            logits = logits + w * scores
        covered = np.array([i is not None for i in which], dtype=bool)
        logits = logits / np.where(covered, t, network_temperature)[:, None]
        logits -= logits.max(axis=1, keepdims=True)
        out = np.exp(logits)
        return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)

    # ---------------------------------------------------------------------------------------------------- save/load
    def tensors(self) -> dict[str, np.ndarray]:
        """The experts' arrays as stored in ``ngram.safetensors`` (idf vectors, coefficients, intercepts)."""
        tensors: dict[str, np.ndarray] = {}
        for i, e in enumerate(self.experts):
            tensors[f"{i}.word_idf"] = e.word.idf_.astype(np.float32)
            tensors[f"{i}.char_idf"] = e.char.idf_.astype(np.float32)
            tensors[f"{i}.coef"] = np.ascontiguousarray(e.coef, dtype=np.float32)
            tensors[f"{i}.intercept"] = np.ascontiguousarray(e.intercept, dtype=np.float32)
        return tensors

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        tensors = self.tensors()
        entries = [
            {
                "target": e.target,
                "aliases": list(e.aliases),
                "classes": e.classes,
                "word_vocabulary": e.word.get_feature_names_out().tolist(),
                "char_vocabulary": e.char.get_feature_names_out().tolist(),
            }
            for e in self.experts
        ]
        save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": str(FORMAT)})
        digest = sha256_file(folder / WEIGHTS_FILE)
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
        if sha256_file(folder / WEIGHTS_FILE) != doc["weights_sha256"]:
            raise ValueError(f"{folder / WEIGHTS_FILE}: SHA-256 differs from the one recorded in {JSON_FILE}")
        tensors = load_file(str(folder / WEIGHTS_FILE))
        word_settings = {k: tuple(v) if isinstance(v, list) else v for k, v in doc["word"].items()}
        char_settings = {k: tuple(v) if isinstance(v, list) else v for k, v in doc["char"].items()}
        experts = []
        for i, entry in enumerate(doc["experts"]):
            word = vectorizer(word_settings, entry["word_vocabulary"])
            char = vectorizer(char_settings, entry["char_vocabulary"])
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
