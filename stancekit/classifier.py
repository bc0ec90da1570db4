"""Classifier: a stance or sentiment model with a scikit-learn-style API over plain transformers objects."""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel

from stancekit import inference, ngram
from stancekit.backbones import backbone_path
from stancekit.config import ModelSpec, first_segment
from stancekit.ngram import NgramExperts

logger = logging.getLogger(__name__)

DELTA_WEIGHTS = "delta.safetensors"
FULL_WEIGHTS = "model.safetensors"
#: Short names resolved by :func:`load`, relative to the models folder.
MODEL_NAMES = {"stance": "stance-minilm", "sentiment": "sentiment-minilm", "directed": "directed-minilm"}


PICKLE_PATTERNS = ("*.bin", "*.pkl", "*.pickle", "*.pt", "*.pth", "*.ckpt", "*.joblib")


class ModelNotFoundError(LookupError):
    """A model name is unknown, or a folder is not a stancekit model."""


class ModelLoadError(ValueError):
    """A model folder is damaged: truncated or corrupted weights, missing tensors, an unreadable config."""


class UnsafeModelError(ModelLoadError):
    """A model folder would need pickle loading or custom code, which stancekit refuses unless told otherwise."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    return data


def _refuse_custom_code(path: Path, config: dict[str, Any], name: str = "config.json") -> None:
    if "auto_map" in config:
        raise UnsafeModelError(
            f"{path}/{name} asks for custom code (auto_map: {config['auto_map']}); stancekit never runs code "
            "from a model folder (trust_remote_code is never enabled)"
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_safetensors(path: Path, expected_sha256: str | None = None) -> dict[str, torch.Tensor]:
    """Tensors of a safetensors file; a truncated, corrupted or tampered file is a :class:`ModelLoadError`."""
    if expected_sha256 is not None and sha256_file(path) != expected_sha256:
        raise ModelLoadError(
            f"{path} is corrupted or was changed: its SHA-256 differs from the one recorded when the model was "
            "saved; restore the file (e.g. git checkout) or retrain the model"
        )
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"{path}: truncated or corrupted safetensors file ({exc})") from exc


def _load_weights(path: Path, spec: ModelSpec, *, allow_pickle: bool) -> dict[str, torch.Tensor]:
    name = DELTA_WEIGHTS if spec.weights == "delta" else FULL_WEIGHTS
    if (path / name).is_file():
        return _read_safetensors(path / name, spec.weights_sha256)
    pickled = path / "pytorch_model.bin"
    if allow_pickle and spec.weights == "full" and pickled.is_file():
        logger.warning("%s: loading pickled weights (allow_pickle=True) with the weights-only unpickler", pickled)
        try:
            state = torch.load(pickled, map_location="cpu", weights_only=True)
        except Exception as exc:  # any unpickling failure: corrupt file or forbidden object
            raise ModelLoadError(f"{pickled}: cannot load ({exc})") from exc
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise ModelLoadError(f"{pickled}: not a state dict of tensors")
        return dict(state)
    raise ModelNotFoundError(f"{path} has no {name} (only safetensors weights are loaded)")


def models_dir() -> Path:
    """Where named models live: ``$STANCEKIT_MODELS`` if set, else the repository's ``models/`` folder."""
    env = os.environ.get("STANCEKIT_MODELS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def resolve_model_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Turn ``"stance"``, ``"stance-minilm"`` or a folder path into a model folder.

    Raises:
        ModelNotFoundError: nothing by that name, or the folder is not a stancekit model.
    """
    raw = str(name_or_path)
    candidates = [Path(raw).expanduser()]
    if raw in MODEL_NAMES:
        candidates.insert(0, models_dir() / MODEL_NAMES[raw])
    elif "/" not in raw and os.sep not in raw:
        candidates.append(models_dir() / raw)
    for path in candidates:
        if path.is_dir():
            if not (path / "config.json").is_file():
                raise ModelNotFoundError(f"{path} is not a model folder: it has no config.json")
            return path
    known = sorted(set(MODEL_NAMES) | {p.name for p in models_dir().glob("*") if (p / "config.json").is_file()})
    raise ModelNotFoundError(f"unknown model {raw!r}: not a folder, nor one of: {', '.join(known) or '(none)'}")


def _check_items(
    texts: str | Sequence[str], targets: str | Sequence[str] | None, holders: str | Sequence[str | None] | None
) -> tuple[list[str], list[str] | None, list[str | None] | None, bool]:
    single = isinstance(texts, str)
    text_list = [texts] if isinstance(texts, str) else list(texts)
    for i, t in enumerate(text_list):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__}, expected str")

    def expand(values: str | Sequence[str | None] | None, what: str, allow_none: bool = False) -> list[Any] | None:
        if values is None:
            return None
        if isinstance(values, str):
            if not values.strip():
                raise ValueError(f"{what[:-1]} must be a non-empty string, got {values!r}")
            return [values] * len(text_list)
        out = list(values)
        if len(out) != len(text_list):
            raise ValueError(f"got {len(out)} {what} for {len(text_list)} texts; pass one {what[:-1]} or one per text")
        for i, v in enumerate(out):
            if v is None and allow_none:
                continue
            if not isinstance(v, str) or not v.strip():
                raise TypeError(f"{what}[{i}] must be a non-empty string, got {v!r}")
        return out

    # A None among the holders scores that row without a holder (holder-blind), like a missing holder cell.
    holder_list: list[str | None] | None = expand(holders, "holders", allow_none=True)
    return text_list, expand(targets, "targets"), holder_list, single


class Classifier:
    """A stance (target-conditioned) or sentiment classifier.

    Attributes:
        model: the ``transformers`` sequence-classification model.
        tokenizer: its tokenizer.
        spec: the :class:`~stancekit.config.ModelSpec` (task, labels, max_length, backbone).
        device, dtype: where and in which precision inference runs.
        backend: the engine that runs the network: ``"onnx"`` (ONNX Runtime, the CPU default for float32 and
            int8) or ``"torch"``. The ONNX engine is exported from ``model`` at the first prediction and again
            whenever ``model``'s weights change.
        experts: the model's n-gram experts (:class:`stancekit.ngram.NgramExperts`), fused with the network for
            the targets they cover, or None (set it to None to score with the network alone).
        batch_size, max_tokens: the batch budget, rows and padded tokens per forward pass (defaults per device:
            :data:`stancekit.inference.DEFAULT_BUDGETS`).
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: Any,
        spec: ModelSpec,
        *,
        device: str | torch.device = "auto",
        dtype: str | torch.dtype = "auto",
        backend: str = "auto",
        batch_size: int | None = None,
        max_tokens: int | None = None,
    ) -> None:
        self.spec = spec
        self.tokenizer = tokenizer
        self.device = inference.resolve_device(device)
        self.dtype = inference.resolve_dtype(dtype, self.device)
        self.backend = inference.resolve_backend(backend, self.device, self.dtype)
        self.model = inference.prepare_model(model, self.device, self.dtype)
        default_rows, default_tokens = inference.default_budget(self.device)
        self.batch_size = batch_size or default_rows
        self.max_tokens = max_tokens or default_tokens
        self._onnx: Any = None
        self.experts: NgramExperts | None = None
        hf_config: Any = model.config
        id2label = [hf_config.id2label[i] for i in range(hf_config.num_labels)]
        if tuple(id2label) != tuple(spec.labels):
            raise ValueError(f"config id2label {id2label} does not match the stancekit labels {list(spec.labels)}")

    # ----------------------------------------------------------------------------------------------- loading/saving
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        device: str | torch.device = "auto",
        dtype: str = "auto",
        backend: str = "auto",
        allow_pickle: bool = False,
        experts: bool = True,
    ) -> Classifier:
        """Load a model folder written by :meth:`save_pretrained` or by training (no network access).

        Only safetensors weights are read, and never code: a folder carrying pickle files (``pytorch_model.bin``,
        ``*.pkl``, ...) is refused unless ``allow_pickle=True`` (and even then a pickle is read with torch's
        weights-only unpickler, and only when no safetensors weights exist); a config asking for custom code
        (``auto_map``) is refused. Every tensor of the network must come from the folder (or, for a compact
        folder, its backbone package): a half-loaded model is an error, as is a weights file whose SHA-256
        differs from the one recorded at save time.

        Raises:
            ModelNotFoundError: no such model, or the folder is not a stancekit model.
            UnsafeModelError: pickle files without ``allow_pickle``, or custom code.
            ModelLoadError: truncated, corrupted or incomplete weights.
        """
        path = resolve_model_path(name_or_path)
        raw = _read_json(path / "config.json")
        if "stancekit" not in raw:
            raise ModelNotFoundError(f"{path} is not a stancekit model: config.json has no 'stancekit' block")
        _refuse_custom_code(path, raw)
        pickles = sorted(p.name for pattern in PICKLE_PATTERNS for p in path.glob(pattern))
        if pickles and not allow_pickle:
            raise UnsafeModelError(
                f"{path} contains pickle file(s) {pickles}. Loading a pickle can run arbitrary code hidden in it, "
                "so stancekit loads only safetensors weights. Delete the file(s) if the folder also has "
                ".safetensors weights, convert them (load with torch.load(weights_only=True), save with "
                "safetensors.torch.save_file), or, only if you trust where the folder came from, pass "
                "allow_pickle=True (--allow-pickle)."
            )
        try:
            spec = ModelSpec.from_dict(raw["stancekit"])
            config = AutoConfig.from_pretrained(path, local_files_only=True, trust_remote_code=False)
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelLoadError(f"{path}/config.json is not a valid stancekit model config: {exc}") from exc
        tok_dir = path if (path / "tokenizer_config.json").is_file() else backbone_path(str(spec.backbone))
        if tok_dir == path:
            _refuse_custom_code(path, _read_json(path / "tokenizer_config.json"), "tokenizer_config.json")
        try:
            tokenizer = AutoTokenizer.from_pretrained(tok_dir, local_files_only=True, trust_remote_code=False)
        except (OSError, ValueError, TypeError) as exc:
            raise ModelLoadError(f"{tok_dir}: cannot load the tokenizer: {exc}") from exc
        model = AutoModelForSequenceClassification.from_config(config)
        state = model.state_dict()
        weights = _load_weights(path, spec, allow_pickle=allow_pickle)
        prefix = model.base_model_prefix + "."
        if spec.weights == "delta":
            # Backbone weights from its package, then the stored delta on top.
            base = _read_safetensors(backbone_path(str(spec.backbone)) / FULL_WEIGHTS)
            base = {(k if k in state else prefix + k): v for k, v in base.items()}
            unknown = sorted(set(weights) - set(state))
            weights = {**{k: v for k, v in base.items() if k in state}, **weights}
        else:
            weights = {(k if k in state or prefix + k not in state else prefix + k): v for k, v in weights.items()}
            unknown = sorted(set(weights) - set(state))
        if unknown:
            raise ModelLoadError(f"{path}: the weights hold tensors the network does not have: {unknown[:5]}")
        missing = sorted(k for k in state if k not in weights)
        if missing:
            raise ModelLoadError(f"{path}: no weights for {len(missing)} tensor(s), e.g. {missing[:5]}")
        with torch.no_grad():
            for key, tensor in state.items():
                value = weights[key]
                if tuple(value.shape) != tuple(tensor.shape):
                    raise ModelLoadError(
                        f"{path}: tensor {key} has shape {tuple(value.shape)}, the network needs {tuple(tensor.shape)}"
                    )
                tensor.copy_(value.to(tensor.dtype))
        model.eval()
        clf = cls(model, tokenizer, spec, device=device, dtype=dtype, backend=backend)
        if experts and (path / ngram.JSON_FILE).is_file():
            try:
                clf.experts = ngram.NgramExperts.load(path)
            except (OSError, ValueError, KeyError, SafetensorError) as exc:
                raise ModelLoadError(f"{path}: cannot load the n-gram experts ({ngram.JSON_FILE}): {exc}") from exc
            if clf.experts.labels != spec.labels:
                raise ModelLoadError(f"{path}/{ngram.JSON_FILE}: labels {clf.experts.labels} differ from the model's")
        return clf

    def save_pretrained(self, directory: str | os.PathLike[str], *, compact: bool | None = None) -> Path:
        """Write the model folder: config.json (id2label + stancekit block), weights, tokenizer.

        Args:
            directory: created if missing.
            compact: store only the tensors that differ from the backbone, in float16 (a few MB instead of
                ~90 MB). Defaults to True when the model has a registered backbone. A non-compact folder is a
                plain Hugging Face folder that ``AutoModelForSequenceClassification`` loads directly.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        compact = bool(self.spec.backbone) if compact is None else compact
        spec = ModelSpec.from_dict({**self.spec.to_dict(), "weights": "delta" if compact else "full"})
        model: Any = self.model.float().cpu()
        if compact:
            if not spec.backbone:
                raise ValueError("compact saving needs a backbone to store the difference against")
            base = load_file(str(backbone_path(spec.backbone) / FULL_WEIGHTS))
            prefix = model.base_model_prefix + "."
            changed = {}
            for key, value in model.state_dict().items():
                ref = base.get(key)
                if ref is None and key.startswith(prefix):
                    ref = base.get(key[len(prefix) :])
                if ref is None or ref.shape != value.shape or not torch.equal(ref.to(value.dtype), value):
                    changed[key] = value.detach().to(torch.float16).contiguous()
            save_file(changed, str(out / DELTA_WEIGHTS), metadata={"format": "pt", "backbone": spec.backbone})
            (out / FULL_WEIGHTS).unlink(missing_ok=True)
            model.config.save_pretrained(out)
        else:
            model.save_pretrained(out, safe_serialization=True)
            (out / DELTA_WEIGHTS).unlink(missing_ok=True)
        self.model = inference.prepare_model(model, self.device, self.dtype)
        self.tokenizer.save_pretrained(out)
        if self.experts is not None:
            self.experts.save(out)
        else:
            for stale in (ngram.JSON_FILE, ngram.WEIGHTS_FILE):
                (out / stale).unlink(missing_ok=True)
        spec.weights_sha256 = sha256_file(out / (DELTA_WEIGHTS if compact else FULL_WEIGHTS))
        config = json.loads((out / "config.json").read_text(encoding="utf-8"))
        config["stancekit"] = spec.to_dict()
        (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return out

    # ------------------------------------------------------------------------------------------------- prediction
    @property
    def labels(self) -> tuple[str, ...]:
        """Label names, in the column order of :meth:`predict_proba`."""
        return self.spec.labels

    @property
    def task(self) -> str:
        return self.spec.task

    def _items(
        self, texts: list[str], targets: list[str] | None, holders: list[str | None] | None
    ) -> list[tuple[str, str | None]]:
        """(text, first segment) pairs for the inference core; the first segment carries target and holder."""
        if holders is not None and any(h is not None for h in holders) and not self.spec.uses_holder:
            raise ValueError(
                "this model was not trained with holders (who holds the stance); holder-aware scoring needs a "
                "model trained with them, such as stancekit.load('directed'). Score without holders=..."
            )
        if self.spec.is_pair and targets is None:
            raise ValueError("a stance model needs targets=: one target for all texts or one per text")
        if not self.spec.is_pair and targets is not None:
            raise ValueError("a sentiment model takes no targets")
        if targets is None:
            return [(t, None) for t in texts]
        if holders is None:
            return list(zip(texts, targets))
        return [(t, first_segment(tg, h)) for t, tg, h in zip(texts, targets, holders)]

    @property
    def engine(self) -> Any:
        """What runs the forward pass: ``self.model`` itself, or its ONNX Runtime export (kept in step with it)."""
        if self.backend != "onnx":
            return self.model
        from stancekit import onnx_engine

        if self._onnx is None or self._onnx.version != onnx_engine.weights_version(self.model):
            self._onnx = onnx_engine.build(self.model, quantize=self.dtype == torch.qint8)
            if self._onnx is None:  # the export failed (warned): PyTorch from now on
                self.backend = "torch"
                return self.model
        return self._onnx

    def iter_proba(
        self, items: Iterable[tuple[str, str | None]], *, progress: Any = False, total: int | None = None
    ) -> Iterator[inference.Chunk]:
        """Stream ``(text, target)`` items through the inference core; yields chunks in input order.

        Rows whose target an n-gram expert covers get the network's probabilities fused with the expert's scores,
        at the experts' temperature (see :mod:`stancekit.ngram`); the others the network at the model's. The
        model's ``label_bias`` (if any) is applied last, to both.
        """
        experts = self.experts if self.spec.is_pair and not self.spec.uses_holder else None
        if experts is None:
            chunks = self._network_proba(items, progress=progress, total=total, temperature=self.spec.temperature)
        else:
            chunks = self._fused_proba(experts, items, progress=progress, total=total)
        if not any(self.spec.label_bias.values()):
            return chunks
        from stancekit.calibration import apply_label_bias

        bias = np.asarray(self.spec.bias_vector())
        return (inference.Chunk(apply_label_bias(c.proba, bias), c.truncated) for c in chunks)

    def _fused_proba(
        self, experts: NgramExperts, items: Iterable[tuple[str, str | None]], *, progress: Any, total: int | None
    ) -> Iterator[inference.Chunk]:
        pending: collections.deque[tuple[str, str | None]] = collections.deque()

        def remember() -> Iterator[tuple[str, str | None]]:
            for item in items:
                pending.append(item)
                yield item

        for chunk in self._network_proba(remember(), progress=progress, total=total, temperature=1.0):
            rows = [pending.popleft() for _ in range(len(chunk.proba))]
            proba = experts.fuse(
                chunk.proba, [t for t, _ in rows], [g for _, g in rows], network_temperature=self.spec.temperature
            )
            yield inference.Chunk(proba, chunk.truncated)

    def _network_proba(
        self, items: Iterable[tuple[str, str | None]], *, progress: Any, total: int | None, temperature: float
    ) -> Iterator[inference.Chunk]:
        return inference.iter_proba(
            self.engine,
            self.tokenizer,
            items,
            max_length=self.spec.max_length,
            device=self.device,
            dtype=self.dtype,
            pair=self.spec.is_pair,
            batch_size=self.batch_size,
            max_tokens=self.max_tokens,
            progress=progress,
            total=total,
            temperature=temperature,
        )

    def score(
        self,
        texts: str | Sequence[str],
        targets: str | Sequence[str] | None = None,
        holders: str | Sequence[str | None] | None = None,
        *,
        progress: bool = False,
    ) -> inference.Chunk:
        """Probabilities and truncation flags for every text, in input order (see :meth:`predict_proba`)."""
        text_list, target_list, holder_list, _ = _check_items(texts, targets, holders)
        items = self._items(text_list, target_list, holder_list)
        return self._collect(self.iter_proba(items, progress=progress, total=len(items)))

    def _collect(self, chunks: Iterable[inference.Chunk]) -> inference.Chunk:
        """All chunks of a stream as one (an empty one for no rows)."""
        parts = list(chunks)
        if not parts:
            return inference.Chunk(np.zeros((0, len(self.labels)), dtype=np.float32), np.zeros(0, dtype=bool))
        return inference.Chunk(np.concatenate([c.proba for c in parts]), np.concatenate([c.truncated for c in parts]))

    def network_proba(
        self,
        texts: Sequence[str],
        targets: str | Sequence[str] | None = None,
        holders: str | Sequence[str | None] | None = None,
        *,
        progress: bool = False,
    ) -> np.ndarray:
        """The network's own probabilities: temperature 1, no n-gram experts, no label bias.

        What a teacher gives for knowledge distillation (``DataSpec.teacher``); for scoring use
        :meth:`predict_proba`, which applies the model's calibration and experts.
        """
        text_list, target_list, holder_list, _ = _check_items(texts, targets, holders)
        items = self._items(text_list, target_list, holder_list)
        return self._collect(self._network_proba(items, progress=progress, total=len(items), temperature=1.0)).proba

    @overload
    def predict_proba(
        self, texts: str, targets: str | None = ..., holders: str | None = ..., *, progress: bool = ...
    ) -> np.ndarray: ...
    @overload
    def predict_proba(
        self,
        texts: Sequence[str],
        targets: str | Sequence[str] | None = ...,
        holders: str | Sequence[str | None] | None = ...,
        *,
        progress: bool = ...,
    ) -> np.ndarray: ...
    def predict_proba(self, texts, targets=None, holders=None, *, progress=False):
        """Class probabilities.

        Args:
            texts: one string or a sequence of strings.
            targets: stance models only: one target for every text, or one per text.
            holders: who holds the stance toward the target (holder-aware models such as ``"directed"``): one
                holder for every text, or one per text, where None scores that text without a holder (the
                stance the text itself expresses).
            progress: show a progress bar.

        Returns:
            Array of shape ``(n, len(self.labels))`` (``(len(labels),)`` for a single string), rows summing to 1.
        """
        proba = self.score(texts, targets, holders, progress=progress).proba
        return proba[0] if isinstance(texts, str) else proba

    @overload
    def predict(  # type: ignore[overload-overlap]  # a str is also a Sequence[str]; str wins
        self, texts: str, targets: str | None = ..., holders: str | None = ..., *, progress: bool = ...
    ) -> str: ...
    @overload
    def predict(
        self,
        texts: Sequence[str],
        targets: str | Sequence[str] | None = ...,
        holders: str | Sequence[str | None] | None = ...,
        *,
        progress: bool = ...,
    ) -> list[str]: ...
    def predict(self, texts, targets=None, holders=None, *, progress=False):
        """Most probable label per text; a single string in gives a single label out."""
        proba = self.predict_proba(texts, targets, holders, progress=progress)
        if isinstance(texts, str):
            return self.labels[int(np.argmax(proba))]
        return [self.labels[i] for i in np.argmax(proba, axis=1)]

    def __repr__(self) -> str:
        return (
            f"Classifier(task={self.spec.task!r}, labels={self.labels}, backbone={self.spec.backbone!r}, "
            f"device={str(self.device)!r}, dtype={_dtype_name(self.dtype)!r}, backend={self.backend!r})"
        )


def _dtype_name(dtype: torch.dtype) -> str:
    return "int8" if dtype == torch.qint8 else str(dtype).replace("torch.", "")


def load(
    name_or_path: str | os.PathLike[str] = "stance",
    *,
    device: str = "auto",
    dtype: str = "auto",
    backend: str = "auto",
    allow_pickle: bool = False,
    experts: bool = True,
) -> Classifier:
    """Load a shipped model by name (``"stance"``, ``"sentiment"``, ``"directed"``) or a model folder by path.

    ``device`` (auto/cpu/cuda), ``dtype`` (auto/float32/bfloat16/float16/int8) and ``backend`` (auto/torch/onnx)
    choose how it runs; the defaults are the fastest settings that keep float32's labels (>= 99.5% agreement:
    bfloat16 PyTorch on CUDA and on CPUs that multiply bf16 natively, ONNX Runtime float32 on other CPUs). See
    :meth:`Classifier.from_pretrained` for what is refused (pickles, custom code, damaged weights).
    ``experts=False`` leaves out the model's n-gram experts, if it has any (:mod:`stancekit.ngram`), so that every
    row is scored by the network alone.

    Example:
        >>> clf = load("stance")                                              # doctest: +SKIP
        >>> clf.predict("Armenia might leave the CSTO.", targets="CSTO")      # doctest: +SKIP
        'against'
    """
    return Classifier.from_pretrained(
        name_or_path, device=device, dtype=dtype, backend=backend, allow_pickle=allow_pickle, experts=experts
    )
