"""Loaders return the published row counts (skipped without STANCEKIT_DATA), and the registry's errors."""

from __future__ import annotations

from collections import Counter

import pytest

from stancekit.data import DataNotFoundError, list_datasets, load_dataset
from tests.conftest import requires_data

# Published counts, from ../shared/data/README.md (validation splits carved here are checked for disjointness).
COUNTS = {
    ("semeval2016", "test"): 1249,
    ("semeval2016", "test_b"): 707,
    ("pstance", "train"): 6362 + 5806 + 5056,
    ("pstance", "validation"): 814 + 745 + 634,
    ("pstance", "test"): 777 + 745 + 635,
    ("vast", "test"): 3006,
    ("semeval2017", "validation"): 2000,
    ("semeval2017", "test"): 12284,
    ("tweeteval-sentiment", "validation"): 2000,
    ("tweeteval-sentiment", "test"): 12284,
    ("sst2", "train"): 60614,
    ("sst2", "validation"): 6735,
    ("sst2", "dev"): 872,
    ("sst2", "test"): 1821,
    ("financial-phrasebank", "test"): 2264,
    # directed-news: each sentence asked in both directions (train 13,144 / valid 1,461 / test 1,623 sentences)
    ("directed-news", "train"): 2 * 13144,
    ("directed-news", "validation"): 2 * 1461,
    ("directed-news", "test"): 2 * 1623,
    ("newsmtsc", "test_mt"): 1476,
    ("newsmtsc", "test_rw"): 1146,
}


@requires_data
def test_directed_news_maps_directions_and_holders() -> None:
    test = load_dataset("directed-news", "test")
    # README per-class counts of test: 1 (1->2 positive) 166, 2 (2->1 positive) 33, 3 (1->2 negative) 316, 4: 48
    assert Counter(zip(test["group"], test["label"])) == {
        ("ent1->ent2", "favor"): 166,
        ("ent2->ent1", "favor"): 33,
        ("ent1->ent2", "against"): 316,
        ("ent2->ent1", "against"): 48,
        ("ent1->ent2", "none"): 1623 - 166 - 316,
        ("ent2->ent1", "none"): 1623 - 33 - 48,
    }
    assert all(h and t and h != t for h, t in zip(test["holder"], test["target"]))
    assert not any("[" in x or "]" in x for x in test["text"])  # entity marks removed
    first, second = test[0], test[1]
    assert first["text"] == second["text"] and (first["holder"], first["target"]) == (
        second["target"],
        second["holder"],
    )


@requires_data
def test_newsmtsc_validation_is_carved_from_train() -> None:
    train, val = load_dataset("newsmtsc", "train"), load_dataset("newsmtsc", "validation")
    assert train.num_rows + val.num_rows == 8739
    assert not set(train["text"]) & set(val["text"])  # whole sentences go one way
    assert set(val["label"]) == {"against", "favor", "none"} and all(h is None for h in val["holder"])


@requires_data
@pytest.mark.parametrize(("name", "split"), sorted(COUNTS))
def test_published_row_counts(name: str, split: str) -> None:
    ds = load_dataset(name, split)
    assert ds.num_rows == COUNTS[name, split]
    assert ds.column_names == ["text", "target", "holder", "label", "group"]
    assert all(isinstance(t, str) and t for t in ds["text"])


@requires_data
def test_semeval_train_plus_validation_is_train_plus_trial() -> None:
    train, val = load_dataset("semeval2016", "train"), load_dataset("semeval2016", "validation")
    assert train.num_rows + val.num_rows == 2914  # 2,814 training + 100 trial
    assert not set(zip(train["target"], train["text"])) & set(zip(val["target"], val["text"]))
    test = load_dataset("semeval2016", "test")
    assert Counter(test["target"]) == {
        "Atheism": 220,
        "Climate Change is a Real Concern": 169,
        "Feminist Movement": 285,
        "Hillary Clinton": 295,
        "Legalization of Abortion": 280,
    }
    assert set(test["label"]) == {"against", "favor", "none"}


@requires_data
def test_vast_validation_topics_are_unseen_and_test_halves() -> None:
    train, val = load_dataset("vast", "train"), load_dataset("vast", "validation")
    assert train.num_rows + val.num_rows == 13477
    assert not set(train["target"]) & set(val["target"])
    test = load_dataset("vast", "test")
    assert Counter(test["group"]) == {"zero-shot": 1460, "few-shot": 1546}
    both = load_dataset("vast", "train+validation")  # HF-style joined splits: every row of each part, in order
    assert list(both["text"]) == list(train["text"]) + list(val["text"])
    assert list(both["target"]) == list(train["target"]) + list(val["target"])


@requires_data
def test_sentiment_training_pool_excludes_validation_and_test() -> None:
    from stancekit.data.corpora import _dedup_key

    train = load_dataset("semeval2017", "train")
    held = {_dedup_key(t) for t in load_dataset("semeval2017", "validation")["text"]}
    held |= {_dedup_key(t) for t in load_dataset("semeval2017", "test")["text"]}
    assert not {_dedup_key(t) for t in train["text"]} & held
    assert 45_000 < train.num_rows < 50_334
    assert set(train["label"]) == {"negative", "neutral", "positive"}
    assert not any("\\u" in t for t in train["text"][:5000])  # escapes undone


@requires_data
def test_tweeteval_train_explains_the_gap() -> None:
    with pytest.raises(ValueError, match=r"no split 'train'.*train on 'semeval2017'"):
        load_dataset("tweeteval-sentiment", "train")


def test_registry_errors(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert {"semeval2016", "pstance", "vast", "semeval2017", "tweeteval-sentiment", "sst2"} <= set(list_datasets())
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        load_dataset("nope")
    with pytest.raises(ValueError, match="no split 'dev'"):
        load_dataset("pstance", "dev")
    with pytest.raises(ValueError, match="no split 'dev'"):
        load_dataset("pstance", "train+dev")
    with pytest.raises(ValueError, match="names a part twice"):
        load_dataset("pstance", "train+train")
    monkeypatch.delenv("STANCEKIT_DATA", raising=False)
    with pytest.raises(DataNotFoundError, match="set STANCEKIT_DATA"):
        load_dataset("pstance", "test")
    with pytest.raises(DataNotFoundError, match="corpus file not found"):
        load_dataset("pstance", "test", data_dir=tmp_path)


@requires_data
def test_vast_synthetic_neutral_rows_carry_the_swapped_topic() -> None:
    # type_idx 4 rows pair a comment with another comment's topic (column topic_str, mapped back to natural text);
    # new_topic keeps the comment's own topic. A test comment on Justice Scalia's activism has six rows: its own
    # topics with a stance, and three borrowed topics (one is topic_str "college") labelled neutral.
    test = load_dataset("vast", "test")
    rows = [r for r in test if r["text"].startswith("How about a comparison with the ultra-reactionary")]
    neutral = {r["target"] for r in rows if r["label"] == "none"}
    assert neutral == {"public school teachers", "delaying procreation", "colleges"}
    assert {r["target"] for r in rows if r["label"] != "none"} == {"elections", "political bias", "rbg"}
