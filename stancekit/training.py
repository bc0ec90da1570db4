"""Fine-tuning: a typed, YAML-round-tripping TrainingConfig and :func:`train` over ``transformers.Trainer``.

Model selection uses the validation data only: the configured metric (mean over the validation corpora of
``f_avg`` for stance, ``macro_recall`` for sentiment) is computed at every evaluation and the best weights are
kept in memory (no checkpoints, hence no pickled optimizer states on disk). Test splits listed under
``evaluate`` are scored once, after selection, for the model card only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import platform
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import yaml

from stancekit.backbones import DEFAULT_BACKBONE, backbone_path
from stancekit.config import TASK_LABELS, ModelSpec, first_segment

logger = logging.getLogger(__name__)


@dataclass
class DataSpec:
    """One training or validation source: a registered corpus split, or a CSV/JSONL/Parquet file.

    A file needs columns ``text`` and ``label`` (and ``target`` for stance); labels use the model's names.
    """

    name: str | None = None  # registry name, e.g. "semeval2016"
    split: str = "train"
    path: str | None = None  # or a file of your own
    repeat: float = 1.0  # oversampling factor (corpus balancing); fractions subsample
    max_rows: int | None = None  # keep only the first rows (quick experiments)
    label_repeat: dict[str, float] | None = None  # per-label factor on top of repeat, e.g. {none: 0.4}
    exclude_targets: list[str] | None = None  # drop rows with these targets (hold a target out: zero-shot tests)
    # Target wording augmentation: a row whose target is a key gets one of its aliases instead, with probability
    # alias_rate (seeded), so the model learns the target, not one spelling of it.
    target_aliases: dict[str, list[str]] | None = None
    alias_rate: float = 0.5
    # Absent holders: for this share of the rows that have a holder, add a copy asking about another holder of
    # the corpus that the sentence never names, labelled "none" (a stance nobody in the sentence expresses).
    absent_holders: float = 0.0
    # Knowledge distillation: a stancekit model (registered name or folder) whose probabilities on these rows are
    # soft targets next to the gold labels (see TrainingConfig.distill_weight / distill_temperature).
    teacher: str | None = None

    def __post_init__(self) -> None:
        if (self.name is None) == (self.path is None):
            raise ValueError("a data source needs exactly one of 'name' (a registered corpus) or 'path' (a file)")
        if self.repeat <= 0:
            raise ValueError(f"repeat must be > 0, got {self.repeat}")
        for name, factor in (self.label_repeat or {}).items():
            if not isinstance(factor, (int, float)) or factor <= 0:
                raise ValueError(f"label_repeat[{name!r}] must be > 0, got {factor!r}")
        if not 0 <= self.absent_holders <= 1:
            raise ValueError(f"absent_holders must be between 0 and 1, got {self.absent_holders}")
        if not 0 <= self.alias_rate <= 1:
            raise ValueError(f"alias_rate must be between 0 and 1, got {self.alias_rate}")
        for target, aliases in (self.target_aliases or {}).items():
            if not isinstance(aliases, list) or not aliases or not all(isinstance(a, str) and a for a in aliases):
                raise ValueError(f"target_aliases[{target!r}] must be a non-empty list of non-empty strings")

    @property
    def label(self) -> str:
        return f"{self.name}:{self.split}" if self.name else str(self.path)


@dataclass
class TrainingConfig:
    """Everything a training run needs; saved beside the model as ``training_config.yaml``."""

    output_dir: str  # model folder to write
    task: Literal["stance", "sentiment"]
    train: list[DataSpec]
    validation: list[DataSpec]
    evaluate: list[DataSpec] = field(default_factory=list)  # test splits scored after selection (card only)
    backbone: str = DEFAULT_BACKBONE  # registered name or a local folder
    init_from: str | None = None  # start from this stancekit model (name or folder) instead of the bare backbone
    uses_holder: bool | None = None  # holder-aware inputs ("holder [SEP] target"); None = if any train row has one
    method: Literal["full", "lora"] = "full"  # full fine-tuning or PEFT LoRA (merged into the delta at the end)
    freeze_embeddings: bool = True  # keeps the stored delta small; embeddings barely move in fine-tuning
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    epochs: float = 3.0
    learning_rate: float = 5e-5
    batch_size: int = 32
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_length: int = 128  # training truncation; inference uses inference_max_length
    inference_max_length: int = 256
    evals_per_epoch: int = 2
    seed: int = 42
    precision: Literal["auto", "float32", "bfloat16"] = "auto"  # bf16 autocast where the CPU/GPU supports it
    num_threads: int | None = None  # torch intra-op threads; None = torch's default
    # Per-target TF-IDF + linear SVM experts fused with the network (stancekit.ngram), fitted after training on
    # the train sources, their weight chosen on validation: None = none; {} = defaults; keys min_rows, max_features
    ngram_experts: dict[str, int] | None = None
    # A training source without some of the task's labels (P-Stance has no none, SST-2 no neutral) is trained
    # over the labels it has only (softmax masked per row), so it does not teach "never answer none/neutral".
    mask_absent_labels: bool = False
    # Knowledge distillation, for train sources with a ``teacher``: the loss on their rows is
    # (1 - distill_weight) * cross-entropy(gold) + distill_weight * T^2 * KL(teacher_T || student_T), with both
    # distributions softened by T = distill_temperature (Hinton et al., 2015). Other rows keep cross-entropy.
    distill_weight: float = 0.5
    distill_temperature: float = 2.0

    def __post_init__(self) -> None:
        self.train = [d if isinstance(d, DataSpec) else DataSpec(**d) for d in self.train]
        self.validation = [
            d if isinstance(d, DataSpec) else DataSpec(**{"split": "validation", **d}) for d in self.validation
        ]
        self.evaluate = [d if isinstance(d, DataSpec) else DataSpec(**{"split": "test", **d}) for d in self.evaluate]
        if self.task not in TASK_LABELS:
            raise ValueError(f"task must be one of {sorted(TASK_LABELS)}, got {self.task!r}")
        if self.method not in ("full", "lora"):
            raise ValueError(f"method must be 'full' or 'lora', got {self.method!r}")
        if not self.train or not self.validation:
            raise ValueError("training needs at least one 'train' and one 'validation' source")
        for spec in self.validation + self.evaluate:
            used = [
                name
                for name, value, default in (
                    ("repeat", spec.repeat, 1.0),
                    ("label_repeat", spec.label_repeat, None),
                    ("target_aliases", spec.target_aliases, None),
                    ("absent_holders", spec.absent_holders, 0.0),
                    ("teacher", spec.teacher, None),
                )
                if value != default
            ]
            if used:
                raise ValueError(
                    f"{spec.label}: {', '.join(used)} only apply to training sources; "
                    "to score fewer validation rows use max_rows"
                )
        from stancekit.data._corpora import split_parts

        for spec in self.train + self.validation:
            if spec.name is not None and any(part.startswith("test") for part in split_parts(spec.split)):
                raise ValueError(f"{spec.label}: test splits may not be used for training or validation")
        trained = {(s.name, part) for s in self.train if s.name is not None for part in split_parts(s.split)}
        for spec in self.validation + self.evaluate:
            if spec.name is None:
                continue
            shared = [part for part in split_parts(spec.split) if (spec.name, part) in trained]
            if shared:
                raise ValueError(
                    f"{spec.label}: {spec.name} {'+'.join(shared)} is also a training source; "
                    "a model may not be selected or scored on rows it was trained on"
                )
        if self.ngram_experts is not None:
            unknown = set(self.ngram_experts) - {"min_rows", "max_features"}
            if unknown:
                raise ValueError(f"ngram_experts: unknown option(s) {sorted(unknown)}; known: max_features, min_rows")
            if self.task != "stance":
                raise ValueError("ngram_experts are for stance models")
        if not 0 <= self.distill_weight <= 1:
            raise ValueError(f"distill_weight must be between 0 and 1, got {self.distill_weight}")
        if self.distill_temperature <= 0:
            raise ValueError(f"distill_temperature must be > 0, got {self.distill_temperature}")
        if self.epochs <= 0 or self.learning_rate <= 0 or self.batch_size < 1:
            raise ValueError("epochs, learning_rate and batch_size must be positive")

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> TrainingConfig:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of training options")
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"{path}: unknown option(s) {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------- data


def load_source(spec: DataSpec, task: str):
    """Rows of one data source as a ``datasets.Dataset`` (text, target, holder, label, group)."""
    import datasets

    from stancekit.data import load_dataset

    if spec.name is not None:
        ds = load_dataset(spec.name, spec.split)
    else:
        from stancekit.io import read_table

        table = read_table(Path(str(spec.path)))
        missing = {"text", "label"} - set(table.columns) | (
            {"target"} - set(table.columns) if task == "stance" else set()
        )
        if missing:
            raise ValueError(f"{spec.path}: missing column(s) {sorted(missing)}")
        table = table.assign(
            target=table.get("target"),
            holder=table.get("holder"),
            group=table.get("group", str(spec.path)),
        )[["text", "target", "holder", "label", "group"]]
        ds = datasets.Dataset.from_pandas(table.astype(object).where(table.notna(), None), preserve_index=False)
    labels = set(TASK_LABELS[task])
    bad = sorted(set(ds["label"]) - labels)
    if bad:
        raise ValueError(f"{spec.label}: labels {bad} are not {task} labels {sorted(labels)}")
    if spec.exclude_targets:
        unknown = set(spec.exclude_targets) - set(ds["target"])
        if unknown:
            raise ValueError(f"{spec.label}: exclude_targets {sorted(unknown)} are not targets of this source")
        held_out = set(spec.exclude_targets)
        ds = ds.filter(lambda row: row["target"] not in held_out)
    if spec.target_aliases:
        unknown = set(spec.target_aliases) - set(ds["target"])
        if unknown:
            raise ValueError(f"{spec.label}: target_aliases {sorted(unknown)} are not targets of this source")
    if spec.max_rows is not None:
        ds = ds.select(range(min(spec.max_rows, ds.num_rows)))
    return ds


def _masked(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``logits`` in float32 with the labels outside ``mask`` (0 = not allowed) pushed to -1e4 (no probability)."""
    logits = logits.float()
    return logits if mask is None else logits.masked_fill(mask == 0, -1e4)


def masked_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor | None, reduction: str = "mean"
) -> torch.Tensor:
    """Cross-entropy over each row's allowed labels only (``mask`` 1 = allowed): the others get no probability."""
    return torch.nn.functional.cross_entropy(_masked(logits, mask), labels, reduction=reduction)


def distillation_loss(
    logits: torch.Tensor, teacher_logp: torch.Tensor, temperature: float, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Per-row ``T^2 * KL(teacher_T || student_T)``: both distributions softened by the temperature ``T``.

    ``teacher_logp`` are the teacher's log-probabilities (or logits: a constant shift per row changes nothing).
    Labels outside ``mask`` (0 = not allowed) get no probability on either side. The ``T^2`` factor keeps the
    gradient scale of the soft term independent of ``T``.
    """
    student, teacher = _masked(logits, mask), _masked(teacher_logp, mask)
    log_s = torch.log_softmax(student / temperature, dim=-1)
    log_t = torch.log_softmax(teacher / temperature, dim=-1)
    return temperature**2 * (log_t.exp() * (log_t - log_s)).sum(dim=-1)


def teacher_log_proba(teacher: Any, ds: Any, *, progress: bool = False) -> np.ndarray:
    """The teacher network's log-probabilities (temperature 1, no experts or label bias) for every row of ``ds``.

    Repeated rows (oversampling) are scored once.
    """
    holders = ds["holder"] if teacher.spec.uses_holder else [None] * ds.num_rows
    keys = list(zip(ds["text"], ds["target"], holders))
    unique = list(dict.fromkeys(keys))
    texts = [k[0] for k in unique]
    targets = [str(k[1]) for k in unique] if teacher.spec.is_pair else None
    hold = [k[2] for k in unique] if teacher.spec.uses_holder else None
    proba = teacher.network_proba(texts, targets, hold, progress=progress)
    logp = np.log(np.clip(proba, 1e-12, None)).astype(np.float32)
    index = {k: i for i, k in enumerate(unique)}
    return logp[[index[k] for k in keys]]


def _absent_holder_rows(ds, rate: float, seed: int):
    """Copies of a ``rate`` share of the holder rows with a holder the sentence does not name, labelled none."""
    rng = np.random.default_rng(seed)
    holders = sorted({h for h in ds["holder"] if h})
    rows = [i for i, h in enumerate(ds["holder"]) if h]
    if len(holders) < 2 or not rows:
        raise ValueError("absent_holders needs rows with at least two different holders")
    chosen = sorted(rng.choice(rows, size=round(rate * len(rows)), replace=False).tolist())
    picked, new_holders = [], []
    for i in chosen:
        text, target = ds[i]["text"].lower(), str(ds[i]["target"]).lower()
        for _ in range(20):  # a holder of the corpus that this sentence does not mention
            candidate = holders[int(rng.integers(len(holders)))]
            if candidate.lower() not in text and candidate.lower() != target:
                picked.append(i)
                new_holders.append(candidate)
                break
    extra = ds.select(picked).remove_columns(["holder", "label"])
    return extra.add_column("holder", new_holders).add_column("label", ["none"] * len(picked))


def _alias_targets(ds, aliases: dict[str, list[str]], rate: float, seed: int):
    """Replace each row's target by one of its aliases with probability ``rate`` (the same rows for a seed)."""
    rng = np.random.default_rng(seed)
    draws = rng.random(ds.num_rows)
    picks = rng.integers(0, 1 << 30, ds.num_rows)
    targets = list(ds["target"])
    for i, target in enumerate(targets):
        options = aliases.get(target)
        if options and draws[i] < rate:
            targets[i] = options[int(picks[i]) % len(options)]
    return ds.remove_columns("target").add_column("target", targets)


def _repeat_indices(idx: list[int], repeat: float, rng: np.random.Generator) -> list[int]:
    whole, frac = math.floor(repeat), repeat - math.floor(repeat)
    out = idx * whole
    if frac > 0:
        out += sorted(rng.choice(idx, size=round(frac * len(idx)), replace=False).tolist())
    return out


def _resample(ds, repeat: float, seed: int, label_repeat: dict[str, float] | None = None):
    """Over- or subsample rows by ``repeat``, and each label by its ``label_repeat`` factor on top."""
    if repeat == 1.0 and not label_repeat:
        return ds
    rng = np.random.default_rng(seed)
    if not label_repeat:
        return ds.select(_repeat_indices(list(range(ds.num_rows)), repeat, rng))
    unknown = set(label_repeat) - set(ds["label"])
    if unknown:
        raise ValueError(f"label_repeat names label(s) {sorted(unknown)} that the data do not have")
    by_label: dict[str, list[int]] = {}
    for i, y in enumerate(ds["label"]):
        by_label.setdefault(y, []).append(i)
    idx: list[int] = []
    for y, rows in sorted(by_label.items()):
        idx += _repeat_indices(rows, repeat * label_repeat.get(y, 1.0), rng)
    return ds.select(sorted(idx))


# ------------------------------------------------------------------------------------------------------ training


def _precision(name: str) -> bool:
    """Whether to train with bf16 autocast."""
    if name == "float32":
        return False
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    if name == "bfloat16":
        return True
    # auto on CPU: bf16 only where the CPU has native bf16 matrix instructions (AVX512-BF16 / AMX).
    cap = torch.backends.cpu.get_cpu_capability()
    return cap in ("AVX512_BF16", "AMX") or _cpu_has_flag("avx512_bf16")


def _cpu_has_flag(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def reproduce_command(config_path: str | None) -> str:
    return f"stancekit train {shlex.quote(config_path)}" if config_path else "stancekit.train(config)"


def train(config: TrainingConfig | str | os.PathLike[str], *, progress: bool = True) -> Path:
    """Fine-tune a backbone and write a model folder.

    Args:
        config: a :class:`TrainingConfig` or the path of its YAML file.
        progress: show progress bars.

    Returns:
        The model folder (``config.output_dir``): ``config.json`` with id2label and a stancekit block, the
        weights delta (safetensors), tokenizer files, ``metrics.json``, ``training_config.yaml`` and a
        ``README.md`` model card.
    """
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        set_seed,
    )

    from stancekit.classifier import Classifier
    from stancekit.evaluation import evaluate_classifier, write_model_card

    config_path = None
    if not isinstance(config, TrainingConfig):
        config_path = str(config)
        config = TrainingConfig.from_yaml(config)
    started = time.time()
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    set_seed(config.seed)
    labels = TASK_LABELS[config.task]
    label2id = {name: i for i, name in enumerate(labels)}
    bb_path = backbone_path(config.backbone)
    tokenizer = AutoTokenizer.from_pretrained(bb_path, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        bb_path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label2id,
        local_files_only=True,
    )
    if config.init_from:
        start = Classifier.from_pretrained(config.init_from, device="cpu", dtype="float32")
        if start.task != config.task or tuple(start.labels) != tuple(labels):
            raise ValueError(f"init_from {config.init_from!r} is a {start.task} model with labels {start.labels}")
        model.load_state_dict(start.model.state_dict(), strict=True)
        del start
    if config.freeze_embeddings:
        for p in model.base_model.embeddings.parameters():
            p.requires_grad = False

    pair = config.task == "stance"
    uses_holder = False

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        if pair:
            firsts = batch["target"]
            if uses_holder:
                firsts = [first_segment(t, h) for t, h in zip(batch["target"], batch["holder"])]
            enc = tokenizer(firsts, batch["text"], truncation=True, max_length=config.max_length)
        else:
            enc = tokenizer(batch["text"], truncation=True, max_length=config.max_length)
        enc["labels"] = [label2id[y] for y in batch["label"]]
        for extra in ("label_mask", "teacher_logp", "has_teacher"):
            if extra in batch:
                enc[extra] = batch[extra]
        return enc

    import datasets

    train_parts = []
    for i, spec in enumerate(config.train):
        ds = load_source(spec, config.task)
        logger.info("train source %s: %d rows (repeat %.2f)", spec.label, ds.num_rows, spec.repeat)
        ds = _resample(ds, spec.repeat, config.seed + i, spec.label_repeat)
        if spec.target_aliases:  # after resampling, so that repeated rows can get different wordings
            ds = _alias_targets(ds, spec.target_aliases, spec.alias_rate, config.seed + 1000 + i)
        if spec.absent_holders:
            extra = _absent_holder_rows(ds, spec.absent_holders, config.seed + 2000 + i)
            logger.info("train source %s: %d absent-holder rows labelled none", spec.label, extra.num_rows)
            ds = datasets.concatenate_datasets([ds, extra.cast(ds.features)])
        if config.mask_absent_labels:
            present = set(ds["label"])
            mask = [int(y in present) for y in labels]
            if not all(mask):
                logger.info("train source %s: trained over %s only", spec.label, [y for y in labels if y in present])
            ds = ds.add_column("label_mask", [mask] * ds.num_rows)
        train_parts.append(ds)
    distill = _attach_teachers(config, train_parts, progress=progress)
    train_ds = datasets.concatenate_datasets(train_parts).shuffle(seed=config.seed)
    has_holders = pair and any(h is not None for h in train_ds["holder"])
    uses_holder = has_holders if config.uses_holder is None else config.uses_holder
    if uses_holder and not has_holders:
        raise ValueError("uses_holder is true but no training row has a holder")
    if uses_holder and not pair:
        raise ValueError("holders are for stance models")
    logger.info("holder-aware inputs: %s", uses_holder)
    val_parts = [load_source(spec, config.task) for spec in config.validation]
    val_sizes = [p.num_rows for p in val_parts]
    val_ds = datasets.concatenate_datasets(val_parts)
    cols = train_ds.column_names
    train_tok = train_ds.map(encode, batched=True, remove_columns=cols, desc="tokenizing train")
    val_tok = val_ds.map(encode, batched=True, remove_columns=val_ds.column_names, desc="tokenizing validation")
    val_gold = [labels[i] for i in val_tok["labels"]]
    bounds = np.cumsum([0, *val_sizes])
    metric_name = "f_avg" if pair else "macro_recall"

    def compute_metrics(pred: Any) -> dict[str, float]:
        from stancekit.metrics import classification_scores

        logits = np.asarray(pred.predictions)
        out: dict[str, float] = {}
        for spec, lo, hi in zip(config.validation, bounds[:-1], bounds[1:]):
            gold = val_gold[lo:hi]
            allowed = [label2id[y] for y in labels if y in set(gold)]
            masked = np.full_like(logits[lo:hi], -np.inf)
            masked[:, allowed] = logits[lo:hi, allowed]
            guess = [labels[i] for i in masked.argmax(axis=1)]
            for key, value in classification_scores(gold, guess, config.task).items():
                out[f"{spec.label}/{key}"] = value
        out["selection"] = float(np.mean([out[f"{s.label}/{metric_name}"] for s in config.validation]))
        return out

    if config.method == "lora":
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            task_type="SEQ_CLS",
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=["query", "key", "value", "dense"],
            modules_to_save=["classifier", "pooler"],
        )
        model = get_peft_model(model, lora)

    steps_per_epoch = math.ceil(train_tok.num_rows / config.batch_size)
    eval_steps = max(1, steps_per_epoch // max(1, config.evals_per_epoch))
    bf16 = _precision(config.precision)
    args = TrainingArguments(
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
        bf16=bf16,
        train_sampling_strategy="group_by_length",
        remove_unused_columns=not (config.mask_absent_labels or distill),  # keep label_mask, teacher_logp
        dataloader_num_workers=0,
        disable_tqdm=not progress,
        use_cpu=not torch.cuda.is_available(),
    )

    history: list[dict[str, Any]] = []
    distill_weight, distill_temperature = config.distill_weight, config.distill_temperature

    class KeepBest(TrainerCallback):
        """Keep the trainable weights of the best validation score in memory."""

        best: float = -1.0
        state_dict: dict[str, torch.Tensor] | None = None
        step: int = 0

        def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            metrics: dict[str, float] = kwargs.get("metrics") or {}
            score = metrics.get("eval_selection", -1.0)
            history.append({"step": state.global_step, "epoch": state.epoch, **metrics})
            logger.info("step %d: validation %s = %.4f", state.global_step, metric_name, score)
            if score > self.best:
                self.best, self.step = score, state.global_step
                self.state_dict = {
                    k: v.detach().clone() for k, v in current_model().state_dict().items() if "embeddings" not in k
                }

    class _Trainer(Trainer):
        # Length-grouped sampling speeds up training; evaluation must keep the dataset order, because the
        # per-corpus validation scores slice the predictions by position.
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
                soft = distillation_loss(outputs.logits, teacher_logp, distill_temperature, mask)
                w = distill_weight * has_teacher.float()
                loss_rows = (1 - w) * loss_rows + w * soft
            loss = loss_rows.mean()
            return (loss, outputs) if return_outputs else loss

    def current_model() -> Any:
        assert trainer.model is not None
        return trainer.model

    keep = KeepBest()
    trainer = _Trainer(
        model=model,
        args=args,
        train_dataset=train_tok,
        eval_dataset=val_tok,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=[keep],
    )
    trainer.train()
    if keep.state_dict is not None:
        current_model().load_state_dict(keep.state_dict, strict=False)
    trained = current_model()
    if config.method == "lora":
        trained = trained.merge_and_unload()
    trained = trained.float().cpu()
    train_seconds = time.time() - started

    model_spec = ModelSpec(
        task=config.task,
        labels=labels,
        backbone=config.backbone if not Path(config.backbone).exists() else None,
        max_length=config.inference_max_length,
        uses_holder=uses_holder,
    )
    out = Path(config.output_dir)
    clf = Classifier(trained, tokenizer, model_spec, device="cpu", dtype="float32")
    clf.save_pretrained(out)
    _remove_tree(out / ".trainer-tmp")
    config.to_yaml(out / "training_config.yaml")

    best = next((h for h in history if h["step"] == keep.step), {})
    metrics: dict[str, Any] = {
        "selection_metric": f"mean validation {metric_name}",
        "best_step": keep.step,
        "validation": {k.removeprefix("eval_"): v for k, v in best.items() if k.startswith("eval_")},
        "history": history,
        "train_rows": train_tok.num_rows,
        "train_seconds": round(train_seconds, 1),
        "hardware": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
        "precision": "bfloat16 autocast" if bf16 else "float32",
        **({"distillation": distill} if distill else {}),
        "test": {},
    }
    loaded = Classifier.from_pretrained(out, device="auto")
    if config.ngram_experts is not None:
        from stancekit.ngram import attach_experts

        opts = config.ngram_experts
        metrics["ngram_experts"] = attach_experts(
            loaded,
            config,
            min_rows=int(opts.get("min_rows", 200)),
            max_features=int(opts.get("max_features", 10_000)),
            progress=progress,
        )
        assert loaded.experts is not None
        loaded.experts.save(out)
        logger.info("n-gram experts for %s, weight %g", loaded.experts.targets, loaded.experts.weight)
    for spec_eval in config.evaluate:
        if spec_eval.name is None:
            continue
        result = evaluate_classifier(loaded, spec_eval.name, spec_eval.split, progress=progress)
        metrics["test"][spec_eval.label] = result
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_model_card(out, config, metrics, reproduce_command(config_path))
    logger.info("wrote %s in %.0f s", out, time.time() - started)
    return out


def _attach_teachers(config: TrainingConfig, parts: list[Any], *, progress: bool) -> dict[str, Any]:
    """Add ``teacher_logp`` / ``has_teacher`` columns to every training part when any source has a teacher.

    Returns a summary for metrics.json (empty without teachers): per source, the teacher and how often its top
    label agrees with the gold label on the training rows.
    """
    if not any(spec.teacher for spec in config.train):
        return {}
    from stancekit.classifier import Classifier

    labels = TASK_LABELS[config.task]
    dtype = "bfloat16" if _precision(config.precision) else "float32"
    teachers: dict[str, Any] = {}
    summary: dict[str, Any] = {
        "weight": config.distill_weight,
        "temperature": config.distill_temperature,
        "sources": {},
    }
    for i, (spec, ds) in enumerate(zip(config.train, parts)):
        if spec.teacher is None:
            logp = np.zeros((ds.num_rows, len(labels)), dtype=np.float32)
            has = [0.0] * ds.num_rows
        else:
            if spec.teacher not in teachers:
                teacher = Classifier.from_pretrained(spec.teacher, device="auto", dtype=dtype, experts=False)
                if teacher.task != config.task or tuple(teacher.labels) != tuple(labels):
                    raise ValueError(
                        f"{spec.label}: teacher {spec.teacher!r} is a {teacher.task} model with labels "
                        f"{list(teacher.labels)}; this run trains {config.task} with {list(labels)}"
                    )
                teachers[spec.teacher] = teacher
            if not teachers[spec.teacher].spec.uses_holder and any(h is not None for h in ds["holder"]):
                raise ValueError(
                    f"{spec.label}: teacher {spec.teacher!r} does not read holders, but these rows have them; "
                    "use a holder-aware teacher"
                )
            logger.info("train source %s: soft targets from teacher %s", spec.label, spec.teacher)
            logp = teacher_log_proba(teachers[spec.teacher], ds, progress=progress)
            has = [1.0] * ds.num_rows
            gold = np.asarray([labels.index(y) for y in ds["label"]])
            summary["sources"][spec.label] = {
                "teacher": spec.teacher,
                "rows": ds.num_rows,
                "teacher_agrees_with_gold": round(float((logp.argmax(axis=1) == gold).mean()), 4),
            }
        parts[i] = ds.add_column("teacher_logp", logp.tolist()).add_column("has_teacher", has)
    return summary


def _remove_tree(path: Path) -> None:
    import shutil

    if path.exists():
        shutil.rmtree(path)
