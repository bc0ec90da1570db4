"""The data layer: loaders for the labelled corpora, training sources, their transforms and the test-split guard.

Every loader yields the same columns so that training and evaluation have one code path:

- ``text``: the tweet, sentence or comment;
- ``target``: what the stance is about (``None`` for sentiment corpora);
- ``holder``: who holds the stance (``None`` where a corpus does not say);
- ``label``: a label name in stancekit's vocabulary (``against``/``favor``/``none`` or
  ``negative``/``neutral``/``positive``);
- ``group``: a sub-population used for per-group scores (the target, or VAST's ``zero-shot``/``few-shot``).

The corpora are never copied into the project: they are read from ``data_dir`` or, by default, from the
directory named by the ``STANCEKIT_DATA`` environment variable.

Example:
    >>> from stancekit.data import load_dataset
    >>> ds = load_dataset("semeval2016", "test")      # doctest: +SKIP
    >>> ds.num_rows                                      # doctest: +SKIP
    1249
"""

from __future__ import annotations

from stancekit.core.errors import DataNotFoundError
from stancekit.data.corpora import DATASETS, DatasetInfo, data_root, dataset_info, list_datasets, load_dataset
from stancekit.data.guards import refuse_held_out
from stancekit.data.sources import DataSpec, load_source

__all__ = [
    "DATASETS",
    "DataNotFoundError",
    "DataSpec",
    "DatasetInfo",
    "data_root",
    "dataset_info",
    "list_datasets",
    "load_dataset",
    "load_source",
    "refuse_held_out",
]
