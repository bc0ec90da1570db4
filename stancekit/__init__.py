"""stancekit: who stands where. Sentence-level stance toward targets, and sentiment, with fast batched inference.

Example:
    >>> import stancekit
    >>> clf = stancekit.load("stance")                                          # doctest: +SKIP
    >>> clf.predict("Armenia might leave the CSTO, Pashinyan said.", targets="CSTO")   # doctest: +SKIP
"""

__version__ = "0.1.0"

from stancekit.analysis import analyze  # after __version__, which submodules read
from stancekit.classifier import Classifier, ModelLoadError, ModelNotFoundError, UnsafeModelError, load
from stancekit.training import TrainingConfig, train

__all__ = [
    "Classifier",
    "ModelLoadError",
    "ModelNotFoundError",
    "TrainingConfig",
    "UnsafeModelError",
    "__version__",
    "analyze",
    "load",
    "train",
]
