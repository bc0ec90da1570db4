"""Export: a stancekit model as a standalone Hugging Face folder that plain ``transformers`` loads offline.

A stancekit folder holds a delta over a backbone package, and its head (temperature, label bias, n-gram experts)
lives outside the network. :func:`export_folder` writes what ``AutoModelForSequenceClassification`` and
``pipeline("text-classification")`` read: ``model.safetensors`` (every tensor, float32), ``config.json`` (the
network's own architecture, ``id2label``), the tokenizer (``model_max_length`` = the model's ``max_length``) and a
model card (``README.md``, written with ``huggingface_hub.ModelCard``).

The temperature and the label bias are folded into the classifier layer: ``softmax(z / T + c)`` with
``z = W h + b`` is ``softmax(W' h + b')`` with ``W' = W / T`` and ``b' = b / T + c`` (:func:`fold_calibration`), so
the export's probabilities are stancekit's network path (``stancekit.load(..., experts=False)``). The n-gram
experts cannot travel (they are TF-IDF + SVM models, not tensors of the network); the card says so.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import logging
from pathlib import Path
from typing import Any

import torch
import yaml
from transformers import PreTrainedModel

from stancekit.core.deps import require
from stancekit.core.errors import ConfigError, ModelLoadError, OutputExistsError
from stancekit.core.hashing import sha256_file
from stancekit.core.labels import first_segment
from stancekit.core.text import Target, mark_entities
from stancekit.core.version import __version__
from stancekit.io.paths import check_writable_folder
from stancekit.model import experts as ngram
from stancekit.model.backbones import BACKBONES
from stancekit.model.folder import DELTA_WEIGHTS, FULL_WEIGHTS, read_json, update_json
from stancekit.model.spec import ModelSpec

logger = logging.getLogger(__name__)

CARD_TEMPLATE = "export_card.md.j2"
#: Files of a stancekit folder that have no place in an export (left over in a reused output folder).
STANCEKIT_ONLY = (DELTA_WEIGHTS, ngram.JSON_FILE, ngram.WEIGHTS_FILE, "metrics.json", "training_config.yaml")
#: What the card's example scores: a sentence, its target and a holder named through an alias.
EXAMPLE_TEXT = "Armenia might leave the CSTO, Pashinyan said."
EXAMPLE_TARGET = Target("CSTO")
EXAMPLE_HOLDER = Target("Armenia", ("Pashinyan",))
_TASK_TAGS = {"stance": "stance-detection", "sentiment": "sentiment-analysis"}


def classifier_layer(model: PreTrainedModel) -> torch.nn.Linear:
    """The linear layer that gives the logits: the last ``nn.Linear`` with ``num_labels`` outputs outside the
    encoder (``classifier`` in BERT, ``classifier.out_proj`` in RoBERTa and MPNet).

    Raises:
        ModelLoadError: the network has no such layer.
    """
    n_labels = int(model.config.num_labels or 0)
    encoder = model.base_model_prefix + "."
    layers = [
        module
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module.out_features == n_labels and not name.startswith(encoder)
    ]
    if not layers:
        raise ModelLoadError(f"{type(model).__name__} has no linear output layer with {n_labels} outputs to fold into")
    return layers[-1]


def fold_calibration(model: PreTrainedModel, spec: ModelSpec) -> None:
    """Fold ``spec``'s temperature and label bias into ``model``'s classifier layer, in place.

    Dividing the logits by T and adding a per-label offset c is an affine map of the logits, so the layer
    ``z = W h + b`` becomes ``W' = W / T``, ``b' = b / T + c`` (computed in float64, stored in the layer's dtype).

    Raises:
        ModelLoadError: the layer has no bias while the label bias is not zero.
    """
    layer = classifier_layer(model)
    scale = 1.0 / spec.temperature
    shift = torch.tensor(spec.bias_vector(), dtype=torch.float64)
    if layer.bias is None and bool(shift.any()):
        raise ModelLoadError("the classifier layer has no bias, so the label bias cannot be folded into it")
    with torch.no_grad():
        layer.weight.copy_((layer.weight.double() * scale).to(layer.weight.dtype))
        if layer.bias is not None:
            layer.bias.copy_((layer.bias.double() * scale + shift).to(layer.bias.dtype))


def input_example(spec: ModelSpec) -> dict[str, str] | str:
    """The pipeline input of the card's example row: ``{"text": first segment, "text_pair": text}`` for a stance
    model (the target, or ``holder [SEP] target``; the text with its mentions marked for an entity-marker model),
    exactly as stancekit's ``Classifier.item`` and tokenizer call build it; the text alone for sentiment."""
    if not spec.is_pair:
        return EXAMPLE_TEXT
    holder = EXAMPLE_HOLDER if spec.uses_holder else None
    text = mark_entities(EXAMPLE_TEXT, holder, EXAMPLE_TARGET) if spec.entity_markers else EXAMPLE_TEXT
    return {"text": first_segment(EXAMPLE_TARGET.name, None if holder is None else holder.name), "text_pair": text}


def export_folder(
    model: Any,
    tokenizer: Any,
    spec: ModelSpec,
    directory: str | Path,
    *,
    source: Path | None = None,
    experts: ngram.NgramExperts | None = None,
    force: bool = False,
) -> Path:
    """Write the standalone Hugging Face folder of a network (``model`` itself is left unchanged).

    Args:
        model, tokenizer, spec: the network (a ``transformers`` sequence-classification model), its tokenizer
            and its spec (temperature and label bias are folded).
        directory: the output folder, created if missing; an existing non-empty one needs ``force``.
        source: the stancekit folder the model was loaded from (its card's metadata and ``training_config.yaml``
            fill the export's card; its n-gram experts are named as left out).
        experts: the model's n-gram experts, if loaded (named in the card as left out).
        force: write into a non-empty folder (stancekit-only files left there are removed).

    Returns:
        The folder.

    Raises:
        OutputExistsError: the folder is not empty and ``force`` is False.
        ConfigError: the folder is ``source`` itself.
    """
    out = _prepare_output(Path(directory), source, force=force)
    net = _float32_copy(model)
    fold_calibration(net, spec)
    net.save_pretrained(out, safe_serialization=True)  # records architectures = the network's own class
    exported = ModelSpec.from_dict(
        {**spec.to_dict(), "weights": "full", "temperature": 1.0, "label_bias": {}, "weights_sha256": None}
    )
    exported.weights_sha256 = sha256_file(out / FULL_WEIGHTS)
    left_out = _expert_targets(source, experts)
    provenance = {
        "source": None if source is None else source.name,
        "stancekit_version": __version__,
        "folded_temperature": spec.temperature,
        "folded_label_bias": dict(spec.label_bias),
        "experts_left_out": left_out,
    }
    update_json(out / "config.json", {"stancekit": exported.to_dict(), "stancekit_export": provenance})
    tokenizer.save_pretrained(out)
    # pipeline(..., truncation=True) then cuts where stancekit does
    update_json(out / "tokenizer_config.json", {"model_max_length": spec.max_length})
    card = export_card(spec, out.name, source=source, experts_left_out=left_out)
    card.save(out / "README.md")
    return out


def _prepare_output(out: Path, source: Path | None, *, force: bool) -> Path:
    if source is not None and out.resolve() == Path(source).resolve():
        raise ConfigError(f"{out}: cannot export a model into its own folder; give another output folder")
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise OutputExistsError(f"{out}: folder exists and is not empty (pass force=True / --force to overwrite)")
        for name in STANCEKIT_ONLY:
            (out / name).unlink(missing_ok=True)
    existing = next(folder for folder in (out, *out.resolve().parents) if folder.exists())
    check_writable_folder(existing, "output folder", for_path=out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _float32_copy(model: Any) -> Any:
    if any(p.dtype != torch.float32 for p in model.parameters()):
        logger.warning(
            "exporting a network held in %s: load the model with dtype='float32' for the exact weights",
            next(model.parameters()).dtype,
        )
    return copy.deepcopy(model).to("cpu", torch.float32).eval()


def _expert_targets(source: Path | None, experts: ngram.NgramExperts | None) -> list[str]:
    """The targets of the model's n-gram experts (loaded, or in the source folder), which the export lacks."""
    if experts is None and source is not None and (source / ngram.JSON_FILE).is_file():
        try:
            doc = read_json(source / ngram.JSON_FILE)
            return [str(e["target"]) for e in doc.get("experts", [])]
        except (ModelLoadError, KeyError, TypeError):
            return ["(unreadable ngram.json)"]
    return [] if experts is None else list(experts.targets)


# ---------------------------------------------------------------------------------------------------------------
# The card
# ---------------------------------------------------------------------------------------------------------------


def export_card(spec: ModelSpec, name: str, *, source: Path | None = None, experts_left_out: list[str]) -> Any:
    """The export's card, a ``huggingface_hub.ModelCard``: a metadata header a hub reads (``base_model``,
    ``datasets``, ``license`` and the ``model-index`` carried over from the source folder's card; test scores only
    where the model has no n-gram experts, since the export scores without them) and a body from the template
    ``stancekit/templates/export_card.md.j2`` (how to feed it, what was folded, what did not travel)."""
    from huggingface_hub import ModelCard, ModelCardData

    src = _source_metadata(source)
    trained_here = source is not None and (source / "training_config.yaml").is_file()
    backbone = BACKBONES.get(spec.backbone or "")
    results = src.get("eval_results") if not experts_left_out else None
    task_tag = _TASK_TAGS.get(spec.task, spec.task)
    tags = list(dict.fromkeys([*(src.get("tags") or []), "stancekit", "text-classification", task_tag]))
    data = ModelCardData(
        language=src.get("language") or ("en" if trained_here else None),
        license=src.get("license") or ("mit" if trained_here else None),
        library_name="transformers",
        pipeline_tag="text-classification",
        tags=[t for t in tags if t != "stancekit-export"] + ["stancekit-export"],
        base_model=src.get("base_model") or (backbone.hub_id if backbone else None),
        datasets=src.get("datasets") or _trained_datasets(source) or None,
        metrics=src.get("metrics") if results else None,
        eval_results=results or None,
        model_name=name if results else None,
    )
    body = _template().render(
        name=name,
        source=None if source is None else source.name,
        spec=spec,
        example=input_example(spec),
        experts=experts_left_out,
        scores_dropped=bool(src.get("eval_results")) and not results,
        base_model=data.base_model,
        version=__version__,
    )
    return ModelCard(f"---\n{data.to_yaml()}\n---\n{body}")


def _source_metadata(source: Path | None) -> dict[str, Any]:
    """The metadata fields of the source folder's card (empty without one)."""
    from huggingface_hub import ModelCard

    readme = None if source is None else source / "README.md"
    if readme is None or not readme.is_file():
        return {}
    try:
        data = ModelCard.load(readme, ignore_metadata_errors=True).data
    except (OSError, ValueError) as exc:
        logger.warning("%s: cannot read the card's metadata (%s)", readme, exc)
        return {}
    fields = ("language", "license", "tags", "base_model", "datasets", "metrics", "eval_results")
    return {key: getattr(data, key, None) for key in fields}


def _trained_datasets(source: Path | None) -> list[str]:
    """The corpus names of the source folder's ``training_config.yaml`` training sources."""
    path = None if source is None else source / "training_config.yaml"
    if path is None or not path.is_file():
        return []
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    train = config.get("train") if isinstance(config, dict) else None
    names = [s.get("name") for s in train or [] if isinstance(s, dict)]
    return list(dict.fromkeys(str(n) for n in names if n))


def _template() -> Any:
    jinja2 = require("jinja2", "train", purpose="the exported model card")

    text = importlib.resources.files("stancekit").joinpath("templates", CARD_TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )  # Markdown, not HTML: no autoescape
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env.from_string(text)
