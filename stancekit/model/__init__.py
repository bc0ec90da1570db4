"""The model layer: model folders (read safely, written compactly), the spec, backbones, the n-gram experts at
inference, the head that turns logits into probabilities, and the :class:`Classifier`."""

from stancekit.model.classifier import Classifier, load
from stancekit.model.folder import MODEL_NAMES, models_dir, resolve_model_path
from stancekit.model.options import LoadOptions
from stancekit.model.spec import ModelSpec

__all__ = ["MODEL_NAMES", "Classifier", "LoadOptions", "ModelSpec", "load", "models_dir", "resolve_model_path"]
