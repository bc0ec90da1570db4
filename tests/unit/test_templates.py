"""The synthetic news-template corpus: deterministic, balanced, split by template, and registered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from stancekit.data import load_dataset
from stancekit.data.templates import COUNTRIES, ORGS, TEMPLATES, generate, surface_forms, template_splits

TARGET_SHARE = {"favor": 0.30, "against": 0.40, "none": 0.30}
FAMILIES = {"membership", "hedged_membership", "help_refused", "accusation_praise", "third_party", "neutral"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return generate(0)


def test_same_seed_same_rows(rows: list[dict[str, str]]) -> None:
    assert generate(0) == rows
    assert generate(1) != rows


def test_size_labels_and_families(rows: list[dict[str, str]]) -> None:
    assert 5500 <= len(rows) <= 6500
    counts = Counter(r["label"] for r in rows)
    assert set(counts) == set(TARGET_SHARE)
    for label, share in TARGET_SHARE.items():
        assert abs(counts[label] / len(rows) - share) <= 0.10, (label, counts)
    assert {r["group"] for r in rows} == FAMILIES
    assert {t.family for t in TEMPLATES} == FAMILIES
    for family in FAMILIES:
        assert sum(t.family == family for t in TEMPLATES) >= 15, family
    assert len(COUNTRIES) >= 40 and len(ORGS) >= 20


def test_holder_and_target_are_in_the_text(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["holder"] and r["target"] and r["holder"] != r["target"], r
        assert "{" not in r["text"] and "}" not in r["text"], r
        text = r["text"].lower()
        for who in (r["holder"], r["target"]):
            assert any(form.lower() in text for form in surface_forms(who)), (who, r)


def test_holder_named_by_name_capital_and_title(rows: list[dict[str, str]]) -> None:
    forms: Counter[str] = Counter()
    for c in COUNTRIES:
        for r in rows:
            if r["holder"] == c.name and r["text"].startswith(c.title[0].upper() + c.title[1:]):
                forms["title"] += 1
            elif r["holder"] == c.name and r["text"].startswith(c.capital):
                forms["capital"] += 1
    assert forms["title"] > 500 and forms["capital"] > 500


def test_no_template_in_two_splits(rows: list[dict[str, str]]) -> None:
    split_of: dict[str, set[str]] = {}
    for r in rows:
        split_of.setdefault(r["template"], set()).add(r["split"])
    assert all(len(s) == 1 for s in split_of.values())
    assert split_of.keys() <= template_splits().keys()
    shares = Counter(r["split"] for r in rows)
    assert abs(shares["train"] / len(rows) - 0.8) < 0.05
    assert shares["validation"] > 0.05 * len(rows) and shares["test"] > 0.05 * len(rows)
    # every (family, kind) has templates in each split
    per_kind: dict[tuple[str, str], set[str]] = {}
    for t in TEMPLATES:
        per_kind.setdefault((t.family, t.kind), set()).add(template_splits()[t.id])
    assert all(s == {"train", "validation", "test"} for s in per_kind.values())


def test_questions_both_directions(rows: list[dict[str, str]]) -> None:
    by_text: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_text.setdefault(r["text"], []).append(r)
    for group in by_text.values():
        family = group[0]["group"]
        if family == "help_refused":
            assert {r["label"] for r in group} == {"against", "none"}
            assert group[0]["holder"] == group[1]["target"] and group[0]["target"] == group[1]["holder"]
        elif family == "third_party":
            assert group[0]["label"] == "none" and group[1]["label"] != "none"
            assert group[0]["target"] == group[1]["target"] and group[0]["holder"] != group[1]["holder"]
        elif family == "neutral":
            assert {r["label"] for r in group} == {"none"} and len(group) == 2
        if len(group) == 2 and family != "third_party":
            assert group[1]["label"] == "none"


def test_registered_corpus_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    monkeypatch.setenv("STANCEKIT_DATA", str(tmp_path))
    train = load_dataset("news-templates", "train")
    assert train.column_names == ["text", "target", "holder", "label", "group"]
    assert train.num_rows == sum(r["split"] == "train" for r in rows)
    sizes = {s: load_dataset("news-templates", s).num_rows for s in ("validation", "test")}
    assert train.num_rows + sizes["validation"] + sizes["test"] == len(rows)
    assert set(load_dataset("news-templates", "test")["text"]).isdisjoint(train["text"])
