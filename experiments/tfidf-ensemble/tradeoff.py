"""Accuracy vs wording robustness of n-gram experts, by weight: one pass of the network, fusion at each weight.

Robustness as in benchmarks/robustness.py (SemEval-2016 test, its PARAPHRASES; paraphrased targets are not
covered by the experts, so they get the network alone). Run from the repo root:
    STANCEKIT_DATA=../shared/data python experiments/tfidf-ensemble/tradeoff.py MODEL_FOLDER
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

import stancekit
from stancekit.core.metrics import classification_scores, expected_calibration_error, grouped_scores, predict_restricted
from stancekit.data import load_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))  # the benchmark suite's paraphrases
from robustness import PARAPHRASES

folder = sys.argv[1]
clf = stancekit.load(folder)
experts = clf.experts
assert experts is not None, "the model has no n-gram experts"
clf.experts = None
labels = clf.labels
out = {}
data = {}
for name in ("semeval2016", "pstance"):
    ds = load_dataset(name, "test")
    data[name] = (ds, clf.predict_proba(ds["text"], targets=ds["target"]))
sem, sem_p = data["semeval2016"]
para = {}
for target, wordings in PARAPHRASES.items():
    rows = np.array([i for i, t in enumerate(sem["target"]) if t == target])
    for wording in wordings:
        para[target, wording] = (rows, clf.predict_proba([sem["text"][i] for i in rows], targets=wording).argmax(1))
for w in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
    row: dict[str, Any] = {}
    for name, (ds, p) in data.items():
        fused = experts.fuse(p, ds["text"], ds["target"], weight=w)
        pred = predict_restricted(fused, labels, set(ds["label"]))
        row[name] = round(100 * classification_scores(ds["label"], pred, "stance")["f_avg"], 1)
        groups = grouped_scores(ds["label"], pred, ds["group"], "stance")
        row[name + "/groups"] = {g: round(100 * v["f_avg"], 1) for g, v in groups.items()}
        row[name + "/ece"] = round(100 * expected_calibration_error(fused, [labels.index(y) for y in ds["label"]]), 1)
        if name == "pstance":
            row["pstance/mean"] = round(float(np.mean(list(row[name + "/groups"].values()))), 1)
    original = experts.fuse(sem_p, sem["text"], sem["target"], weight=w).argmax(1)
    row["changed_vs_network"] = round(100 * float((original != sem_p.argmax(1)).mean()), 1)
    flips = pairs = 0
    for rows, lab in para.values():
        flips += int((lab != original[rows]).sum())
        pairs += len(rows)
    row["robustness"] = round(100 * flips / pairs, 1)
    out[w] = row
    print(w, {k: v for k, v in row.items() if "groups" not in k}, row["semeval2016/groups"], flush=True)
Path(folder, "tradeoff.json").write_text(json.dumps(out, indent=1))
