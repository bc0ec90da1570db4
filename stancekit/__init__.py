"""stancekit: who stands where. Sentence-level stance toward targets, and sentiment, with fast batched inference.

Example:
    >>> import stancekit
    >>> clf = stancekit.load("stance")                                          # doctest: +SKIP
    >>> clf.predict("Armenia might leave the CSTO, Pashinyan said.", targets="CSTO")   # doctest: +SKIP
    >>> table = stancekit.analyze(article, {"Russia": ["Moscow", "Kremlin"]}, holder="Armenia")   # doctest: +SKIP
    >>> stancekit.summarize(table)                                              # doctest: +SKIP
    >>> stancekit.write_report(table, "report.html", png="heatmap.png")         # doctest: +SKIP
"""

__version__ = "0.1.0"

from stancekit.analysis import analyze, summarize  # after __version__, which submodules read
from stancekit.classifier import Classifier, ModelLoadError, ModelNotFoundError, UnsafeModelError, load
from stancekit.report import write_report
from stancekit.text import Target
from stancekit.training import TrainingConfig, train

__all__ = [
    "Classifier",
    "ModelLoadError",
    "ModelNotFoundError",
    "Target",
    "TrainingConfig",
    "UnsafeModelError",
    "__version__",
    "analyze",
    "load",
    "summarize",
    "train",
    "write_report",
]
