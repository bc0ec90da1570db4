"""Does a TF-IDF + linear SVM expert help the shipped stance model? Validation picks the fusion weight; test reports.

fused score = log p_model + w * (svm decision, centred over the labels the SVM knows; 0 for labels it never saw).
Variants: per-target SVMs only for targets seen in training ("per_target"), or the one SVM over every row with
the target's words appended ("fallback", applies to any target). Run from the repo root:
    STANCEKIT_DATA=../shared/data python experiments/tfidf-ensemble/probe.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import stancekit
from stancekit.core.metrics import classification_scores, grouped_scores, predict_restricted
from stancekit.data import load_dataset
from stancekit.data.sources import load_source
from stancekit.fitting.baseline import TfidfBaseline, _joined
from stancekit.fitting.config import TrainingConfig

ROOT = Path(__file__).resolve().parents[2]
model_name = sys.argv[1] if len(sys.argv) > 1 else "stance"
config = TrainingConfig.from_yaml(ROOT / "models/stance-minilm/training_config.yaml")  # its training rows
clf = stancekit.load(model_name)
labels = clf.labels
t0 = time.time()
texts: list[str] = []
targets: list[str] = []
gold: list[str] = []
for spec in config.train:
    ds = load_source(spec, "stance")
    texts += ds["text"]
    targets += ds["target"]
    gold += ds["label"]
svm = TfidfBaseline(labels).fit(texts, targets, gold)
print(f"fit {time.time() - t0:.0f}s; per-target: {sorted(svm.per_target)}", flush=True)


def svm_scores(split_texts: list[str], split_targets: list[str], variant: str) -> np.ndarray:
    out = np.zeros((len(split_texts), len(labels)))
    groups: dict[str | None, list[int]] = {}
    for i, t in enumerate(split_targets):
        key = t if (variant == "per_target" and t in svm.per_target) else (None if variant == "fallback" else "skip")
        groups.setdefault(key, []).append(i)
    for key, rows in groups.items():
        if key == "skip":
            continue
        model = svm.per_target[key] if key is not None else svm.fallback
        assert model is not None
        inputs = [split_texts[i] if key is not None else _joined(split_texts[i], split_targets[i]) for i in rows]
        s = model.decision_function(inputs)
        classes = list(model.classes_)
        if s.ndim == 1:
            s = np.stack([-s, s], axis=1)
        s = s - s.mean(axis=1, keepdims=True)
        for j, name in enumerate(classes):
            out[np.asarray(rows), labels.index(name)] = s[:, j]
    return out


cache: dict[tuple[str, str], tuple[Any, np.ndarray, dict[str, np.ndarray]]] = {}
for name in ("semeval2016", "pstance", "vast"):
    for split in ("validation", "test"):
        ds = load_dataset(name, split)
        p = clf.predict_proba(ds["text"], targets=ds["target"])
        variants = {v: svm_scores(ds["text"], ds["target"], v) for v in ("per_target", "fallback")}
        cache[name, split] = (ds, np.log(np.clip(p, 1e-9, 1)), variants)
print(f"scored {time.time() - t0:.0f}s", flush=True)
metric = {"semeval2016": "f_avg", "pstance": "f_avg", "vast": "macro_f1"}
grid = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
report: dict[str, dict[str, list[float]]] = {}
for variant in ("per_target", "fallback"):
    for name in metric:
        row: dict[str, list[float]] = {}
        for split in ("validation", "test"):
            ds, logp, s = cache[name, split]
            row[split] = []
            for w in grid:
                pred = predict_restricted(logp + w * s[variant], labels, set(ds["label"]))
                m = classification_scores(ds["label"], pred, "stance")[metric[name]]
                row[split].append(round(100 * m, 2))
        report[f"{variant}/{name}"] = row
        print(variant, name, "val", row["validation"], "test", row["test"], flush=True)
    # one weight for every corpus, chosen by the mean validation metric
    mean_val = np.mean([report[f"{variant}/{n}"]["validation"] for n in metric], axis=0)
    best = int(np.argmax(mean_val))
    print(variant, "global w", grid[best], {n: report[f"{variant}/{n}"]["test"][best] for n in metric}, flush=True)
    # per-target SemEval at the chosen weight
    ds, logp, s = cache["semeval2016", "test"]
    pred = predict_restricted(logp + grid[best] * s[variant], labels, set(ds["label"]))
    print({g: round(100 * v["f_avg"], 1) for g, v in grouped_scores(ds["label"], pred, ds["group"], "stance").items()})
out = {"model": model_name, "grid": grid, "results": report}
(ROOT / "experiments/tfidf-ensemble/probe.json").write_text(json.dumps(out, indent=1))
