"""Does refitting on VAST's validation rows help rows whose topic they share? A proxy, on validation only.

Our VAST validation split holds out whole topics (10% by a hash), so its topics are never trained on. VAST's test
few-shot half is topics *seen* in training; 171 of its rows have topics that only our validation split holds.
Refitting on train+validation would turn those 171 rows from zero-shot into few-shot ones. To measure that before
choosing, the validation rows are cut in two by a hash of the row (text + topic):

- A: about half the rows of each validation topic, trained on by the proxy run (``proxy.yaml``),
- B: the rest, scored; a B row is "seen" when its topic has A rows (what the proxy run learnt from), else "unseen".

    python experiments/vast-refit-proxy/proxy.py make /tmp/stancekit-vast-proxy   # vast-val-a.csv, vast-val-b.csv
    python experiments/vast-refit-proxy/proxy.py score /tmp/stancekit-vast-proxy MODEL [MODEL ...]

Scores are the networks alone in float32 (no experts, no temperature): macro-F1 over favor / against / none, on all
B rows and on the seen / unseen parts. No test split is read.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.metrics import f1_score

import stancekit
from stancekit.data import load_dataset


def _half(text: str, topic: str) -> str:
    digest = hashlib.sha1(f"{topic}\x00{text}".encode()).hexdigest()
    return "a" if int(digest[:8], 16) / 0x100000000 < 0.5 else "b"


def make(folder: Path) -> None:
    val = load_dataset("vast", "validation").to_pandas()
    val["half"] = [_half(t, g) for t, g in zip(val["text"], val["target"])]
    folder.mkdir(parents=True, exist_ok=True)
    for half in ("a", "b"):
        part = val[val["half"] == half][["text", "target", "label"]]
        part.to_csv(folder / f"vast-val-{half}.csv", index=False)
        print(f"{folder / f'vast-val-{half}.csv'}: {len(part)} rows, {part['target'].nunique()} topics")


def score(folder: Path, models: list[str]) -> None:
    a = pd.read_csv(folder / "vast-val-a.csv", keep_default_na=False)
    b = pd.read_csv(folder / "vast-val-b.csv", keep_default_na=False)
    seen = b["target"].isin(set(a["target"])).to_numpy()
    out: dict[str, Any] = {"rows": {"b": len(b), "seen": int(seen.sum()), "unseen": int((~seen).sum())}, "macro_f1": {}}
    for name in models:
        clf = stancekit.load(name, device="cpu", dtype="float32")
        proba = clf.network_proba(list(b["text"]), list(b["target"]))
        pred = [clf.labels[i] for i in proba.argmax(axis=1)]
        gold = list(b["label"])
        labels = ["against", "favor", "none"]
        row = {
            "all": f1_score(gold, pred, labels=labels, average="macro"),
            "seen": f1_score(
                [g for g, s in zip(gold, seen) if s],
                [p for p, s in zip(pred, seen) if s],
                labels=labels,
                average="macro",
            ),
            "unseen": f1_score(
                [g for g, s in zip(gold, seen) if not s],
                [p for p, s in zip(pred, seen) if not s],
                labels=labels,
                average="macro",
            ),
        }
        out["macro_f1"][name] = row
        print(f"{name}: all {100 * row['all']:.1f}  seen {100 * row['seen']:.1f}  unseen {100 * row['unseen']:.1f}")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    command, folder, *rest = sys.argv[1:]
    if command == "make":
        make(Path(folder))
    else:
        score(Path(folder), rest)
