"""Writing an analysis to files: the sentence table, the summary, the HTML report and the heat map."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from stancekit.analysis.report import heatmap_png, write_report
from stancekit.core.text import TargetsLike
from stancekit.io.tables import TableWriter

PathLike = str | os.PathLike[str]


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with its ``decisive`` sentences as JSON text, so that any table format can hold it."""
    return summary.assign(decisive=[json.dumps(d, ensure_ascii=False) for d in summary["decisive"]])


def write_outputs(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    output: PathLike | None = None,
    summary_path: PathLike | None = None,
    report: PathLike | None = None,
    png: PathLike | None = None,
    title: str | None = None,
    targets: TargetsLike | None = None,
    models: str | None = None,
) -> list[str]:
    """Write whichever outputs are given (format from each extension); returns one line per file written."""
    lines = []
    if output is not None:
        with TableWriter(output) as w:
            w.write(table)
        lines.append(f"wrote {len(table)} rows to {output}")
    if summary_path is not None:
        with TableWriter(summary_path) as w:
            w.write(summary_table(summary))
        lines.append(f"wrote the summary ({len(summary)} rows) to {summary_path}")
    if report is not None:
        write_report(table, report, title=title, targets=targets, png=png, models=models)
        lines.append(f"wrote the report to {report}" + (f" and the heat map to {png}" if png else ""))
    elif png is not None:
        heatmap_png(table, Path(png))
        lines.append(f"wrote the heat map to {png}")
    return lines
