"""TrainingConfig: a typed, validated, YAML-round-tripping description of a training run."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import yaml

from stancekit.core.errors import ConfigError, LeakageError
from stancekit.core.hardware import native_cpu_half
from stancekit.data.corpora import split_parts
from stancekit.data.guards import refuse_held_out
from stancekit.data.sources import DataSpec
from stancekit.fitting.fields import check_fields, check_options, read_yaml, refuse_unknown
from stancekit.model.backbones import DEFAULT_BACKBONE


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
    # Mark the holder's and the target's mentions in the text ("<< holder >>", "[[ target ]]"; stance only), in
    # training and, through the saved spec, at inference (stancekit.core.text.mark_entities).
    entity_markers: bool = False
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
        self.validation = _default_split(self.validation, "validation")
        self.evaluate = _default_split(self.evaluate, "test")
        check_fields(self)  # names a wrong-typed option; turns numbers written as strings ("5e-5") into numbers
        if not self.train or not self.validation:
            raise ConfigError("training needs at least one 'train' and one 'validation' source")
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
                raise ConfigError(
                    f"{spec.label}: {', '.join(used)} only apply to training sources; "
                    "to score fewer validation rows use max_rows"
                )
        if self.entity_markers and self.task != "stance":
            raise ConfigError("entity_markers mark holder and target mentions: they are for stance models")
        if self.ngram_experts is not None:
            refuse_unknown("ngram_experts", self.ngram_experts, ["min_rows", "max_features"])
            if self.task != "stance":
                raise ConfigError("ngram_experts are for stance models")
        if not 0 <= self.distill_weight <= 1:
            raise ConfigError(f"distill_weight must be between 0 and 1, got {self.distill_weight}")
        if self.distill_temperature <= 0:
            raise ConfigError(f"distill_temperature must be > 0, got {self.distill_temperature}")
        for name in ("epochs", "learning_rate", "batch_size"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        self._check_leakage()

    def _check_leakage(self) -> None:
        for spec in self.train:
            if spec.name is not None:
                refuse_held_out(spec.name, spec.split, "training")
        for spec in self.validation:
            if spec.name is not None:
                refuse_held_out(spec.name, spec.split, "validation (model selection)")
        trained = {(s.name, part) for s in self.train if s.name is not None for part in split_parts(s.split)}
        for spec in self.validation + self.evaluate:
            if spec.name is None:
                continue
            shared = [part for part in split_parts(spec.split) if (spec.name, part) in trained]
            if shared:
                raise LeakageError(
                    f"{spec.label}: {spec.name} {'+'.join(shared)} is also a training source; "
                    "a model may not be selected or scored on rows it was trained on"
                )

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> TrainingConfig:
        """Read a training recipe.

        Raises:
            ConfigError: naming the file and, for a syntax error, its line and column; for an unknown option the
                closest known one; for a wrong-typed value the option, the expected type and the value found.
                Numbers that YAML 1.1 reads as strings (``learning_rate: 5e-5``) are taken as numbers.
        """
        data = read_yaml(path)
        try:
            check_options(cls, "", data)
            return cls(**data)  # __post_init__ checks the types
        except ConfigError as exc:  # the same error class (LeakageError stays one), naming the file
            raise type(exc)(f"{path}: {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")


def _default_split(specs: Any, split: str) -> Any:
    """Data sources given as mappings get ``split`` unless they name one (validation / evaluate lists)."""
    if not isinstance(specs, list):
        return specs  # check_fields names the option
    return [{"split": split, **d} if isinstance(d, Mapping) else d for d in specs]


def trains_in_bf16(precision: str) -> bool:
    """Whether a run with this ``precision`` setting trains under bf16 autocast on this machine."""
    if precision == "float32":
        return False
    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    # auto on CPU: bf16 only where the CPU has native bf16 matrix instructions (AVX512-BF16 / AMX).
    return precision == "bfloat16" or native_cpu_half()
