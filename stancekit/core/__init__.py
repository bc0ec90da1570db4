"""The core layer: what every other layer may use, importing nothing of stancekit's own above it.

Version, the error hierarchy, label vocabularies, metrics, probability arithmetic, hashing, text (sentences,
targets and their aliases), hardware checks, progress reporting and provenance.
"""
