"""Summaries never contradict their own numbers: property tests over random sentence tables.

The one rule (``stancekit.core.aggregate``): the stance, the shares and the score of a summary row, in the table,
the text view and the HTML report, always point the same way; every alias occurrence is highlighted; counts are
pluralised ("1 sentence").
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancekit.analysis import format_sentences, format_summary, summarize, write_report
from stancekit.analysis.report import _highlight
from stancekit.analysis.table import analyze
from stancekit.analysis.text_view import percent, plural, signed
from stancekit.core.aggregate import verdict
from stancekit.core.text import Target
from stancekit.model.classifier import Classifier
from tests.conftest import REPO

_DEEP = int(os.environ.get("STANCEKIT_FUZZ", "0"))
PROPERTY = settings(
    max_examples=_DEEP or 60, derandomize=not _DEEP, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LABELS = ("against", "favor", "none")  # the column order of a stance model: argmax ties go to "against"
# Probabilities with the boundaries (0, ties, 1) as well as arbitrary values.
UNIT = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.floats(0.0, 1.0))
PROBS = st.tuples(UNIT, UNIT, UNIT).filter(lambda p: sum(p) > 1e-6)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    """An analyze()-like table: 1-3 targets x 1-10 sentences, labels the argmax of their probabilities."""
    n_targets, n_sentences = draw(st.integers(1, 3)), draw(st.integers(1, 10))
    rows = []
    for i in range(n_sentences):
        for t in range(n_targets):
            raw, mentioned = draw(PROBS), draw(st.booleans())
            pa, pf, pn = (x / sum(raw) for x in raw)
            rows.append(
                {"sentence_index": i, "sentence": f"Sentence {i}.", "target": f"T{t}", "mentioned": mentioned,
                 "matched_alias": f"T{t}" if mentioned else None, "label": LABELS[int(np.argmax([pa, pf, pn]))],
                 "p_against": pa, "p_favor": pf, "p_none": pn}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _value(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)  # type: ignore[arg-type]


def assert_consistent(row: dict, group: pd.DataFrame, threshold: float) -> None:
    """The rule of stancekit.core.aggregate, stated from the outside."""
    stance, score = row["stance"], _value(row["score"])
    mentions, favor, against = int(row["mentions"]), int(row["favor"]), int(row["against"])
    if mentions == 0:
        assert stance == "not mentioned" and score is None and _value(row["share_favor"]) is None
        return
    assert score is not None and -1.0 <= score <= 1.0
    share_f, share_a = float(row["share_favor"]), float(row["share_against"])
    assert share_f == pytest.approx(favor / mentions) and share_a == pytest.approx(against / mentions)
    assert favor + against + int(row["none"]) == mentions
    if stance == "favor":
        assert share_f > share_a and score >= 0 and (against == 0 or score >= threshold)
    elif stance == "against":
        assert share_a > share_f and score <= 0 and (favor == 0 or score <= -threshold)
    elif stance == "none":
        assert favor == against == 0 and score == 0
    else:
        assert stance == "mixed" and favor > 0 and against > 0
        assert not (favor > against and score >= threshold) and not (against > favor and score <= -threshold)
    if score > 0:
        assert stance in ("favor", "mixed")
    if score < 0:
        assert stance in ("against", "mixed")
    # Strictly signed when no sentence sits on a favor/against tie (argmax would pick a side by column order).
    m = group[group["mentioned"]]
    if stance in ("favor", "against") and not np.isclose(m["p_favor"], m["p_against"]).any():
        assert (score > 0) if stance == "favor" else (score < 0)


@PROPERTY
@given(tables(), st.sampled_from(["confidence", "mean"]), st.sampled_from([0.0, 0.05, 0.1, 0.3]))
def test_summary_verdict_agrees_with_its_score_and_shares(table: pd.DataFrame, rule: str, threshold: float) -> None:
    summary = summarize(table, rule=rule, threshold=threshold)  # type: ignore[arg-type]
    assert len(summary) == table["target"].nunique()
    for row in summary.to_dict("records"):
        assert_consistent(row, table[table["target"] == row["target"]], threshold)


_LINE = re.compile(
    r"^\s+(?P<target>T\d)\s+(?P<stance>favor|against|mixed|none)\s+score\s+(?P<score>\S+)\s+"
    r"favor (?P<nf>\d+) \((?P<pf>[<>]?\d+)%\)\s+against (?P<na>\d+) \((?P<pa>[<>]?\d+)%\)"
)


def _shown_percent(text: str) -> float:
    return {"<1": 0.5, ">99": 99.5}.get(text) or float(text)


@PROPERTY
@given(tables())
def test_text_summary_shows_numbers_that_agree_with_its_verdict(table: pd.DataFrame) -> None:
    text = format_summary(summarize(table))
    lines = [m for m in map(_LINE.match, text.splitlines()) if m]
    summary = summarize(table)
    assert len(lines) == int((summary["mentions"] > 0).sum())
    for m in lines:
        stance, score, nf, na = m["stance"], m["score"], int(m["nf"]), int(m["na"])
        pf, pa = _shown_percent(m["pf"]), _shown_percent(m["pa"])
        assert (nf > na) == (pf > pa) or nf == na  # the shown percentages order like the counts
        if stance == "favor":
            assert nf > na and not score.startswith("-")
        elif stance == "against":
            assert na > nf and not score.startswith("+")
        elif stance == "none":
            assert nf == na == 0 and score == "0.00"
        else:
            assert nf > 0 and na > 0


def _summary_cells(html: str) -> list[dict[str, str | None]]:
    body = html.split('<table id="summary">', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    out = []
    for row in body.split("<tr>")[1:]:
        stance = re.search(r'<td class="stance-[^"]+">([^<]+)</td>', row)
        score = re.search(r'<td class="num">(\S+) <span class="bar"', row)
        color = re.search(r"width: \d+px; background: (var\(--\w+\))", row)
        assert stance and score
        out.append({"stance": stance[1], "score": score[1], "color": color[1] if color else None})
    return out


@PROPERTY
@given(tables())
def test_report_score_bar_has_the_verdicts_color(tmp_path_factory: pytest.TempPathFactory, table: pd.DataFrame) -> None:
    path = tmp_path_factory.mktemp("r") / "r.html"
    with mock.patch("stancekit.analysis.report.heatmap_png", return_value=b""):  # the PNG is not under test
        write_report(table, path)
    cells = _summary_cells(path.read_text(encoding="utf-8"))
    summary = summarize(table)
    assert [c["stance"] for c in cells] == summary["stance"].tolist()
    want = {"favor": "var(--favor)", "against": "var(--against)"}
    for cell in cells:
        if cell["color"] is not None:  # a bar is drawn for a nonzero score
            assert cell["color"] == want.get(str(cell["stance"]), "var(--none)")
        if cell["stance"] == "favor":
            assert not str(cell["score"]).startswith("-")
        if cell["stance"] == "against":
            assert not str(cell["score"]).startswith("+")
        if cell["stance"] == "none":
            assert cell["score"] == "0.00" and cell["color"] is None


def test_the_issues_examples_no_longer_contradict_themselves() -> None:
    """'CSTO none, score -0.24, favor 0% against 0%' and 'none, score +0.05, favor 100%'."""
    leaning = [(0.45, 0.05, 0.50)] * 3  # labelled none, but leaning against
    weak = [(0.30, 0.36, 0.34)] * 2  # labelled favor, barely
    for probs, stance in ((leaning, "none"), (weak, "favor")):
        pa, pf, pn = (np.array(x) for x in zip(*probs))
        labels = [LABELS[int(np.argmax(p))] for p in probs]
        v = verdict(pf, pa, pn, np.ones(len(probs)), labels)
        assert v.stance == stance
        assert (v.score == 0) if stance == "none" else (v.score is not None and v.score > 0)


# ------------------------------------------------------------------------------------------------- highlighting

RUSSIA = Target("Russia", ("Moscow", "Kremlin"))
CSTO = Target("CSTO", ("the bloc", "Collective Security Treaty Organisation"))
ARMENIA = Target("Armenia", ("Yerevan", "Pashinyan"))
WORDS = ["Russia", "Moscow", "Kremlin", "CSTO", "the bloc", "Collective Security Treaty Organisation", "Yerevan",
         "Pashinyan", "Armenia", "said", "the", "talks", "Russia's", "Moscow,", "and", "us"]  # fmt: skip


@PROPERTY
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
def test_every_alias_occurrence_is_highlighted(words: list[str]) -> None:
    sentence = " ".join(words) + "."
    html = str(_highlight(sentence, [RUSSIA, CSTO], ARMENIA))
    marked = re.findall(r"<mark(?: class=\"holder\")?>(.*?)</mark>", html)
    expected = sorted(
        [(a, b) for t in (RUSSIA, CSTO) for a, b in t.spans(sentence)] + ARMENIA.spans(sentence),
        key=lambda s: (s[0], -s[1]),
    )
    assert len(marked) == len(expected)  # the terms of different entities never overlap here
    rest = re.sub(r"<mark[^>]*>.*?</mark>", " | ", html)
    for term in (*RUSSIA.terms, *CSTO.terms, *ARMENIA.terms):
        assert Target(term).match(rest.replace("&#39;", "'")) is None, (term, html)  # nothing left unmarked


def test_report_marks_every_alias_of_an_analyze_table(tmp_path: Path, tiny_stance: Classifier) -> None:
    """The seed's sentence 9 names Russia and then Moscow: both are marked, with or without ``targets=``."""
    doc = (REPO / "seeds" / "armenia-csto-news.txt").read_text(encoding="utf-8")
    table = analyze(doc, {"Russia": ["Moscow", "Kremlin"], "CSTO": ["the bloc"]}, model=tiny_stance, sentiment=None)
    assert table.attrs["targets"] == {"Russia": ["Moscow", "Kremlin"], "CSTO": ["the bloc"]}
    sentence = table.loc[table["sentence_index"] == 9, "sentence"].iloc[0]
    assert "Russia" in sentence and "Moscow" in sentence
    for kw in ({}, {"targets": {"Russia": ["Moscow", "Kremlin"], "CSTO": ["the bloc"]}}):
        html = write_report(table, tmp_path / "r.html", **kw).read_text(encoding="utf-8")  # type: ignore[arg-type]
        row = html.split('<td class="idx num">9</td>', 1)[1].split("</tr>", 1)[0]
        assert "<mark>Russia</mark>" in row and "<mark>Moscow</mark>" in row
    # a table without attrs (read back from a file) still marks every alias it records as matched
    bare = pd.DataFrame(table.to_dict("records"))
    html = write_report(bare, tmp_path / "b.html").read_text(encoding="utf-8")
    assert html.count("<mark>Moscow</mark>") >= int((table["matched_alias"] == "Moscow").sum())


# ------------------------------------------------------------------------------------------------ pluralization

_BAD_PLURAL = re.compile(r"\b1 (sentences|targets|documents)\b|\b(0|[2-9]|\d{2,}) (sentence|target|document)\b(?!s)")


@PROPERTY
@given(st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_counts_are_pluralised(n_sentences: int, n_targets: int, mention: bool) -> None:
    rows = [
        {"sentence_index": i, "sentence": f"S{i}.", "target": f"T{t}", "mentioned": mention and i == 0,
         "matched_alias": None, "label": "favor", "p_against": 0.1, "p_favor": 0.8, "p_none": 0.1}
        for i in range(n_sentences) for t in range(n_targets)
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    text = format_summary(summarize(table)) + format_sentences(table, n_targets=n_targets, name="doc")
    assert not _BAD_PLURAL.search(text), text
    if n_sentences == 1:
        assert ("1 of 1 sentence mentions it" in text) if mention else ("not mentioned in 1 sentence" in text)


def test_report_subtitle_is_pluralised(tmp_path: Path) -> None:
    table = pd.DataFrame(
        [{"sentence_index": 0, "sentence": "Russia won.", "target": "Russia", "mentioned": True,
          "matched_alias": "Russia", "label": "favor", "p_against": 0.1, "p_favor": 0.8, "p_none": 0.1}]
    )  # fmt: skip
    with mock.patch("stancekit.analysis.report.heatmap_png", return_value=b""):
        html = write_report(table, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "1 document, 1 sentence, targets: Russia" in html


def test_formatting_helpers() -> None:
    assert [plural(n, "sentence") for n in (0, 1, 2)] == ["0 sentences", "1 sentence", "2 sentences"]
    assert [percent(x) for x in (0.0, 0.001, 0.5, 0.999, 1.0, None)] == ["0%", "<1%", "50%", ">99%", "100%", "—"]
    assert [signed(x) for x in (0.0, 0.001, -0.001, 0.42, None)] == ["0.00", "+0.00", "-0.00", "+0.42", "—"]
