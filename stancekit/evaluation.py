"""Scoring a classifier on a registered test split, and the model card that reports it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stancekit.metrics import classification_scores, confusion, grouped_scores

if TYPE_CHECKING:
    from stancekit.classifier import Classifier
    from stancekit.training import TrainingConfig


def predict_restricted(proba: np.ndarray, labels: tuple[str, ...], allowed: set[str]) -> list[str]:
    """Argmax over the labels a dataset uses (binary sets such as P-Stance and SST-2 have no none/neutral)."""
    cols = [i for i, name in enumerate(labels) if name in allowed]
    if not cols:
        raise ValueError(f"the dataset's labels {sorted(allowed)} share nothing with the model's {list(labels)}")
    sub = proba[:, cols]
    return [labels[cols[j]] for j in sub.argmax(axis=1)]


def evaluate_classifier(
    clf: Classifier, dataset: str, split: str = "test", *, progress: bool = False, data_dir: str | None = None
) -> dict[str, Any]:
    """Score ``clf`` on one split of a registered corpus.

    Returns:
        ``{"model", "dataset", "split", "n", "metrics": {accuracy, macro_f1, f_avg | macro_recall},
        "groups": {group: metrics}, "labels", "confusion"}``, values in [0, 1].
    """
    from stancekit.data import DATASETS, load_dataset

    info = DATASETS.get(dataset)
    if info is None:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(sorted(DATASETS))}")
    if info.task != clf.task:
        raise ValueError(f"dataset {dataset!r} is a {info.task} corpus but the model is a {clf.task} model")
    ds = load_dataset(dataset, split, data_dir=data_dir)
    targets = ds["target"] if clf.spec.is_pair else None
    proba = clf.predict_proba(ds["text"], targets=targets, progress=progress)
    gold = ds["label"]
    pred = predict_restricted(proba, clf.labels, set(gold))
    return {
        "model": str(getattr(clf, "name", "") or clf.spec.task),
        "dataset": dataset,
        "split": split,
        "n": len(gold),
        "metrics": classification_scores(gold, pred, clf.task),
        "groups": grouped_scores(gold, pred, ds["group"], clf.task),
        "labels": list(clf.labels),
        "confusion": confusion(gold, pred, clf.labels),
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}"


def write_model_card(folder: Path, config: TrainingConfig, metrics: dict[str, Any], command: str) -> None:
    """README.md in the model folder: data, method, validation and test scores, how to reproduce."""
    key = "f_avg" if config.task == "stance" else "macro_recall"
    lines = [
        "---",
        "library_name: stancekit",
        "pipeline_tag: text-classification",
        "---",
        f"# {folder.name}",
        "",
        f"A {config.task} classifier fine-tuned from the `{config.backbone}` backbone by stancekit.",
        (
            "Input: a (target, text) pair; output: favor / against / none toward the target."
            if config.task == "stance"
            else "Input: a text; output: negative / neutral / positive."
        ),
        "",
        "## Data",
        "",
        "| role | source | rows | oversampling |",
        "|---|---|---|---|",
    ]
    for spec in config.train:
        lines.append(f"| train | `{spec.label}` | {spec.max_rows or 'all'} | x{spec.repeat:g} |")
    for spec in config.validation:
        lines.append(f"| validation (model selection) | `{spec.label}` | {spec.max_rows or 'all'} | |")
    lines += [
        "",
        "Validation data never come from a test split: see `stancekit/data/_corpora.py` for how each corpus's",
        "validation split is made (official where one exists; otherwise a fixed hash-based 10% of train, by topic",
        "for VAST so that validation topics are unseen).",
        "",
        "## Training",
        "",
        f"- method: {config.method} fine-tuning"
        + (" (embeddings frozen)" if config.freeze_embeddings else "")
        + f", {config.epochs:g} epochs, lr {config.learning_rate:g}, batch {config.batch_size}, "
        f"max_length {config.max_length}, seed {config.seed}",
        f"- precision: {metrics.get('precision')}; {metrics.get('train_rows')} training rows per run",
        f"- selection: {metrics.get('selection_metric')}, best at step {metrics.get('best_step')}",
        f"- wall time: {metrics.get('train_seconds')} s on {metrics.get('hardware')} (training + test evaluation)",
        "- weights: only the tensors training changed over the backbone, float16, in `delta.safetensors`",
        "",
        "## Validation scores (model selection)",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for name, value in sorted(metrics.get("validation", {}).items()):
        if isinstance(value, float) and "/" in name:
            lines.append(f"| {name} | {_pct(value)} |")
    lines += [
        "",
        "## Test scores",
        "",
        "Percentages. Binary test sets (P-Stance, SST-2) are scored by arg-max over their two labels.",
        "",
    ]
    lines += [f"| test split | n | accuracy | macro-F1 | {key} |", "|---|---|---|---|---|"]
    for label, res in metrics.get("test", {}).items():
        m = res["metrics"]
        lines.append(f"| `{label}` | {res['n']} | {_pct(m['accuracy'])} | {_pct(m['macro_f1'])} | {_pct(m.get(key))} |")
        for group, gm in res.get("groups", {}).items():
            if len(res["groups"]) > 1:
                lines.append(
                    f"| &nbsp;&nbsp;{group} | {gm['n']} | {_pct(gm['accuracy'])} | {_pct(gm['macro_f1'])} | "
                    f"{_pct(gm.get(key))} |"
                )
    lines += [
        "",
        "## Reproduce",
        "",
        "```bash",
        f"STANCEKIT_DATA=../shared/data {command}",
        "```",
        "",
        "The full numbers, with per-step validation history and confusion matrices, are in `metrics.json`.",
        "",
    ]
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")
