"""Model folders on disk: where named models live, reading one safely, writing one, and updating its files.

A folder is a Hugging Face folder: ``config.json`` (with ``id2label`` and a ``stancekit`` block, see
:class:`~stancekit.model.spec.ModelSpec`), safetensors weights (``delta.safetensors``, only the tensors that
differ from an installed backbone package, or a full ``model.safetensors``), tokenizer files, optional n-gram
experts, ``metrics.json`` and a card. Only safetensors are read, never code; every tensor must be accounted for.
A plain Hugging Face sequence-classification folder (no ``stancekit`` block) is read too (:func:`plain_spec`).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import logging
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel

from stancekit.core.errors import (
    BackboneNotFoundError,
    ConfigError,
    ModelLoadError,
    ModelNotFoundError,
    UnsafeModelError,
)
from stancekit.core.hashing import sha256_file
from stancekit.core.labels import TASK_LABELS
from stancekit.model import checks
from stancekit.model import experts as ngram
from stancekit.model.backbones import backbone_path
from stancekit.model.spec import ModelSpec

logger = logging.getLogger(__name__)

DELTA_WEIGHTS = "delta.safetensors"
FULL_WEIGHTS = "model.safetensors"
SHARD_INDEX = "model.safetensors.index.json"  # a full network saved in several safetensors files
#: Short names resolved by :func:`resolve_model_path`, relative to the models folder.
MODEL_NAMES = {
    "stance": "stance-minilm",
    "sentiment": "sentiment-minilm",
    "directed": "directed-minilm",
    "news": "news-mpnet",
}
#: The document model (the default of ``analyze``).
DOCUMENT_MODEL = "news"
PICKLE_PATTERNS = ("*.bin", "*.pkl", "*.pickle", "*.pt", "*.pth", "*.ckpt", "*.joblib")
#: The package that carries the shipped model folders in a wheel (the repository's ``models/`` folder).
MODELS_PACKAGE = "stancekit_models"


def models_dir() -> Path:
    """Where named models live: ``$STANCEKIT_MODELS`` if set, else the installed ``stancekit_models`` package
    (the repository's ``models/`` folder, shipped in the wheel), else ``models/`` beside a source checkout."""
    env = os.environ.get("STANCEKIT_MODELS")
    if env:
        return Path(env)
    if importlib.util.find_spec(MODELS_PACKAGE) is not None:
        return Path(str(importlib.resources.files(MODELS_PACKAGE)))
    return Path(__file__).resolve().parents[2] / "models"


def resolve_model_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Turn ``"stance"``, ``"stance-minilm"`` or a folder path into a model folder.

    Raises:
        ModelNotFoundError: nothing by that name, or the folder has no config.json.
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


def document_model(holder: bool = True) -> str:
    """The default model of a document analysis: ``"news"`` (holder-aware stance on all-mpnet-base-v2, which also
    reads a text's own stance when no holder is given) where its folder and its backbone are installed; else the
    MiniLM model for the job, ``"directed"`` with a ``holder``, ``"stance"`` without, with a warning naming the
    setup step (``make backbones``), so that an analysis never fails for want of the larger model."""
    fallback = "directed" if holder else "stance"
    try:
        folder = resolve_model_path(DOCUMENT_MODEL)
        backbone = read_json(folder / "config.json").get("stancekit", {}).get("backbone")
        if backbone:
            backbone_path(str(backbone))
    except (ModelNotFoundError, ModelLoadError, BackboneNotFoundError) as exc:
        logger.warning("the news document model is not available (%s); analysing with %r", exc, fallback)
        return fallback
    return DOCUMENT_MODEL


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; anything else is a :class:`ModelLoadError` naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    return data


def update_json(path: Path, changes: dict[str, Any], *, block: str | None = None) -> dict[str, Any]:
    """Merge ``changes`` into the JSON object in ``path`` (or into its ``block`` sub-object) and write it back
    (via a temporary file, so a crash never leaves half a file). A missing file starts empty. Returns the object.

    The one updater of a model folder's ``config.json`` (``block="stancekit"``) and ``metrics.json``.
    """
    data = read_json(path) if path.is_file() else {}
    target = data.setdefault(block, {}) if block else data
    target.update(changes)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return data


def _refuse_custom_code(path: Path, config: dict[str, Any], name: str = "config.json") -> None:
    if "auto_map" in config:
        raise UnsafeModelError(
            f"{path}/{name} asks for custom code (auto_map: {config['auto_map']}); stancekit never runs code "
            "from a model folder (trust_remote_code is never enabled)"
        )


def _refuse_pickles(path: Path) -> None:
    pickles = sorted(p.name for pattern in PICKLE_PATTERNS for p in path.glob(pattern))
    if pickles:
        raise UnsafeModelError(
            f"{path} contains pickle file(s) {pickles}. Loading a pickle can run arbitrary code hidden in it, "
            "so stancekit loads only safetensors weights. Delete the file(s) if the folder also has "
            ".safetensors weights, convert them (load with torch.load(weights_only=True), save with "
            "safetensors.torch.save_file), or, only if you trust where the folder came from, pass "
            "allow_pickle=True (--allow-pickle)."
        )


def read_safetensors(path: Path, expected_sha256: str | None = None) -> dict[str, torch.Tensor]:
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


def _read_shards(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a sharded ``model.safetensors`` (``model.safetensors.index.json`` names the shard files)."""
    weight_map = read_json(path / SHARD_INDEX).get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise ModelLoadError(f"{path}/{SHARD_INDEX}: no weight_map")
    out: dict[str, torch.Tensor] = {}
    for shard in sorted(set(map(str, weight_map.values()))):
        if Path(shard).name != shard or not (path / shard).is_file():
            raise ModelLoadError(f"{path}/{SHARD_INDEX} names a shard that is not in the folder: {shard!r}")
        out.update(read_safetensors(path / shard))
    return out


def _read_pickled(pickled: Path) -> dict[str, torch.Tensor]:
    logger.warning("%s: loading pickled weights (allow_pickle=True) with the weights-only unpickler", pickled)
    try:
        state = torch.load(pickled, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unpickling failure: corrupt file or forbidden object
        raise ModelLoadError(f"{pickled}: cannot load ({exc})") from exc
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelLoadError(f"{pickled}: not a state dict of tensors")
    return dict(state)


def _stored_weights(path: Path, spec: ModelSpec, *, allow_pickle: bool) -> dict[str, torch.Tensor]:
    name = DELTA_WEIGHTS if spec.weights == "delta" else FULL_WEIGHTS
    if (path / name).is_file():
        return read_safetensors(path / name, spec.weights_sha256)
    if spec.weights == "full" and (path / SHARD_INDEX).is_file():
        return _read_shards(path)
    if allow_pickle and spec.weights == "full" and (path / "pytorch_model.bin").is_file():
        return _read_pickled(path / "pytorch_model.bin")
    raise ModelNotFoundError(f"{path} has no {name} (only safetensors weights are loaded)")


def _full_state(path: Path, spec: ModelSpec, model: PreTrainedModel, *, allow_pickle: bool) -> dict[str, Any]:
    """Every tensor of ``model``'s state, from the folder (and, for a delta folder, its backbone package)."""
    state = model.state_dict()
    weights = _stored_weights(path, spec, allow_pickle=allow_pickle)
    prefix = model.base_model_prefix + "."
    if spec.weights == "delta":
        base = read_safetensors(backbone_path(str(spec.backbone)) / FULL_WEIGHTS)
        base = {(k if k in state else prefix + k): v for k, v in base.items()}
        weights = _add_low_rank(path, weights, base)
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
    return weights


def _add_low_rank(
    path: Path, weights: dict[str, torch.Tensor], base: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The delta's low-rank factor pairs (``KEY.delta_u``, ``KEY.delta_v``) turned into ``KEY = base + U @ V``."""
    u_suffix, v_suffix = LOW_RANK_SUFFIXES
    out = {k: v for k, v in weights.items() if not k.endswith(LOW_RANK_SUFFIXES)}
    for key in [k[: -len(u_suffix)] for k in weights if k.endswith(u_suffix)]:
        u, v = weights[key + u_suffix], weights.get(key + v_suffix)
        ref = base.get(key)
        if v is None or ref is None or (u.shape[0], v.shape[1]) != tuple(ref.shape) or u.shape[1] != v.shape[0]:
            raise ModelLoadError(f"{path}: low-rank delta of {key} does not fit the backbone's tensor")
        out[key] = ref.float() + u.float() @ v.float()
    return out


def _copy_weights(path: Path, model: PreTrainedModel, weights: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            value = weights[key]
            if tuple(value.shape) != tuple(tensor.shape):
                raise ModelLoadError(
                    f"{path}: tensor {key} has shape {tuple(value.shape)}, the network needs {tuple(tensor.shape)}"
                )
            tensor.copy_(value.to(tensor.dtype))


def read_spec(path: Path, *, allow_pickle: bool, task: str | None = None) -> tuple[ModelSpec, Any]:
    """The folder's :class:`ModelSpec` and its transformers config, after the safety checks.

    A config.json without a ``stancekit`` block is a plain Hugging Face folder: it must name a
    ``...ForSequenceClassification`` architecture; its labels come from ``id2label`` and its task from the label
    names (:func:`plain_spec`) or, where they do not tell, from ``task``.

    Raises:
        ModelNotFoundError: a plain folder that is not a sequence-classification model.
        ConfigError: ``task`` contradicts the folder's, or a plain folder's task cannot be told.
    """
    raw = read_json(path / "config.json")
    _refuse_custom_code(path, raw)
    if not allow_pickle:
        _refuse_pickles(path)
    plain = "stancekit" not in raw
    plain_folder_spec = plain_spec(path, raw, task) if plain else None
    try:
        spec = plain_folder_spec or ModelSpec.from_dict(raw["stancekit"])
        config = AutoConfig.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelLoadError(f"{path}/config.json is not a valid stancekit model config: {exc}") from exc
    if task is not None and task != spec.task:
        raise ConfigError(f"{path} is a {spec.task} model, not a {task} one (task={task!r})")
    if plain:  # its labels may be spelled otherwise ("FAVOR"): the network's config names them as the spec does
        config.id2label = dict(enumerate(spec.labels))
        config.label2id = {name: i for i, name in enumerate(spec.labels)}
    return spec, config


def plain_spec(path: Path, raw: dict[str, Any], task: str | None = None) -> ModelSpec:
    """The :class:`ModelSpec` of a plain Hugging Face sequence-classification folder (no ``stancekit`` block).

    Labels are ``id2label`` in id order. Label names that are a task's own (``favor`` / ``against`` / ``none``,
    or ``negative`` / ``neutral`` / ``positive``, or two of them, in any case and order) tell the task and are
    lower-cased; other names (``LABEL_0``, ...) need ``task`` and are kept as they are. ``max_length``: the
    tokenizer's ``model_max_length``, at most the network's ``max_position_embeddings``.

    Raises:
        ModelNotFoundError: the config names no sequence-classification architecture.
        ConfigError: the labels do not tell the task and ``task`` is None, or they are the other task's labels.
    """
    architectures = raw.get("architectures") or []
    if not any(str(a).endswith("ForSequenceClassification") for a in architectures):
        raise ModelNotFoundError(
            f"{path} is neither a stancekit model (config.json has no 'stancekit' block) nor a Hugging Face "
            f"sequence-classification model (architectures: {architectures or 'none'}); stancekit loads only "
            "...ForSequenceClassification networks"
        )
    id2label = raw.get("id2label") or {}
    try:
        labels = tuple(str(id2label[key]) for key in sorted(id2label, key=int))
    except (ValueError, TypeError) as exc:
        raise ModelLoadError(f"{path}/config.json: id2label keys must be label ids 0..n-1 ({exc})") from exc
    told = _task_of_labels(labels)
    if told is not None and task is not None and told != task:
        raise ConfigError(f"{path}: its labels {list(labels)} are {told} labels, not {task} ones (task={task!r})")
    if told is None and task is None:
        raise ConfigError(
            f"{path}: a plain Hugging Face folder whose labels {list(labels)} do not tell the task (stance: favor / "
            "against / none; sentiment: negative / neutral / positive); pass task='stance' or task='sentiment' "
            "to stancekit.load()"
        )
    if told is not None:
        labels = tuple(name.casefold() for name in labels)
    return ModelSpec(task=told or task, labels=labels, max_length=_plain_max_length(path, raw))  # type: ignore[arg-type]


def _task_of_labels(labels: tuple[str, ...]) -> str | None:
    names = {name.casefold() for name in labels}
    if len(names) < 2 or len(names) != len(labels):
        return None
    return next((task for task, known in TASK_LABELS.items() if names <= set(known)), None)


#: A tokenizer without a length limit says so with a huge ``model_max_length`` (transformers' VERY_LARGE_INTEGER).
_NO_LIMIT = 1_000_000


def _plain_max_length(path: Path, raw: dict[str, Any]) -> int:
    limits = [raw.get("max_position_embeddings")]
    if (path / "tokenizer_config.json").is_file():
        limits.append(read_json(path / "tokenizer_config.json").get("model_max_length"))
    known = [int(n) for n in limits if isinstance(n, (int, float)) and 8 <= n < _NO_LIMIT]
    return min(known, default=512)


def read_tokenizer(path: Path, spec: ModelSpec) -> Any:
    """The folder's tokenizer (or, where it has none, its backbone's); one whose vocabulary files are missing is
    a :class:`ModelLoadError` (:func:`~stancekit.model.checks.check_tokenizer_files`)."""
    own = (path / "tokenizer_config.json").is_file() or not spec.backbone  # a plain folder has only its own
    tok_dir = path if own else backbone_path(str(spec.backbone))
    if tok_dir == path and (path / "tokenizer_config.json").is_file():
        _refuse_custom_code(path, read_json(path / "tokenizer_config.json"), "tokenizer_config.json")
    try:
        tokenizer = AutoTokenizer.from_pretrained(tok_dir, local_files_only=True, trust_remote_code=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"{tok_dir}: cannot load the tokenizer: {exc}") from exc
    checks.check_tokenizer_files(tok_dir, tokenizer, has_backbone=bool(spec.backbone))
    return tokenizer


def read_network(path: Path, spec: ModelSpec, config: Any, *, allow_pickle: bool) -> PreTrainedModel:
    """The network with every tensor from the folder (or its backbone package), in eval mode; NaN or inf in the
    final weights (after a delta is added to the backbone) is a :class:`ModelLoadError`."""
    model = AutoModelForSequenceClassification.from_config(config)
    _copy_weights(path, model, _full_state(path, spec, model, allow_pickle=allow_pickle))
    checks.check_finite(path, model)
    return model.eval()


def read_experts(path: Path, spec: ModelSpec) -> ngram.NgramExperts | None:
    """The folder's n-gram experts, or None where it has none."""
    if not (path / ngram.JSON_FILE).is_file():
        return None
    try:
        experts = ngram.NgramExperts.load(path)
    except (OSError, ValueError, KeyError, SafetensorError) as exc:
        raise ModelLoadError(f"{path}: cannot load the n-gram experts ({ngram.JSON_FILE}): {exc}") from exc
    if experts.labels != spec.labels:
        raise ModelLoadError(f"{path}/{ngram.JSON_FILE}: labels {experts.labels} differ from the model's")
    return experts


LOW_RANK_SUFFIXES = (".delta_u", ".delta_v")  # a low-rank delta W - W_backbone = U @ V, stored as two factors


def _low_rank(diff: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(U, V)`` with ``U @ V == diff`` (to float precision) when that takes fewer numbers than ``diff``: the
    update of a LoRA run (rank r) is stored as its factors, a few hundred KB instead of the full matrix."""
    if diff.ndim != 2 or min(diff.shape) < 16:
        return None
    u, sv, vh = torch.linalg.svd(diff.double(), full_matrices=False)
    rank = int((sv > sv[0] * 1e-5).sum()) if sv[0] > 0 else 0
    if rank == 0 or rank * sum(diff.shape) * 2 > diff.numel():
        return None
    root = sv[:rank].sqrt()
    return (u[:, :rank] * root).float(), (root[:, None] * vh[:rank]).float()


def write_weights(model: PreTrainedModel, out: Path, spec: ModelSpec, *, compact: bool, low_rank: bool = False) -> str:
    """Write the network's weights (a float16 delta over the backbone, or full) and config; returns the file name.

    ``low_rank``: a changed matrix whose difference from the backbone has low rank (a LoRA run's) is stored as two
    factors ``KEY.delta_u`` / ``KEY.delta_v``, added back to the backbone's matrix at load.
    """
    if not compact:
        model.save_pretrained(out, safe_serialization=True)
        (out / DELTA_WEIGHTS).unlink(missing_ok=True)
        return FULL_WEIGHTS
    if not spec.backbone:
        raise ModelLoadError("compact saving needs a backbone to store the difference against")
    base = load_file(str(backbone_path(spec.backbone) / FULL_WEIGHTS))
    prefix = model.base_model_prefix + "."
    changed = {}
    for key, value in model.state_dict().items():
        ref = base.get(key)
        if ref is None and key.startswith(prefix):
            ref = base.get(key[len(prefix) :])
        if ref is not None and ref.shape == value.shape and torch.equal(ref.to(value.dtype), value):
            continue
        factors = (
            _low_rank(value.float() - ref.float())
            if low_rank and ref is not None and ref.shape == value.shape
            else None
        )
        if factors is None:
            changed[key] = value.detach().to(torch.float16).contiguous()
        else:
            for suffix, factor in zip(LOW_RANK_SUFFIXES, factors):
                changed[key + suffix] = factor.to(torch.float16).contiguous()
    save_file(changed, str(out / DELTA_WEIGHTS), metadata={"format": "pt", "backbone": spec.backbone})
    (out / FULL_WEIGHTS).unlink(missing_ok=True)
    model.config.architectures = [type(model).__name__]  # what save_pretrained records (not the backbone's)
    model.config.save_pretrained(out)
    return DELTA_WEIGHTS


def write_experts(out: Path, experts: ngram.NgramExperts | None) -> None:
    """Store the experts in the folder, or remove stale expert files when there are none."""
    if experts is not None:
        experts.save(out)
        return
    for stale in (ngram.JSON_FILE, ngram.WEIGHTS_FILE):
        (out / stale).unlink(missing_ok=True)
