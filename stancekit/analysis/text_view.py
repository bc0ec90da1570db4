"""The analysis as readable text: every sentence with its labels per target, and the summary per target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 sentence"``, ``"2 sentences"`` (``many``: an irregular plural)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def percent(share: float | None) -> str:
    """A share as a whole percentage that never reads as 0% or 100% when it is not: ``"<1%"``, ``">99%"``."""
    if share is None:
        return "—"
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 < share < 1:
        return ">99%"
    return f"{share:.0%}"


def signed(score: float | None) -> str:
    """A score with its sign (``"+0.42"``, ``"-0.00"`` for a tiny lean against), ``"0.00"`` for no lean at all."""
    if score is None:
        return "—"
    return "0.00" if score == 0 else f"{score:+.2f}"


def share_text(count: int, share: float | None) -> str:
    """A label count with its share: ``"2 (50%)"``."""
    return "—" if share is None else f"{count} ({percent(share)})"


def format_sentences(table: pd.DataFrame, *, n_targets: int, holder: str | None = None, name: str = "") -> str:
    """Each document's sentences, each with ``target: label (confidence)`` per target (``*`` where the sentence
    does not mention the target) and, if present, its sentiment."""
    proba_cols = [c for c in table.columns if c.startswith("p_")]
    several = "document" in table.columns
    out: list[str] = []
    for doc_id, doc_table in table.groupby("document", sort=False) if several else [(None, table)]:
        head = f"{doc_id!s}: " if doc_id is not None else f"{name}: "
        out.append(
            f"{head}{plural(doc_table['sentence_index'].nunique(), 'sentence')} x {plural(n_targets, 'target')}"
            + (f", holder {holder}" if holder else "")
            + "\n"
        )
        for i, group in doc_table.groupby("sentence_index", sort=True):
            rows = group.to_dict("records")
            verdicts = "  ".join(
                f"{r['target']}{'' if r['mentioned'] else '*'}: {r['label']} ({max(r[c] for c in proba_cols):.2f})"
                for r in rows
            )
            senti = f"  | sentiment: {rows[0]['sentiment']}" if "sentiment" in group.columns else ""
            out.append(f"[{i}] {rows[0]['sentence']}\n     {verdicts}{senti}\n")
    out.append("(* = the sentence does not mention that target)\n")
    return "\n".join(out)


def format_summary(summary: pd.DataFrame, holder: str | None = None, *, quotes: int = 2) -> str:
    """The per-document, per-target summary as aligned text, with the most decisive sentences quoted."""
    who = f"{holder} toward " if holder else ""
    lines = [f"Summary: stance of {who}each target, over the sentences that mention it"]
    for rec in summary.to_dict("records"):
        lines += _summary_lines({str(k): v for k, v in rec.items()}, quotes)
    return "\n".join(lines)


def _summary_lines(rec: dict[str, Any], quotes: int) -> Sequence[str]:
    doc = f"{rec['document']}  " if "document" in rec else ""
    sentences = plural(int(rec["sentences"]), "sentence")
    if not rec["mentions"]:
        return [f"  {doc}{rec['target']:<14} not mentioned in {sentences}"]
    mentions = int(rec["mentions"])
    lines = [
        f"  {doc}{rec['target']:<14} {rec['stance']:<8} score {signed(rec['score']):>5}  "
        f"favor {share_text(rec['favor'], rec['share_favor'])}  "
        f"against {share_text(rec['against'], rec['share_against'])}  "
        f"({mentions} of {sentences} {'mentions' if mentions == 1 else 'mention'} it)"
    ]
    for d in rec["decisive"][:quotes]:
        text = d["sentence"] if len(d["sentence"]) <= 110 else d["sentence"][:107] + "..."
        lines.append(f"      [{d['sentence_index']}] {d['label']:<7} {text}")
    return lines
