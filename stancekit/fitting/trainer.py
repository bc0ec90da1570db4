"""Fine-tuning: :func:`train` over ``transformers.Trainer``, as a sequence of named steps.

Model selection uses the validation data only: the configured metric (mean over the validation corpora of
``f_avg`` for stance, ``macro_recall`` for sentiment) is computed at every evaluation and the best weights are
kept in memory (no checkpoints, hence no pickled optimizer states on disk). Test splits listed under
``evaluate`` are scored once, after selection, for the model card only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import platform
import shlex
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import huggingface_hub.utils as hub_bars
import numpy as np
import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)
from transformers.utils import logging as hf_logging

from stancekit.core.deps import require
from stancekit.core.errors import ConfigError, InputError
from stancekit.core.labels import TASK_LABELS, first_segment
from stancekit.core.metrics import classification_scores
from stancekit.core.text import mark_entities
from stancekit.data.augment import absent_holder_rows, alias_targets, resample
from stancekit.data.sources import DataSpec, load_source
from stancekit.fitting.card import write_model_card
from stancekit.fitting.config import TrainingConfig, trains_in_bf16
from stancekit.fitting.distillation import attach_teachers
from stancekit.fitting.evaluation import evaluate_classifier
from stancekit.fitting.experts import attach_experts
from stancekit.fitting.losses import distillation_loss, masked_cross_entropy
from stancekit.fitting.outputs import check_output_dir
from stancekit.model.backbones import backbone_path
from stancekit.model.classifier import Classifier
from stancekit.model.spec import ModelSpec

logger = logging.getLogger(__name__)
EXTRA_COLUMNS = ("label_mask", "teacher_logp", "has_teacher")
#: Written beside the saved network as soon as training ends (the run's validation record, no test scores yet), so
#: that a run stopped while its test splits were being scored can be finished without training again
#: (:func:`finish_saved`, ``stancekit train RECIPE --finish``); removed once ``metrics.json`` is written.
RUN_RECORD = "run.json"


@dataclass
class Encoder:
    """Tokenizes batches of source rows for training: (first segment, text) pairs for stance, texts otherwise."""

    tokenizer: Any
    labels: tuple[str, ...]
    max_length: int
    pair: bool
    uses_holder: bool
    entity_markers: bool = False

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, Any]:
        if self.pair:
            holders = batch["holder"] if self.uses_holder else [None] * len(batch["target"])
            firsts = [first_segment(t, h) for t, h in zip(batch["target"], holders)]
            texts = batch["text"]
            if self.entity_markers:
                texts = [mark_entities(x, h, t) for x, t, h in zip(texts, batch["target"], holders)]
            enc = self.tokenizer(firsts, texts, truncation=True, max_length=self.max_length)
        else:
            enc = self.tokenizer(batch["text"], truncation=True, max_length=self.max_length)
        enc["labels"] = [self.labels.index(y) for y in batch["label"]]
        for extra in EXTRA_COLUMNS:
            if extra in batch:
                enc[extra] = batch[extra]
        return enc


@dataclass
class ValidationMetrics:
    """``compute_metrics`` of the Trainer: each validation source's scores, and their mean headline ("selection")."""

    config: TrainingConfig
    gold: list[str]
    bounds: np.ndarray  # row offsets of the sources in the concatenated validation set
    metric: str

    def __call__(self, pred: Any) -> dict[str, float]:
        labels = TASK_LABELS[self.config.task]
        logits = np.asarray(pred.predictions)
        out: dict[str, float] = {}
        for spec, lo, hi in zip(self.config.validation, self.bounds[:-1], self.bounds[1:]):
            gold = self.gold[lo:hi]
            allowed = [i for i, y in enumerate(labels) if y in set(gold)]
            masked = np.full_like(logits[lo:hi], -np.inf)
            masked[:, allowed] = logits[lo:hi, allowed]
            guess = [labels[i] for i in masked.argmax(axis=1)]
            for key, value in classification_scores(gold, guess, self.config.task).items():
                out[f"{spec.label}/{key}"] = value
        out["selection"] = float(np.mean([out[f"{s.label}/{self.metric}"] for s in self.config.validation]))
        return out


class KeepBest(TrainerCallback):
    """Keeps the trainable weights of the best validation score in memory, and every evaluation's metrics."""

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.best = -1.0
        self.step = 0
        self.state_dict: dict[str, torch.Tensor] | None = None
        self.history: list[dict[str, Any]] = []

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        metrics: dict[str, float] = kwargs.get("metrics") or {}
        score = metrics.get("eval_selection", -1.0)
        self.history.append({"step": state.global_step, "epoch": state.epoch, **metrics})
        logger.info("step %d: validation %s = %.4f", state.global_step, self.metric, score)
        model = kwargs.get("model")
        if score > self.best and model is not None:
            self.best, self.step = score, state.global_step
            self.state_dict = {k: v.detach().clone() for k, v in model.state_dict().items() if "embeddings" not in k}

    def best_metrics(self) -> dict[str, Any]:
        return next((h for h in self.history if h["step"] == self.step), {})


class StancekitTrainer(Trainer):
    """``Trainer`` with per-row label masks and distillation in the loss, and evaluation in dataset order."""

    def __init__(self, *args: Any, distill_weight: float = 0.5, distill_temperature: float = 2.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.distill_weight, self.distill_temperature = distill_weight, distill_temperature

    # Length-grouped sampling speeds up training; evaluation must keep the dataset order, because the per-corpus
    # validation scores slice the predictions by position.
    def _get_eval_sampler(self, eval_dataset: Any) -> torch.utils.data.Sampler:
        return torch.utils.data.SequentialSampler(eval_dataset)

    def compute_loss(
        self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None
    ) -> Any:
        mask = inputs.pop("label_mask", None)
        teacher_logp = inputs.pop("teacher_logp", None)
        has_teacher = inputs.pop("has_teacher", None)
        if mask is None and teacher_logp is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        gold = inputs.pop("labels")
        outputs = model(**inputs)
        loss_rows = masked_cross_entropy(outputs.logits, gold, mask, reduction="none")
        if teacher_logp is not None and has_teacher is not None:
            soft = distillation_loss(outputs.logits, teacher_logp, self.distill_temperature, mask)
            w = self.distill_weight * has_teacher.float()
            loss_rows = (1 - w) * loss_rows + w * soft
        loss = loss_rows.mean()
        return (loss, outputs) if return_outputs else loss


# ---------------------------------------------------------------------------------------------------------- steps
def load_train_sources(config: TrainingConfig) -> list[Any]:
    """Every training source, loaded (and refused if it has no rows), resampled, reworded and masked as
    configured; cheap next to what follows, so a bad source stops the run before any model is loaded."""
    return [_train_part(config, i, spec) for i, spec in enumerate(config.train)]


def build_train_set(config: TrainingConfig, parts: list[Any], *, progress: bool) -> tuple[Any, dict[str, Any]]:
    """The training sources (:func:`load_train_sources`) with their teachers' soft targets, concatenated and
    shuffled; and the distillation summary (empty without teachers)."""
    distill = attach_teachers(config, parts, progress=progress)
    return datasets.concatenate_datasets(parts).shuffle(seed=config.seed), distill


def _train_part(config: TrainingConfig, i: int, spec: Any) -> Any:
    labels = TASK_LABELS[config.task]
    ds = load_rows(spec, config.task, "train")
    logger.info("train source %s: %d rows (repeat %.2f)", spec.label, ds.num_rows, spec.repeat)
    ds = resample(ds, spec.repeat, config.seed + i, spec.label_repeat)
    if ds.num_rows == 0:
        raise ConfigError(f"train source {spec.label}: no rows left after repeat {spec.repeat:g} / label_repeat")
    if spec.target_aliases:  # after resampling, so that repeated rows can get different wordings
        ds = alias_targets(ds, spec.target_aliases, spec.alias_rate, config.seed + 1000 + i)
    if spec.absent_holders:
        extra = absent_holder_rows(ds, spec.absent_holders, config.seed + 2000 + i)
        logger.info("train source %s: %d absent-holder rows labelled none", spec.label, extra.num_rows)
        ds = datasets.concatenate_datasets([ds, extra.cast(ds.features)])
    if config.mask_absent_labels:
        present = set(ds["label"])
        mask = [int(y in present) for y in labels]
        if not all(mask):
            logger.info("train source %s: trained over %s only", spec.label, [y for y in labels if y in present])
        ds = ds.add_column("label_mask", [mask] * ds.num_rows)
    return ds


def holder_aware(config: TrainingConfig, train_ds: Any) -> bool:
    """Whether the model reads holders: as configured, else whenever a training row has one."""
    pair = config.task == "stance"
    has_holders = pair and any(h is not None for h in train_ds["holder"])
    uses_holder = has_holders if config.uses_holder is None else config.uses_holder
    if uses_holder and not pair:
        raise ConfigError("holders are for stance models")
    if uses_holder and not has_holders:
        raise ConfigError("uses_holder is true but no training row has a holder")
    logger.info("holder-aware inputs: %s", uses_holder)
    return uses_holder


def build_model(config: TrainingConfig) -> tuple[Any, Any]:
    """The backbone with a fresh classification head (or the ``init_from`` model's weights), and its tokenizer."""
    labels = TASK_LABELS[config.task]
    bb_path = backbone_path(config.backbone)
    tokenizer = AutoTokenizer.from_pretrained(bb_path, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        bb_path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
        local_files_only=True,
    )
    if config.init_from:
        start = Classifier.from_pretrained(config.init_from, device="cpu", dtype="float32")
        if start.task != config.task or tuple(start.labels) != tuple(labels):
            raise ConfigError(f"init_from {config.init_from!r} is a {start.task} model with labels {start.labels}")
        model.load_state_dict(start.model.state_dict(), strict=True)
    if config.freeze_embeddings:
        for p in model.base_model.embeddings.parameters():
            p.requires_grad = False
    if config.method == "lora":
        model = _with_lora(model, config)
    return model, tokenizer


def _with_lora(model: Any, config: TrainingConfig) -> Any:
    peft = require("peft", "train", purpose="method: lora")  # optional: only LoRA runs need peft

    # The encoder's linear layers: BERT names them query/key/value/dense; MPNet q/k/v/o and dense, and its
    # classification head has a "dense" too, which is trained in full (modules_to_save), not adapted.
    mpnet = model.config.model_type == "mpnet"
    lora = peft.LoraConfig(
        task_type="SEQ_CLS",
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=(
            r".*encoder\.layer\.\d+\.(attention\.attn\.(q|k|v|o)|intermediate\.dense|output\.dense)"
            if mpnet
            else ["query", "key", "value", "dense"]
        ),
        modules_to_save=["classifier"] if mpnet else ["classifier", "pooler"],
    )
    return peft.get_peft_model(model, lora)


def build_arguments(config: TrainingConfig, train_rows: int, *, keep_columns: bool, progress: bool) -> Any:
    """``TrainingArguments`` for the run: evaluations per epoch, bf16 where native, no checkpoints."""
    steps_per_epoch = math.ceil(train_rows / config.batch_size)
    eval_steps = max(1, steps_per_epoch // max(1, config.evals_per_epoch))
    return TrainingArguments(
        output_dir=str(Path(config.output_dir) / ".trainer-tmp"),
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=128,
        weight_decay=config.weight_decay,
        warmup_steps=int(config.warmup_ratio * steps_per_epoch * config.epochs),
        eval_strategy="steps",
        eval_steps=eval_steps,
        save_strategy="no",
        logging_steps=max(1, eval_steps // 4),
        report_to=[],
        seed=config.seed,
        data_seed=config.seed,
        bf16=trains_in_bf16(config.precision),
        train_sampling_strategy="group_by_length",
        remove_unused_columns=not keep_columns,  # keep label_mask, teacher_logp
        dataloader_num_workers=0,
        disable_tqdm=not progress,
        use_cpu=not torch.cuda.is_available(),
    )


def build_validation_set(config: TrainingConfig) -> tuple[Any, np.ndarray]:
    """The validation sources concatenated, and the row offsets where each starts (and the last ends)."""
    parts = [load_rows(spec, config.task, "validation") for spec in config.validation]
    return datasets.concatenate_datasets(parts), np.cumsum([0, *[p.num_rows for p in parts]])


def load_rows(spec: DataSpec, task: str, role: str) -> Any:
    """The rows of one source (:func:`~stancekit.data.sources.load_source`).

    Raises:
        InputError: a file of the source is empty, or has a header and no rows.
        ConfigError: no rows are left after ``exclude_targets`` or ``max_rows``.
    """
    path = Path(spec.path) if spec.path is not None else None
    if path is not None and path.is_file() and _blank(path):
        raise InputError(f"{role} source {path}: the file is empty (no header, no rows)")
    ds = load_source(spec, task)
    if ds.num_rows > 0:
        return ds
    if spec.max_rows is not None and spec.max_rows < 1:
        raise ConfigError(f"{role} source {spec.label}: max_rows is {spec.max_rows}, so no rows are left")
    if spec.exclude_targets:  # load_source checked that these targets exist: the source had rows
        raise ConfigError(f"{role} source {spec.label}: no rows left after exclude_targets {spec.exclude_targets}")
    raise InputError(f"{role} source {spec.label}: {'the file' if path else 'the corpus split'} has no rows")


def _blank(path: Path) -> bool:
    """Zero bytes, or only whitespace (a small file: a real table holds at least a header)."""
    size = path.stat().st_size
    return size == 0 or (size <= 4096 and not path.read_bytes().strip())


def fit(
    config: TrainingConfig, model: Any, tokenizer: Any, sets: tuple[Any, Any, Any], args: Any, keep: KeepBest
) -> Any:
    """Train, then load the best validation weights back; returns the float32 network on the CPU."""
    train_tok, val_tok, bounds = sets
    gold = [TASK_LABELS[config.task][i] for i in val_tok["labels"]]
    trainer = StancekitTrainer(
        model=model,
        args=args,
        train_dataset=train_tok,
        eval_dataset=val_tok,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=ValidationMetrics(config, gold, bounds, keep.metric),
        callbacks=[keep],
        distill_weight=config.distill_weight,
        distill_temperature=config.distill_temperature,
    )
    if args.disable_tqdm:  # without progress bars the Trainer prints every log dict instead: quiet means quiet
        trainer.remove_callback(PrinterCallback)
    trainer.train()
    trained: Any = trainer.model
    if keep.state_dict is not None:
        trained.load_state_dict(keep.state_dict, strict=False)
    if config.method == "lora":
        trained = trained.merge_and_unload()
    return trained.float().cpu()


def save_model(config: TrainingConfig, network: Any, tokenizer: Any, uses_holder: bool) -> Path:
    """Write the model folder (weights delta, tokenizer, spec) and the recipe beside it."""
    spec = ModelSpec(
        task=config.task,
        labels=TASK_LABELS[config.task],
        backbone=config.backbone if not Path(config.backbone).exists() else None,
        max_length=config.inference_max_length,
        uses_holder=uses_holder,
        entity_markers=config.entity_markers,
    )
    out = Path(config.output_dir)
    # A LoRA run changes each adapted matrix by a rank-r product: stored as its two factors (a few MB for mpnet).
    clf = Classifier(network, tokenizer, spec, device="cpu", dtype="float32")
    clf.save_pretrained(out, low_rank=config.method == "lora")
    shutil.rmtree(out / ".trainer-tmp", ignore_errors=True)
    config.to_yaml(out / "training_config.yaml")
    return out


def finish(config: TrainingConfig, out: Path, metrics: dict[str, Any], *, progress: bool) -> None:
    """Fit the n-gram experts (if configured), score the test splits once, write metrics.json."""
    loaded = Classifier.from_pretrained(out, device="auto")
    if config.ngram_experts is not None:
        opts = config.ngram_experts
        metrics["ngram_experts"] = attach_experts(
            loaded, config, min_rows=int(opts.get("min_rows", 200)), max_features=int(opts.get("max_features", 10_000)),
            progress=progress,
        )  # fmt: skip
        assert loaded.experts is not None
        loaded.experts.save(out)
        logger.info("n-gram experts for %s, weight %g", loaded.experts.targets, loaded.experts.weight)
    for spec in config.evaluate:
        if spec.name is not None:
            logger.info("test split %s", spec.label)
            metrics["test"][spec.label] = evaluate_classifier(loaded, spec.name, spec.split, progress=progress)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / RUN_RECORD).unlink(missing_ok=True)


def reproduce_command(config_path: str | None) -> str:
    return f"stancekit train {shlex.quote(config_path)}" if config_path else "stancekit.train(config)"


def _run_metrics(config: TrainingConfig, keep: KeepBest, train_rows: int, seconds: float, distill: Any) -> Any:
    best = keep.best_metrics()
    return {
        "selection_metric": f"mean validation {keep.metric}",
        "best_step": keep.step,
        "validation": {k.removeprefix("eval_"): v for k, v in best.items() if k.startswith("eval_")},
        "history": keep.history,
        "train_rows": train_rows,
        "train_seconds": round(seconds, 1),
        "hardware": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
        "precision": "bfloat16 autocast" if trains_in_bf16(config.precision) else "float32",
        **({"distillation": distill} if distill else {}),
        "test": {},
    }


def train(config: TrainingConfig | str | os.PathLike[str], *, progress: bool = True, force: bool = False) -> Path:
    """Fine-tune a backbone and write a model folder.

    The recipe, the output folder and every data source are checked before any model is loaded.

    Args:
        config: a :class:`TrainingConfig` or the path of its YAML file.
        progress: show progress bars.
        force: write into an ``output_dir`` that already holds files (an earlier run's are replaced, other files
            are kept); without it such a folder is refused.

    Returns:
        The model folder (``config.output_dir``): ``config.json`` with id2label and a stancekit block, the
        weights delta (safetensors), tokenizer files, ``metrics.json``, ``training_config.yaml`` and a
        ``README.md`` model card.

    Raises:
        ConfigError: an invalid recipe, or an ``output_dir`` that cannot be written. OutputExistsError: a
            non-empty ``output_dir`` without ``force``. InputError: a data file without rows or needed columns.
    """
    config_path = None if isinstance(config, TrainingConfig) else str(config)
    if not isinstance(config, TrainingConfig):
        config = TrainingConfig.from_yaml(config)
    require_training_extras(config)
    check_output_dir(config.output_dir, force=force)  # before any work: not a failure after the whole run
    with quiet_libraries(not progress):
        return _train(config, config_path, progress=progress)


def finish_saved(config: TrainingConfig | str | os.PathLike[str], *, progress: bool = True) -> Path:
    """Finish a run whose network was saved but whose test splits and card were not written (the process was
    stopped after training): score the ``evaluate:`` splits once, write ``metrics.json`` and the card. Nothing is
    trained.

    The output folder must hold the saved network, its ``training_config.yaml`` and the run record
    (:data:`RUN_RECORD`); the saved config must be the recipe's, so that the card describes the run that made the
    weights.

    Raises:
        ConfigError: no such saved run in ``output_dir``, a run already finished (``metrics.json``), or a saved
            config that differs from the recipe (the options that differ are named).
    """
    config_path = None if isinstance(config, TrainingConfig) else str(config)
    if not isinstance(config, TrainingConfig):
        config = TrainingConfig.from_yaml(config)
    out = Path(config.output_dir)
    record = out / RUN_RECORD
    if (out / "metrics.json").is_file():
        raise ConfigError(f"{out}: this run is finished already (metrics.json exists)")
    missing = [p.name for p in (out / "config.json", out / "training_config.yaml", record) if not p.is_file()]
    if missing:
        raise ConfigError(
            f"{out}: no saved run to finish (missing {', '.join(missing)}); --finish completes a run whose network "
            "was saved, otherwise train it"
        )
    saved = TrainingConfig.from_yaml(out / "training_config.yaml").to_dict()
    differ = sorted(k for k, v in config.to_dict().items() if saved.get(k) != v)
    if differ:
        raise ConfigError(
            f"{out}/training_config.yaml differs from the recipe in {', '.join(differ)}: "
            "these weights were not made by this recipe"
        )
    try:
        metrics = json.loads(record.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{record}: not JSON ({exc})") from exc
    metrics["test"] = {}
    with quiet_libraries(not progress):
        finish(config, out, metrics, progress=progress)
        write_model_card(out, config, metrics, reproduce_command(config_path))
    logger.info("finished %s", out)
    return out


def require_training_extras(config: TrainingConfig) -> None:
    """Refuse a run whose optional packages (the ``train`` extra) are missing, before any work rather than
    after hours: transformers' Trainer needs accelerate, the model card Jinja2, a LoRA run peft.

    Raises:
        MissingDependencyError: naming ``pip install 'stancekit[train]'``.
    """
    require("accelerate", "train", purpose="training (transformers' Trainer)")
    require("jinja2", "train", purpose="the model card")
    if config.method == "lora":
        require("peft", "train", purpose="method: lora")


@contextlib.contextmanager
def quiet_libraries(quiet: bool = True) -> Iterator[None]:
    """Silence transformers' and datasets' own output while the block runs (``quiet``), then restore it.

    transformers logs a LOAD REPORT (the new classification head's weights) at WARNING and, like datasets, draws
    progress bars of its own; ``progress=False`` means none of them. The levels and switches in force before are
    put back afterwards, so a caller's logging setup is untouched; with ``quiet=False`` nothing changes.
    """
    if not quiet:
        yield
        return
    hf_logger = logging.getLogger("transformers")
    level, hf_bars = hf_logger.level, hf_logging.is_progress_bar_enabled()
    hub_off, ds_off = hub_bars.are_progress_bars_disabled(), datasets.utils.are_progress_bars_disabled()
    hf_logger.setLevel(logging.ERROR)
    if hf_bars:
        hf_logging.disable_progress_bar()  # also the hub's
    if not ds_off:
        datasets.utils.disable_progress_bars()
    try:
        yield
    finally:
        hf_logger.setLevel(level)
        if hf_bars:
            hf_logging.enable_progress_bar()  # re-enables the hub's bars too: put back what they were
            if hub_off:
                hub_bars.disable_progress_bars()
        if not ds_off:
            datasets.utils.enable_progress_bars()


def _train(config: TrainingConfig, config_path: str | None, *, progress: bool) -> Path:
    started = time.time()
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    parts = load_train_sources(config)  # the data first: an empty or malformed source stops the run here
    val_ds, bounds = build_validation_set(config)
    train_ds, distill = build_train_set(config, parts, progress=progress)
    uses_holder = holder_aware(config, train_ds)
    set_seed(config.seed)  # right before the head is initialised (the data steps use their own seeded generators)
    model, tokenizer = build_model(config)
    encode = Encoder(
        tokenizer, TASK_LABELS[config.task], config.max_length, config.task == "stance", uses_holder,
        config.entity_markers,
    )  # fmt: skip
    train_tok = train_ds.map(encode, batched=True, remove_columns=train_ds.column_names, desc="tokenizing train")
    val_tok = val_ds.map(encode, batched=True, remove_columns=val_ds.column_names, desc="tokenizing validation")
    keep = KeepBest("f_avg" if config.task == "stance" else "macro_recall")
    args = build_arguments(config, train_tok.num_rows, keep_columns=config.mask_absent_labels or bool(distill),
                           progress=progress)  # fmt: skip
    network = fit(config, model, tokenizer, (train_tok, val_tok, bounds), args, keep)
    out = save_model(config, network, tokenizer, uses_holder)
    metrics = _run_metrics(config, keep, train_tok.num_rows, time.time() - started, distill)
    (out / RUN_RECORD).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    finish(config, out, metrics, progress=progress)
    write_model_card(out, config, metrics, reproduce_command(config_path))
    logger.info("wrote %s in %.0f s", out, time.time() - started)
    return out
