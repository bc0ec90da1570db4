"""stancekit: who stands where. Sentence-level stance toward targets, and sentiment, with fast batched inference.

Example:
    >>> import stancekit
    >>> clf = stancekit.load("stance")                                          # doctest: +SKIP
    >>> clf.predict("Armenia might leave the CSTO, Pashinyan said.", targets="CSTO")   # doctest: +SKIP
    >>> table = stancekit.analyze(article, {"Russia": ["Moscow", "Kremlin"]}, holder="Armenia")   # doctest: +SKIP
    >>> stancekit.summarize(table)                                              # doctest: +SKIP
    >>> stancekit.write_report(table, "report.html", png="heatmap.png")         # doctest: +SKIP

Layers. The package is built in one-way layers; a module imports only from its own layer or the layers below,
never upward (checked in CI by import-linter's ``layers`` contract in ``pyproject.toml``)::

    cli                                   one small module per command: parse, call one library function, print
    fitting | scoring | analysis          make models (train, distil, experts, calibrate, evaluate, card, soup) |
                                          score tables, files and Ray datasets | analyse documents, report
    model                                 model folders, spec, backbones, experts at inference, head, Classifier
    data                                  corpora, training sources, transforms, the test-split guard
    runtime | io                          device/dtype, engines, the batched loop | tables and documents on disk
    core                                  version, errors, labels, metrics, probability math, hashing, text

Siblings separated by ``|`` do not import each other. This module re-exports the user's API and nothing else;
importing it changes no global state.
"""

from stancekit.analysis import analyze, summarize, write_report
from stancekit.core.errors import (
    BackboneNotFoundError,
    ConfigError,
    DataNotFoundError,
    InputError,
    LeakageError,
    MissingDependencyError,
    ModelLoadError,
    ModelNotFoundError,
    StancekitError,
    UnsafeModelError,
)
from stancekit.core.text import Target
from stancekit.core.version import __version__
from stancekit.data.sources import DataSpec
from stancekit.fitting.config import TrainingConfig
from stancekit.fitting.trainer import train
from stancekit.model import Classifier, LoadOptions, load
from stancekit.scoring import score_file, score_frame

__all__ = [
    "BackboneNotFoundError",
    "Classifier",
    "ConfigError",
    "DataNotFoundError",
    "DataSpec",
    "InputError",
    "LeakageError",
    "LoadOptions",
    "MissingDependencyError",
    "ModelLoadError",
    "ModelNotFoundError",
    "StancekitError",
    "Target",
    "TrainingConfig",
    "UnsafeModelError",
    "__version__",
    "analyze",
    "load",
    "score_file",
    "score_frame",
    "summarize",
    "train",
    "write_report",
]
