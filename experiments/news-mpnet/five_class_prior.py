"""Would a per-class prior help the directed corpus's 5-class decoding? Measured on validation only.

    STANCEKIT_DATA=../shared/data python experiments/news-mpnet/five_class_prior.py [--model news]

The 5 classes are decoded from the two holder-aware directions as the product of their probabilities
(``stancekit.fitting.evaluation.directed_scores``), which under-predicts the rare classes (the second-named
entity's stance: 29 and 43 of 1,461 validation sentences). This scores directed-news *validation* once and, in
split-half cross-validation within it (5 random halvings, each half in turn), compares the arg-max with (a) a
per-class log-prior added to the log-scores, fitted by coordinate search for macro-F1 on the other half, and (b) a
balanced logistic regression on the six log-probabilities. No test split is read.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

import stancekit
from stancekit.data.corpora import data_root, read_directed_news
from stancekit.fitting.evaluation import directed_scores


def fit_prior(scores: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Per-class log-weights (class 0 fixed at 0) maximising macro-F1, three sweeps of a grid in [-3, 3]."""
    w = np.zeros(5)
    logs = np.log(scores + 1e-9)
    for _ in range(3):
        for k in range(1, 5):
            best = (-1.0, 0.0)
            for v in np.linspace(-3, 3, 61):
                trial = w.copy()
                trial[k] = v
                f = float(f1_score(gold, (logs + trial).argmax(1), average="macro"))
                if f > best[0]:
                    best = (f, float(v))
            w[k] = best[1]
    return w


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="news")
    args = parser.parse_args()
    clf = stancekit.load(args.model)
    sentences = read_directed_news(data_root(None), "validation")
    texts = [s for s, _, _, _ in sentences for _ in range(2)]
    holders = [h for _, e1, e2, _ in sentences for h in (e1, e2)]
    targets = [t for _, e1, e2, _ in sentences for t in (e2, e1)]
    proba = clf.predict_proba(texts, targets=targets, holders=holders)
    gold = np.array([int(label) for *_, label in sentences])
    scores = directed_scores(proba[0::2], proba[1::2], clf.labels)
    features = np.log(np.concatenate([proba[0::2], proba[1::2]], axis=1) + 1e-9)
    print(f"{args.model}: {len(gold)} validation sentences, classes {np.bincount(gold).tolist()}")
    print(f"arg-max on all of validation: macro-F1 {100 * f1_score(gold, scores.argmax(1), average='macro'):.1f}")
    rng = np.random.default_rng(0)
    results = []
    for _ in range(5):
        order = rng.permutation(len(gold))
        a, b = order[: len(order) // 2], order[len(order) // 2 :]
        for fit_on, score_on in ((a, b), (b, a)):
            w = fit_prior(scores[fit_on], gold[fit_on])
            lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(features[fit_on], gold[fit_on])
            results.append(
                (
                    f1_score(gold[score_on], scores[score_on].argmax(1), average="macro"),
                    f1_score(gold[score_on], (np.log(scores[score_on] + 1e-9) + w).argmax(1), average="macro"),
                    f1_score(gold[score_on], lr.predict(features[score_on]), average="macro"),
                )
            )
    mean, std = 100 * np.mean(results, axis=0), 100 * np.std(results, axis=0)
    for name, m, s in zip(("arg-max", "per-class log-prior", "logistic regression"), mean, std):
        print(f"split-half macro-F1, {name}: {m:.1f} +- {s:.1f} (10 folds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
