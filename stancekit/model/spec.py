"""ModelSpec: what stancekit needs to know about a model, stored as the "stancekit" block of config.json."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from stancekit.core.errors import ConfigError
from stancekit.core.labels import TASK_LABELS, Task


@dataclass
class ModelSpec:
    """The stancekit block of a model's config.json.

    Attributes:
        task: "stance" (inputs are target/text pairs) or "sentiment" (single texts).
        labels: label names in the column order of ``predict_proba``.
        backbone: registered backbone name whose weights the folder's delta applies to; None for a full folder.
        max_length: tokens per input (pair included); longer inputs are truncated and flagged.
        uses_holder: whether the model was trained with holders (who holds the stance).
        entity_markers: whether the model reads the holder's and the target's mentions marked in the text
            ("<< holder >>", "[[ target ]]": :func:`stancekit.core.text.mark_entities`); inference marks them too.
        weights: "delta" (only tensors training changed, over ``backbone``) or "full" (a plain HF folder).
        weights_sha256: SHA-256 of the weights file, checked on load (a truncated or corrupted file is refused).
        temperature: logits are divided by it before the softmax (temperature scaling, fitted on validation
            data by ``stancekit calibrate``); 1.0 leaves the probabilities as trained. Labels never change.
        label_bias: per-label offsets added to the (temperature-scaled) logits before the softmax, i.e. a prior
            correction: ``p(label) ~ p(label) * exp(bias[label])``. Fitted on validation data by
            ``stancekit calibrate --bias`` to maximise each validation corpus's headline metric (a decision
            threshold, so labels can change); labels left out get 0. Empty: none.
    """

    task: Task
    labels: tuple[str, ...] = field(default_factory=tuple)
    backbone: str | None = None
    max_length: int = 256
    uses_holder: bool = False
    entity_markers: bool = False
    weights: Literal["delta", "full"] = "full"
    version: int = 1
    weights_sha256: str | None = None
    temperature: float = 1.0
    label_bias: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASK_LABELS:
            raise ConfigError(f"task must be one of {sorted(TASK_LABELS)}, got {self.task!r}")
        self.labels = tuple(self.labels) or TASK_LABELS[self.task]
        if len(set(self.labels)) != len(self.labels) or len(self.labels) < 2:
            raise ConfigError(f"labels must be at least two distinct names, got {self.labels}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8, got {self.max_length}")
        if not isinstance(self.temperature, (int, float)) or not 0.01 <= float(self.temperature) <= 100:
            raise ConfigError(f"temperature must be a number in [0.01, 100], got {self.temperature!r}")
        self.temperature = float(self.temperature)
        if not isinstance(self.label_bias, dict):
            raise ConfigError(f"label_bias must be a mapping of label to offset, got {self.label_bias!r}")
        unknown = sorted(set(self.label_bias) - set(self.labels))
        if unknown:
            raise ConfigError(f"label_bias names labels the model lacks: {unknown} (labels: {list(self.labels)})")
        for name, value in self.label_bias.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(float(value)) <= 20:
                raise ConfigError(f"label_bias[{name!r}] must be a number in [-20, 20], got {value!r}")
        self.label_bias = {name: float(value) for name, value in self.label_bias.items()}
        if self.weights not in ("delta", "full"):
            raise ConfigError(f"weights must be 'delta' or 'full', got {self.weights!r}")
        if self.weights == "delta" and not self.backbone:
            raise ConfigError("a 'delta' model needs the name of its backbone")

    @property
    def is_pair(self) -> bool:
        """Stance inputs are (target, text) pairs; sentiment inputs are single texts."""
        return self.task == "stance"

    def bias_vector(self) -> list[float]:
        """``label_bias`` in label order (0 for labels it leaves out)."""
        return [self.label_bias.get(name, 0.0) for name in self.labels]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["labels"] = list(self.labels)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
