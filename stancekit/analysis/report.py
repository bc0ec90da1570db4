"""A report a person can read at a glance: a self-contained HTML page (summary, sentence x target heat map,
decisive sentences highlighted) and a PNG of the heat map, drawn from an :func:`stancekit.analyze` table.

The page loads nothing from the network: styles and its one small script are inline, the heat map is an
embedded PNG. Rendering uses Jinja2 with autoescaping, so document text cannot inject markup.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancekit.analysis.table import summarize
from stancekit.analysis.text_view import plural, share_text, signed
from stancekit.core.deps import require
from stancekit.core.text import Target, TargetsLike, parse_targets
from stancekit.core.version import __version__

if TYPE_CHECKING:
    import pandas as pd

_FAVOR = (0x21, 0x66, 0xAC)
_AGAINST = (0xB2, 0x18, 0x2B)
_BAR_COLORS = {"favor": "var(--favor)", "against": "var(--against)"}  # mixed / none: grey


def _frame(table: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    needed = {"sentence_index", "sentence", "target", "mentioned", "label", "p_favor", "p_against", "p_none"}
    missing = needed - set(frame.columns)
    if missing:
        raise ValueError(f"not an analyze() table: missing column(s) {sorted(missing)}")
    if frame.empty:
        raise ValueError("the table is empty: nothing to report")
    return frame


def _documents(frame: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    if "document" not in frame.columns:
        return [(None, frame)]
    return [(str(doc), part) for doc, part in frame.groupby("document", sort=False)]


def _grid(part: pd.DataFrame, targets: list[str]) -> tuple[Any, Any, list[int]]:
    """(margin, mentioned) arrays of shape (sentences, targets) and the sentence indices, in order."""
    import numpy as np

    idx = sorted(part["sentence_index"].unique().tolist())
    pos = {s: i for i, s in enumerate(idx)}
    col = {t: j for j, t in enumerate(targets)}
    margin = np.zeros((len(idx), len(targets)))
    mentioned = np.zeros((len(idx), len(targets)), dtype=bool)
    columns = ("sentence_index", "target", "p_favor", "p_against", "mentioned")
    rows: list[list[Any]] = [part[c].tolist() for c in columns]
    for s_idx, target, p_favor, p_against, mention in zip(*rows):
        i, j = pos[s_idx], col[target]
        margin[i, j] = p_favor - p_against
        mentioned[i, j] = bool(mention)
    return margin, mentioned, idx


def heatmap_png(
    table: pd.DataFrame | Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str] | None = None,
    *,
    document: str | None = None,
    title: str | None = None,
) -> bytes:
    """Draw the sentence x target heat map of ``p_favor - p_against`` (blue favor, red against).

    Cells of sentences that do not mention the target are drawn faded. With several documents, pass
    ``document=`` to pick one (default: the first).

    Returns:
        The PNG bytes; also written to ``path`` when given.
    """
    TwoSlopeNorm = require("matplotlib.colors", "report", purpose="the heat map").TwoSlopeNorm
    Figure = require("matplotlib.figure", "report", purpose="the heat map").Figure

    frame = _frame(table)
    docs = _documents(frame)
    if document is not None:
        docs = [(d, p) for d, p in docs if d == document]
        if not docs:
            raise ValueError(f"no document {document!r} in the table")
    _, part = docs[0]
    targets = list(dict.fromkeys(part["target"]))
    margin, mentioned, idx = _grid(part, targets)
    n = len(idx)
    height = min(2.0 + 0.22 * n, 60.0)
    fig = Figure(figsize=(2.2 + 1.3 * len(targets), height), dpi=100)
    ax = fig.add_subplot()
    alpha = mentioned * 0.65 + 0.35  # faded where the target is not mentioned
    image = ax.imshow(
        margin, cmap="RdBu", norm=TwoSlopeNorm(0.0, -1.0, 1.0), aspect="auto", alpha=alpha, interpolation="nearest"
    )
    ax.set_xticks(range(len(targets)), targets, rotation=30, ha="right")
    step = max(1, n // 60)
    ax.set_yticks(range(0, n, step), [str(i) for i in idx[::step]])
    ax.set_ylabel("sentence")
    for i in range(n):
        if n > 80:
            break
        for j in range(len(targets)):
            if mentioned[i, j]:
                ax.text(j, i, "●", ha="center", va="center", fontsize=6, color="#333")
    fig.colorbar(
        image, ax=ax, label="p(favor) − p(against)", shrink=min(1.0, 8.0 / max(height, 1.0)) if n > 30 else 1.0
    )
    ax.set_title(title or "stance by sentence (● = target mentioned)", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _isna(value: Any) -> bool:
    return isinstance(value, float) and value != value  # NaN: a summary cell with nothing to count


def _mix(rgb: tuple[int, int, int], strength: float) -> str:
    """``rgb`` blended into white by ``strength`` in [0, 1], as a CSS color."""
    s = max(0.0, min(1.0, strength)) * 0.75
    r, g, b = (round(255 + (c - 255) * s) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _highlight(sentence: str, targets: Sequence[Target], holder: Target | None = None) -> Any:
    """The sentence as HTML, every mention of a target (name or alias) wrapped in ``<mark>``, every mention of
    the holder in ``<mark class="holder">``; where two overlap the earlier, then the longer, is kept."""
    from markupsafe import Markup, escape

    found = [(a, b, "") for t in targets for a, b in t.spans(sentence)]
    found += [] if holder is None else [(a, b, ' class="holder"') for a, b in holder.spans(sentence)]
    out, last = [], 0
    for a, b, css in sorted(found, key=lambda f: (f[0], -f[1])):
        if a < last:
            continue  # overlaps a mention already marked
        out += [str(escape(sentence[last:a])), f"<mark{css}>{escape(sentence[a:b])}</mark>"]
        last = b
    out.append(str(escape(sentence[last:])))
    return Markup("".join(out))


def _terms(frame: pd.DataFrame, targets: TargetsLike | None) -> tuple[list[Target], Target | None]:
    """The targets and the holder with every alias known: from ``targets=``, else the aliases :func:`analyze`
    keeps in the table's ``attrs``, else the names; with, in every case, each alias the table records as matched."""
    attrs = getattr(frame, "attrs", {}) or {}
    names = list(dict.fromkeys(str(t) for t in frame["target"]))
    given = {t.name: t for t in parse_targets(targets if targets is not None else attrs.get("targets") or names)}
    found = frame[frame["mentioned"].astype(bool)] if "matched_alias" in frame.columns else frame.iloc[:0]
    out = []
    for n in names:
        base = given.get(n, Target(n))
        seen = [str(a) for a in found.loc[found["target"] == n, "matched_alias"].dropna().unique()]
        out.append(Target(base.name, tuple(dict.fromkeys([*base.aliases, *seen]))))
    if "holder" not in frame.columns:
        return out, None
    holder_name = str(frame["holder"].iloc[0])
    aliases = list((attrs.get("holder") or {}).get(holder_name, []))
    if "matched_holder_alias" in frame.columns:
        aliases += [str(a) for a in frame["matched_holder_alias"].dropna().unique()]
    return out, Target(holder_name, tuple(dict.fromkeys(aliases)))


def _summary_rows(
    summary: pd.DataFrame, aliases: dict[str, str], several: bool
) -> tuple[list[dict[str, Any]], set[tuple[str | None, int]]]:
    """The summary's rows as the template shows them, and the (document, sentence) keys of decisive sentences."""
    rows: list[dict[str, Any]] = []
    decisive: set[tuple[str | None, int]] = set()
    for raw in summary.to_dict("records"):
        rec: dict[str, Any] = {str(k): (None if k != "decisive" and _isna(v) else v) for k, v in raw.items()}
        score = rec["score"]
        width = 0 if score is None else round(abs(score) * 60)
        rows.append(
            {
                **rec,
                "aliases": aliases.get(rec["target"], ""),
                "share_favor": share_text(rec["favor"], rec["share_favor"]),
                "share_against": share_text(rec["against"], rec["share_against"]),
                "score_text": signed(score),
                "bar_width": width,
                "bar_left": 60 if score is None or score >= 0 else 60 - width,
                "bar_color": _BAR_COLORS.get(rec["stance"], "var(--none)"),  # the verdict's color, never the score's
            }
        )
        for d in rec["decisive"]:
            decisive.add((str(rec["document"]) if several else None, d["sentence_index"]))
    return rows, decisive


def _cell(target: str, r: dict[str, Any]) -> dict[str, Any]:
    margin = r["p_favor"] - r["p_against"]
    label = r["label"]
    color = _mix(_FAVOR if margin >= 0 else _AGAINST, abs(margin)) if label != "none" else "#f3f3f3"
    title = f"{target}: {label} (favor {r['p_favor']:.2f}, against {r['p_against']:.2f}, none {r['p_none']:.2f})" + (
        f"; mentioned as '{r.get('matched_alias') or target}'" if r["mentioned"] else "; not mentioned"
    )
    return {"label": label, "p": r[f"p_{label}"], "color": color, "mentioned": bool(r["mentioned"]), "title": title}


def _sentence_rows(
    part: pd.DataFrame,
    terms: tuple[list[Target], Target | None],
    doc_id: str | None,
    decisive: set[tuple[str | None, int]],
) -> list[dict[str, Any]]:
    target_terms, holder = terms
    targets = [t.name for t in target_terms]
    rows = []
    for s_key, group in part.groupby("sentence_index", sort=True):
        s_idx = int(str(s_key))
        recs = {str(r["target"]): {str(k): v for k, v in r.items()} for r in group.to_dict("records")}
        cells = [_cell(t, recs[t]) for t in targets]
        first = group.iloc[0]
        rows.append(
            {
                "index": s_idx,
                "html": _highlight(str(first["sentence"]), target_terms, holder),
                "cells": cells,
                "mentions": sum(c["mentioned"] for c in cells),
                "sentiment": first["sentiment"] if "sentiment" in part.columns else None,
                "decisive": (doc_id, s_idx) in decisive,
            }
        )
    return rows


def _render(context: dict[str, Any]) -> str:
    jinja2 = require("jinja2", "report", purpose="the HTML report")  # the report's template engine

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("stancekit", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2").render(**context)


def write_report(
    table: pd.DataFrame | Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    targets: TargetsLike | None = None,
    png: str | os.PathLike[str] | None = None,
    models: str | None = None,
    top: int = 3,
) -> Path:
    """Write the HTML report of an :func:`stancekit.analyze` table (and optionally the heat map PNG).

    Args:
        table: the per-sentence table (one or several documents).
        path: the .html file to write.
        title: page title (default: "Who stands where").
        targets: the targets with their aliases, listed in the summary; every mention of a name or an alias is
            highlighted (default: the aliases :func:`~stancekit.analysis.table.analyze` keeps in the table's
            ``attrs``; a table without them has the names and the aliases it records as matched highlighted).
        png: also write the heat map of the (first) document here.
        models: the model names, for the page's footer.
        top: decisive sentences quoted per target.

    Returns:
        ``path``.
    """
    frame = _frame(table)
    listed = targets if targets is not None else (frame.attrs.get("targets") or None)
    aliases = {t.name: ", ".join(t.aliases) for t in parse_targets(listed)} if listed is not None else {}
    target_names = list(dict.fromkeys(frame["target"]))
    holder = str(frame["holder"].iloc[0]) if "holder" in frame.columns else None
    several = "document" in frame.columns
    summary_rows, decisive = _summary_rows(summarize(frame, top=top), aliases, several)
    terms = _terms(frame, targets)
    documents: list[dict[str, Any]] = [
        {
            "id": doc_id,
            "rows": _sentence_rows(part, terms, doc_id, decisive),
            "heatmap": base64.b64encode(heatmap_png(part, title=None)).decode("ascii"),
        }
        for doc_id, part in _documents(frame)
    ]
    n_sentences = sum(len(d["rows"]) for d in documents)
    subtitle = f"{plural(len(documents), 'document')}, {plural(n_sentences, 'sentence')}, targets: "
    subtitle += ", ".join(target_names) + (f"; holder: {holder}" if holder else "")
    html = _render(
        {"title": title or "Who stands where", "subtitle": subtitle, "version": __version__, "holder": holder,
         "summary": summary_rows, "documents": documents, "targets": target_names,
         "has_sentiment": "sentiment" in frame.columns, "several": several, "models": models or "given"}
    )  # fmt: skip
    out = Path(path)
    out.write_text(html, encoding="utf-8")
    if png is not None:
        heatmap_png(frame, png, document=documents[0]["id"])
    return out
