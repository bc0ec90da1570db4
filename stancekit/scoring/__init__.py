"""Scoring applications: a table in memory (:func:`score_frame`), a file of any size, resumably
(:func:`score_file`), and a dataset on a Ray cluster (:mod:`stancekit.scoring.distributed`, optional extra)."""

from stancekit.scoring.file import ScoreSummary, score_file
from stancekit.scoring.frame import prediction_columns, score_frame
from stancekit.scoring.resume import ScoringInterrupted, partial_dir

__all__ = ["ScoreSummary", "ScoringInterrupted", "partial_dir", "prediction_columns", "score_file", "score_frame"]
