"""TF-IDF + linear SVM baseline (scikit-learn), trained on the same data as a model, for honest comparison.

Like the SemEval-2016 n-gram SVM baseline, stance is learned per target where a target has enough training rows
(word 1-3-grams + character 2-5-grams); rows whose target has too few (VAST's open topics) fall back to one
model over all training rows, with the target's words appended to the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from stancekit.model.experts import CHAR, WORD

MIN_TARGET_ROWS = 200


def _pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(**WORD)),
            ("char", TfidfVectorizer(**CHAR)),
        ]
    )
    return Pipeline([("features", features), ("svm", LinearSVC(C=0.5, class_weight="balanced"))])


def _joined(text: str, target: str | None) -> str:
    return f"{target} || {text}" if target else text


@dataclass
class TfidfBaseline:
    """Fit with :meth:`fit`, score with :meth:`decision` (higher = more likely), labels in ``labels`` order."""

    labels: tuple[str, ...]
    per_target: dict[str, Pipeline] = field(default_factory=dict)
    fallback: Pipeline | None = None

    def fit(self, texts: Sequence[str], targets: Sequence[str | None], gold: Sequence[str]) -> TfidfBaseline:
        counts = Counter(targets)
        self.fallback = _pipeline().fit([_joined(x, t) for x, t in zip(texts, targets)], gold)
        for target, n in counts.items():
            rows = [i for i, t in enumerate(targets) if t == target]
            if target is not None and n >= MIN_TARGET_ROWS and len({gold[i] for i in rows}) > 1:
                self.per_target[target] = _pipeline().fit([texts[i] for i in rows], [gold[i] for i in rows])
        return self

    def decision(self, texts: Sequence[str], targets: Sequence[str | None]) -> np.ndarray:
        """Scores of shape (n, len(labels)); labels a sub-model never saw get -inf."""
        out = np.full((len(texts), len(self.labels)), -np.inf)
        assert self.fallback is not None, "fit first"
        groups: dict[str | None, list[int]] = {}
        for i, t in enumerate(targets):
            groups.setdefault(t if t in self.per_target else None, []).append(i)
        for target, rows in groups.items():
            model = self.per_target[target] if target is not None else self.fallback
            inputs = [texts[i] if target is not None else _joined(texts[i], targets[i]) for i in rows]
            scores = model.decision_function(inputs)
            classes = list(model.classes_)
            if scores.ndim == 1:  # binary: positive score means classes[1]
                scores = np.stack([-scores, scores], axis=1)
            for j, name in enumerate(classes):
                out[np.asarray(rows), self.labels.index(name)] = scores[:, j]
        return out
