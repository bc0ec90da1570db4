"""One error hierarchy: every error stancekit raises on purpose is a :class:`StancekitError`.

Each class also keeps the standard-library base callers already catch (``InputError`` is a ``ValueError``,
``DataNotFoundError`` a ``FileNotFoundError``, ...), so ``except ValueError`` keeps working. The command line turns
exactly these into a one-line message with exit status 2; any other exception is a bug and shows its traceback.
Modelled on scikit-learn's ``sklearn/exceptions.py``.

- :class:`ConfigError`: a training, soup or load option is invalid (names the option and the allowed values).
- :class:`LeakageError`: a step would use rows it must not (a test split for training, validation, calibration,
  experts or selection; validating on rows that are trained on).
- :class:`InputError`: a file or value cannot be scored as given (names the file, row and column).
- :class:`ModelNotFoundError`, :class:`ModelLoadError`, :class:`UnsafeModelError`: model folders.
- :class:`BackboneNotFoundError`: a backbone name or its package is missing.
- :class:`DataNotFoundError`: the corpus folder (``STANCEKIT_DATA``) or one of its files is missing.
- :class:`MissingDependencyError`: an optional extra is not installed (says what to ``pip install``).
- :class:`OutputExistsError`: an output exists (pass ``force=True`` / ``--force``).
- :class:`OutputLockedError`: another live run is writing the same output.
"""

from __future__ import annotations


class StancekitError(Exception):
    """Base class of every error stancekit raises on purpose."""


class ConfigError(StancekitError, ValueError):
    """An option is invalid: unknown name, value out of range, or a combination that cannot run."""


class LeakageError(ConfigError):
    """A step would read rows it must not: a test split outside evaluation, or validation rows that are trained on."""


class InputError(StancekitError, ValueError):
    """A file or value cannot be scored as given (format, encoding, columns); the message names file, row, column."""


class ModelNotFoundError(StancekitError, LookupError):
    """A model name is unknown, or a folder is not a model folder."""


class ModelLoadError(StancekitError, ValueError):
    """A model folder is damaged: truncated or corrupted weights, missing tensors, an unreadable config."""


class UnsafeModelError(ModelLoadError):
    """A model folder would need pickle loading or custom code, which stancekit refuses unless told otherwise."""


class BackboneNotFoundError(StancekitError, LookupError):
    """A backbone name is unknown, or the package that carries its weights is not installed."""


class DataNotFoundError(StancekitError, FileNotFoundError):
    """The corpus folder (``STANCEKIT_DATA``) or one of its files is missing."""


class MissingDependencyError(StancekitError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class OutputExistsError(StancekitError, FileExistsError):
    """An output (or an interrupted run's saved chunks) exists and would be overwritten; pass force / --force."""


class OutputLockedError(OutputExistsError):
    """Another live run is writing the same output (it holds the lock on that output's partial folder)."""


class UnknownDatasetError(ConfigError, KeyError):
    """No registered corpus has that name (a ``KeyError`` too, as a registry lookup)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
