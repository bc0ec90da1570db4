"""Scoring a classifier on a registered test split, and the model card that reports it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stancekit.calibration import expected_calibration_error
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
    from sklearn.metrics import accuracy_score, average_precision_score, confusion_matrix, f1_score

    from stancekit.data import data_root
    from stancekit.data._corpora import _DIRECTED_STANCE, DIRECTED_LABELS, read_directed_news

    if not clf.spec.is_pair:
        raise ValueError("the directed-news corpus needs a stance model")
    sentences = read_directed_news(data_root(data_dir), split)
    texts = [s for s, _, _, _ in sentences for _ in range(2)]
    holders = [h for _, e1, e2, _ in sentences for h in (e1, e2)]
    targets = [t for _, e1, e2, _ in sentences for t in (e2, e1)]
    gold = [y for *_, label in sentences for y in _DIRECTED_STANCE[label]]
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
    five_gold = np.array([int(label) for *_, label in sentences])
    five_scores = directed_scores(aware[0::2], aware[1::2], clf.labels)
    five_pred = five_scores.argmax(axis=1)
    # The corpus authors' metrics.py reports micro-F1 (= accuracy), macro-F1 and the mean average precision
    # over the five classes; the same here.
    present = [k for k in range(5) if (five_gold == k).any()]
    mean_ap = float(np.mean([average_precision_score(five_gold == k, five_scores[:, k]) for k in present]))
    out |= {
        "metrics": classification_scores(gold, pred, "stance"),
        "groups": grouped_scores(gold, pred, groups, "stance"),
        "confusion": confusion(gold, pred, clf.labels),
        "ece": expected_calibration_error(aware, gold_idx),
        "five_class": {
            "labels": [DIRECTED_LABELS[str(i)] for i in range(5)],
            "accuracy": float(accuracy_score(five_gold, five_pred)),
            "macro_f1": float(f1_score(five_gold, five_pred, labels=list(range(5)), average="macro", zero_division=0)),
            "mean_average_precision": mean_ap,
            "confusion": confusion_matrix(five_gold, five_pred, labels=list(range(5))).tolist(),
        },
    }
    return out


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}"


def _distillation_lines(distill: dict[str, Any] | None) -> list[str]:
    if not distill:
        return []
    return [
        f"- distillation (weight {distill['weight']:g}, temperature {distill['temperature']:g}): `{source}` with soft "
        f"targets from `{info['teacher']}` (its top label agrees with gold on {_pct(info['teacher_agrees_with_gold'])}"
        " of these training rows)"
        for source, info in distill["sources"].items()
    ]


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
        f"A {config.task} classifier fine-tuned from the `{config.backbone}` backbone by stancekit"
        + (f", starting from the `{config.init_from}` model." if config.init_from else "."),
        (
            "Input: a (holder [SEP] target, text) pair, or (target, text) without a holder; output: favor / "
            "against / none of the holder (or, without one, of the text) toward the target."
            if config.task == "stance" and config.uses_holder
            else "Input: a (target, text) pair; output: favor / against / none toward the target."
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
        per_label = "".join(f", {y} x{f:g}" for y, f in sorted((spec.label_repeat or {}).items()))
        lines.append(f"| train | `{spec.label}` | {spec.max_rows or 'all'} | x{spec.repeat:g}{per_label} |")
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
        *_distillation_lines(metrics.get("distillation")),
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
    experts = metrics.get("ngram_experts")
    if experts:
        lines += [
            "",
            "## N-gram experts",
            "",
            f"Per-target TF-IDF + linear SVM experts (`stancekit/ngram.py`) for {', '.join(experts['targets'])}, "
            f"fused with the network as softmax(log p + w * SVM score); w = {experts['weight']:g}, chosen on the "
            "validation sources (mean F_avg), never on a test split. Other targets get the network alone; "
            "`stancekit.load(..., experts=False)` turns them off. Their own temperature, fitted on the covered "
            f"validation rows ({experts.get('n_calibration')}): {experts.get('temperature', 1.0):g} (ECE "
            f"{_pct(experts.get('ece_before'))} -> {_pct(experts.get('ece_after'))}). Validation F_avg by weight:",
            "",
            "| source | " + " | ".join(f"w={w:g}" for w in experts["grid"]) + " |",
            "|---|" + "---|" * len(experts["grid"]),
        ]
        for source, values in [*experts["validation"].items(), ("mean (selection)", experts["selection"])]:
            lines.append(f"| {source} | " + " | ".join(_pct(v) for v in values) + " |")
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
    for label, res in metrics.get("test", {}).items():
        if "holder_blind" not in res:
            continue
        blind, five = res["holder_blind"]["metrics"], res.get("five_class")
        lines += [
            "",
            f"### `{label}`: what the holder is worth",
            "",
            f"{res['sentences']} sentences, each asked in both directions ({res['n']} rows). Holder-aware: the "
            "holder is given; holder-blind: the same rows scored by this model with the target only.",
            "",
            "| scoring | accuracy | macro-F1 | F_avg |",
            "|---|---|---|---|",
            f"| holder-aware (3 classes) | {_pct(res['metrics']['accuracy'])} | {_pct(res['metrics']['macro_f1'])} | "
            f"{_pct(res['metrics']['f_avg'])} |",
            f"| holder-blind (3 classes) | {_pct(blind['accuracy'])} | {_pct(blind['macro_f1'])} | "
            f"{_pct(blind['f_avg'])} |",
        ]
        if five:
            lines.append(
                f"| the corpus's 5 classes (decoded from both directions) | {_pct(five['accuracy'])} | "
                f"{_pct(five['macro_f1'])} | — (mAP {_pct(five.get('mean_average_precision'))}) |"
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
