"""stancekit: who stands where. Sentence-level stance toward targets, and sentiment, with fast batched inference.

Example:
    >>> import stancekit
    >>> clf = stancekit.load("stance")                                          # doctest: +SKIP
    >>> clf.predict("Armenia might leave the CSTO, Pashinyan said.", targets="CSTO")   # doctest: +SKIP
"""

from stancekit.analysis import analyze
from stancekit.classifier import Classifier, ModelNotFoundError, load
from stancekit.training import TrainingConfig, train

__version__ = "0.1.0"

__all__ = ["Classifier", "ModelNotFoundError", "TrainingConfig", "__version__", "analyze", "load", "train"]
