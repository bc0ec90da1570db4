"""Loaders for the labelled corpora, each returning a :class:`datasets.Dataset`.

Every loader yields the same columns so that training and evaluation have one code path:

- ``text``: the tweet, sentence or comment;
- ``target``: what the stance is about (``None`` for sentiment corpora);
- ``holder``: who holds the stance (``None`` until a corpus provides it);
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

from stancekit.data._corpora import (
    DATASETS,
    DataNotFoundError,
    DatasetInfo,
    data_root,
    list_datasets,
    load_dataset,
)

__all__ = [
    "DATASETS",
    "DataNotFoundError",
    "DatasetInfo",
    "data_root",
    "list_datasets",
    "load_dataset",
]
