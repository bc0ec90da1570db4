"""Model cards: the README.md of a model folder, from one writer.

As sentence-transformers does it (``model_card.py`` + ``model_card_template.md``): a :class:`CardData` holds what
the card says, :func:`render_card` turns it into Markdown (the YAML metadata header a Hugging Face hub reads, from
``huggingface_hub.ModelCardData``, then the body from the Jinja template
``stancekit/templates/model_card.md.j2``), and :func:`write_card` writes it. :func:`card_data_from_training`
fills a :class:`CardData` from a training run (its :class:`TrainingConfig` and ``metrics.json``), which is what
the trainer (:func:`write_model_card`) and ``benchmarks/accuracy.py`` call. Nothing here reaches the network.
"""

from __future__ import annotations

import importlib.resources
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stancekit.core.deps import require
from stancekit.data import DATASETS
from stancekit.fitting.config import TrainingConfig
from stancekit.model.backbones import BACKBONES

#: Hugging Face hub id of each registered backbone (the card's ``base_model``).
BASE_MODELS = {name: bb.hub_id for name, bb in BACKBONES.items() if bb.hub_id}

TEMPLATE = "model_card.md.j2"

#: stancekit metric key -> (hub metric id, display name) in the ``model-index``.
_HUB_METRICS = {
    "accuracy": ("accuracy", "Accuracy"),
    "macro_f1": ("f1", "Macro-F1"),
    "f_avg": ("f_avg", "F_avg (mean F1 of favor and against)"),
    "macro_recall": ("recall", "Macro recall"),
}
_TASK_NAMES = {"stance": "Stance detection", "sentiment": "Sentiment analysis"}
_TASK_TAGS = {"stance": "stance-detection", "sentiment": "sentiment-analysis"}


@dataclass
class CardData:
    """What a model card says; :func:`render_card` writes it. Scores are in [0, 1]; the card shows percent."""

    name: str  # the model folder's name
    summary: str  # one paragraph: what the model does, its input and its output
    task: str  # "stance" or "sentiment"
    backbone: str  # registered backbone name ("minilm-l6") or a folder
    base_model: str | None = None  # Hugging Face hub id of the backbone, where it has one
    data: list[dict[str, Any]] = field(default_factory=list)  # rows: role, source, rows, note
    training: list[str] = field(default_factory=list)  # bullet lines
    validation: list[tuple[str, float]] = field(default_factory=list)  # (metric name, value)
    sections: list[tuple[str, str]] = field(default_factory=list)  # extra (title, Markdown body) sections
    # per test split: label, dataset, split, n, accuracy, macro_f1, headline (metric key), value, groups
    # (a list of {name, n, accuracy, macro_f1, value}, shown when there are two or more)
    test: list[dict[str, Any]] = field(default_factory=list)
    reproduce: list[str] = field(default_factory=list)  # shell commands
    recipe: str | None = None  # path of the recipe, e.g. "recipes/stance-minilm/"
    license: str = "mit"
    datasets: list[str] = field(default_factory=list)  # corpora trained on (hub metadata)
    limitations: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# From a training run
# ---------------------------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}"


def _epochs(n: float) -> str:
    return f"{n:g} epoch" + ("" if n == 1 else "s")


def _uses_holder(folder: Path, config: TrainingConfig) -> bool:
    """The config's ``uses_holder``, or where it is left to the data (None), what the saved spec says."""
    if config.uses_holder is not None:
        return config.uses_holder
    try:
        spec = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8")).get("stancekit", {})
    except (OSError, ValueError):
        return False
    return bool(spec.get("uses_holder", False))


def _summary(config: TrainingConfig, holder: bool) -> str:
    base = BASE_MODELS.get(config.backbone)
    start = f"A {config.task} classifier fine-tuned by stancekit from the `{config.backbone}` backbone"
    start += f" ({base})" if base else ""
    start += f", starting from the `{config.init_from}` model." if config.init_from else "."
    if config.task == "stance" and holder:
        io = (
            "Input: a (holder [SEP] target, text) pair, or (target, text) without a holder; output: favor / "
            "against / none of the holder (or, without one, of the text) toward the target."
        )
    elif config.task == "stance":
        io = "Input: a (target, text) pair; output: favor / against / none toward the target."
    else:
        io = "Input: a text; output: negative / neutral / positive."
    return f"{start} {io}"


def _data_rows(config: TrainingConfig) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for spec in config.train:
        per_label = "".join(f", {y} x{f:g}" for y, f in sorted((spec.label_repeat or {}).items()))
        notes = [f"oversampling x{spec.repeat:g}{per_label}"]
        if spec.exclude_targets:
            notes.append("targets left out: " + ", ".join(spec.exclude_targets))
        if spec.target_aliases:
            notes.append(f"target aliases (rate {spec.alias_rate:g})")
        if spec.absent_holders:
            notes.append(f"absent-holder copies ({spec.absent_holders:g})")
        if spec.teacher:
            notes.append(f"teacher `{spec.teacher}`")
        rows.append({"role": "train", "source": spec.label, "rows": spec.max_rows or "all", "note": "; ".join(notes)})
    for spec in config.validation:
        row = {"role": "validation", "source": spec.label, "rows": spec.max_rows or "all", "note": "model selection"}
        rows.append(row)
    return rows


def _distillation_lines(distill: dict[str, Any] | None) -> list[str]:
    if not distill:
        return []
    return [
        f"distillation (weight {distill['weight']:g}, temperature {distill['temperature']:g}): `{source}` with soft "
        f"targets from `{info['teacher']}` (its top label agrees with gold on {_pct(info['teacher_agrees_with_gold'])}"
        "% of these training rows)"
        for source, info in distill["sources"].items()
    ]


def _training_lines(config: TrainingConfig, metrics: dict[str, Any]) -> list[str]:
    method = "LoRA" if config.method == "lora" else "full"
    lines = [
        f"method: {method} fine-tuning"
        + (f" (r {config.lora_r}, alpha {config.lora_alpha}, merged)" if config.method == "lora" else "")
        + (" (embeddings frozen)" if config.freeze_embeddings else "")
        + f", {_epochs(config.epochs)}, lr {config.learning_rate:g}, batch {config.batch_size}, "
        f"max_length {config.max_length}, seed {config.seed}"
    ]
    if config.mask_absent_labels:
        lines.append("a source without some of the labels is trained over the labels it has only")
    run = []
    if metrics.get("precision"):
        run.append(f"precision: {metrics['precision']}")
    if metrics.get("train_rows") is not None:
        run.append(f"{metrics['train_rows']} training rows per epoch")
    if run:
        lines.append("; ".join(run))
    if metrics.get("selection_metric"):
        best = metrics.get("best_step")
        at = f", best at step {best}" if best is not None else ""
        lines.append(f"selection: {metrics['selection_metric']}{at}")
    lines += _distillation_lines(metrics.get("distillation"))
    if metrics.get("train_seconds") is not None:
        lines.append(
            f"wall time: {metrics['train_seconds']} s"
            + (f" on {metrics['hardware']}" if metrics.get("hardware") else "")
            + " (training + test evaluation)"
        )
    lines.append("weights: only the tensors training changed over the backbone, float16, in `delta.safetensors`")
    return lines


def _validation_rows(metrics: dict[str, Any]) -> list[tuple[str, float]]:
    return [
        (name, float(value))
        for name, value in sorted(metrics.get("validation", {}).items())
        if isinstance(value, float) and "/" in name
    ]


def _experts_section(experts: dict[str, Any] | None) -> tuple[str, str] | None:
    if not experts:
        return None
    lines = [
        f"Per-target TF-IDF + linear SVM experts (`stancekit/model/experts.py`) for {', '.join(experts['targets'])}, "
        f"fused with the network as softmax(log p + w * SVM score); w = {experts['weight']:g}, chosen on the "
        "validation sources (mean F_avg), never on a test split. Other targets get the network alone; "
        "`stancekit.load(..., experts=False)` turns them off. Their own temperature, fitted on the covered "
        f"validation rows ({experts.get('n_calibration')}): {experts.get('temperature', 1.0):g} (ECE "
        f"{_pct(experts.get('ece_before'))}% -> {_pct(experts.get('ece_after'))}%). Validation F_avg by weight:",
        "",
        "| source | " + " | ".join(f"w={w:g}" for w in experts["grid"]) + " |",
        "|---|" + "---|" * len(experts["grid"]),
    ]
    for source, values in [*experts["validation"].items(), ("mean (selection)", experts["selection"])]:
        lines.append(f"| {source} | " + " | ".join(_pct(v) for v in values) + " |")
    return "N-gram experts", "\n".join(lines)


def _holder_sections(tests: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for label, res in tests.items():
        if "holder_blind" not in res:
            continue
        aware, blind, five = res["metrics"], res["holder_blind"]["metrics"], res.get("five_class")
        lines = [
            f"{res.get('sentences')} sentences of `{label}`, each asked in both directions ({res['n']} rows). "
            "Holder-aware: the holder is given; holder-blind: the same rows scored by this model with the target "
            "only. Percentages.",
            "",
            "| scoring | accuracy | macro-F1 | F_avg |",
            "|---|---|---|---|",
            f"| holder-aware (3 classes) | {_pct(aware['accuracy'])} | {_pct(aware['macro_f1'])} | "
            f"{_pct(aware.get('f_avg'))} |",
            f"| holder-blind (3 classes) | {_pct(blind['accuracy'])} | {_pct(blind['macro_f1'])} | "
            f"{_pct(blind.get('f_avg'))} |",
        ]
        if five:
            lines.append(
                f"| the corpus's 5 classes (decoded from both directions) | {_pct(five['accuracy'])} | "
                f"{_pct(five['macro_f1'])} | — (mAP {_pct(five.get('mean_average_precision'))}) |"
            )
        out.append((f"`{label}`: what the holder is worth", "\n".join(lines)))
    return out


def _headline(dataset: str, task: str) -> str:
    info = DATASETS.get(dataset)
    return info.headline if info is not None else ("f_avg" if task == "stance" else "macro_recall")


def _test_rows(tests: dict[str, Any], task: str) -> list[dict[str, Any]]:
    rows = []
    for label, res in tests.items():
        dataset = str(res.get("dataset") or label.partition(":")[0])
        split = str(res.get("split") or label.partition(":")[2] or "test")
        key = _headline(dataset, task)
        m = res["metrics"]
        groups = [
            {"name": g, "n": gm["n"], "accuracy": gm["accuracy"], "macro_f1": gm["macro_f1"], "value": gm.get(key)}
            for g, gm in res.get("groups", {}).items()
        ]
        rows.append(
            {
                "label": label,
                "dataset": dataset,
                "split": split,
                "n": res["n"],
                "accuracy": m["accuracy"],
                "macro_f1": m["macro_f1"],
                "headline": key,
                "value": m.get(key),
                "groups": groups if len(groups) > 1 else [],
            }
        )
    return rows


def _recipe(command: str) -> str | None:
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words[2] if len(words) == 3 and words[:2] == ["stancekit", "train"] else None


def _limitations(config: TrainingConfig, holder: bool, tested: bool) -> list[str]:
    out = [
        "English only. Scores hold for the test splits above; text from other domains, or targets worded "
        "differently from the training data, may score lower.",
    ]
    if config.task == "stance" and not holder:
        out.append("The stance is that of the text as a whole toward the target, not of a particular person it quotes.")
    if not tested:
        out.append("No test split was scored: the validation scores chose the model and overstate held-out accuracy.")
    return out


def card_data_from_training(folder: Path, config: TrainingConfig, metrics: dict[str, Any], command: str) -> CardData:
    """The card of a model folder written by a training run: its config, its ``metrics.json`` (validation, the
    test splits scored after selection, distillation and n-gram experts where present) and the command that
    reproduces it."""
    tests = metrics.get("test") or {}
    holder = _uses_holder(folder, config)
    sections = [s for s in [_experts_section(metrics.get("ngram_experts"))] if s is not None]
    sections += _holder_sections(tests)
    return CardData(
        name=Path(folder).name,
        summary=_summary(config, holder),
        task=config.task,
        backbone=config.backbone,
        base_model=BASE_MODELS.get(config.backbone),
        data=_data_rows(config),
        training=_training_lines(config, metrics),
        validation=_validation_rows(metrics),
        sections=sections,
        test=_test_rows(tests, config.task),
        reproduce=[f"STANCEKIT_DATA=../shared/data {command}"],
        recipe=_recipe(command),
        datasets=list(dict.fromkeys(str(s.name) for s in config.train if s.name is not None)),
        limitations=_limitations(config, holder, bool(tests)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------


def _eval_results(data: CardData) -> list[Any]:
    from huggingface_hub import EvalResult

    results = []
    for row in data.test:
        keys = list(dict.fromkeys(["accuracy", "macro_f1", row["headline"]]))
        for key in keys:
            value = row["value"] if key == row["headline"] else row.get(key)
            if value is None:
                continue
            metric_type, metric_name = _HUB_METRICS.get(key, (key, key))
            results.append(
                EvalResult(
                    task_type="text-classification",
                    task_name=_TASK_NAMES.get(data.task, data.task),
                    dataset_type=row["dataset"],
                    dataset_name=row["dataset"],
                    dataset_split=row["split"],
                    metric_type=metric_type,
                    metric_name=metric_name,
                    metric_value=round(100 * float(value), 2),
                )
            )
    return results


def card_metadata(data: CardData) -> Any:
    """The YAML header of the card as a ``huggingface_hub.ModelCardData`` (``model-index`` from ``data.test``,
    values in percent)."""
    from huggingface_hub import ModelCardData

    results = _eval_results(data)
    headlines = [row["headline"] for row in data.test]
    metrics = list(dict.fromkeys(_HUB_METRICS.get(k, (k, k))[0] for k in ["accuracy", "macro_f1", *headlines]))
    return ModelCardData(
        language="en",
        license=data.license,
        library_name="stancekit",
        pipeline_tag="text-classification",
        tags=["stancekit", "text-classification", _TASK_TAGS.get(data.task, data.task)],
        base_model=data.base_model,
        datasets=data.datasets or None,
        metrics=metrics if data.test else None,
        eval_results=results or None,
        model_name=data.name if results else None,
    )


def _template() -> Any:
    jinja2 = require("jinja2", "train", purpose="the model card")

    source = importlib.resources.files("stancekit").joinpath("templates", TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters["pct"] = _pct
    return env.from_string(source)


def render_card(data: CardData) -> str:
    """The card as Markdown: ``---``-fenced YAML metadata, then the template's body."""
    header = card_metadata(data).to_yaml()
    body = _template().render(card=data)
    return f"---\n{header}\n---\n{body}"


def write_card(folder: Path, data: CardData) -> Path:
    """Write ``README.md`` in ``folder``; returns its path."""
    path = Path(folder) / "README.md"
    path.write_text(render_card(data), encoding="utf-8")
    return path


def write_model_card(folder: Path, config: TrainingConfig, metrics: dict[str, Any], command: str) -> None:
    """README.md in the model folder: data, method, validation and test scores, how to reproduce."""
    write_card(folder, card_data_from_training(folder, config, metrics, command))
