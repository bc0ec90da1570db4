"""Document analysis: who stands where in each sentence (:func:`analyze`), per document and target
(:func:`summarize`), as text (:mod:`~stancekit.analysis.text_view`) and as an HTML report with a heat map
(:mod:`~stancekit.analysis.report`)."""

from stancekit.analysis.outputs import summary_table, write_outputs
from stancekit.analysis.report import heatmap_png, write_report
from stancekit.analysis.table import analyze, summarize
from stancekit.analysis.text_view import format_sentences, format_summary

__all__ = [
    "analyze",
    "format_sentences",
    "format_summary",
    "heatmap_png",
    "summarize",
    "summary_table",
    "write_outputs",
    "write_report",
]
