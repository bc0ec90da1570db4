"""Holder-aware stance plumbing, target aliases, document analysis and its summary (tiny models, no data)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import stancekit
from stancekit.analysis.table import analyze, summarize
from stancekit.cli import main
from stancekit.core.errors import InputError
from stancekit.core.labels import HOLDER_SEPARATOR, first_segment
from stancekit.core.text import Target, parse_target, parse_targets, read_alias_file
from stancekit.fitting.evaluation import decode_directed, evaluate_directed
from stancekit.model.classifier import Classifier, load
from stancekit.scoring.file import score_file
from stancekit.scoring.frame import score_frame
from tests.conftest import make_tiny

# ------------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def tiny_holder(tmp_path: Path) -> Classifier:
    clf = make_tiny(tmp_path, "stance", max_length=64)
    clf.spec.uses_holder = True
    return clf


@pytest.fixture
def tiny_holder_dir(tmp_path: Path, tiny_holder: Classifier) -> Path:
    return tiny_holder.save_pretrained(tmp_path / "tiny-holder", compact=False)


# ------------------------------------------------------------------------------------------------ alias matching


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Russia said no.", "Russia"),
        ("RUSSIA said no.", "Russia"),  # any case for a name
        ("russia said no.", "Russia"),
        ("Russia's reply", "Russia"),  # possessive
        ("Russia’s reply", "Russia"),  # typographic apostrophe
        ("the Russias of this world", "Russia"),  # plural
        ("The Kremlin’s spokesman", "Kremlin"),
        ("The Moscow-led bloc", "Moscow"),  # a hyphen ends a word
        ("The Russian army", None),  # "Russian" is not "Russia" unless it is an alias
        ("Prussia and Belorussia", None),  # no match inside a word
        ("the muscovites", None),
        ("Moscow and the Kremlin", "Moscow"),  # the earliest mention wins
    ],
)
def test_alias_matching_whole_words_plurals_possessives(sentence: str, expected: str | None) -> None:
    assert Target("Russia", ("Moscow", "Kremlin")).match(sentence) == expected


def test_alias_matching_is_deliberate_for_derived_words_and_acronyms() -> None:
    with_adjective = Target("Russia", ("Russian",))
    assert with_adjective.match("The Russian army") == "Russian"
    assert with_adjective.match("the Russians") == "Russian"
    us = Target("the West", ("US", "United States"))
    assert us.match("They told us nothing.") is None  # an acronym in capitals matches in capitals only
    assert us.match("The US said") == "US"
    assert us.match("the united   states said") == "United States"  # any spacing, any case
    csto = Target("CSTO", ("Moscow-led bloc", "the bloc"))
    assert csto.match("the Moscow-led bloc") == "Moscow-led bloc"  # the longer term at the same place
    assert csto.match("the bloc said") == "the bloc"
    assert csto.match("csto") is None  # acronym in capitals only


def test_parse_targets_forms_and_errors(tmp_path: Path) -> None:
    assert parse_target("Russia=Moscow, Kremlin") == Target("Russia", ("Moscow", "Kremlin"))
    assert parse_target("CSTO") == Target("CSTO")
    with pytest.raises(ValueError, match="no aliases after"):
        parse_target("Russia=")
    assert [t.name for t in parse_targets("CSTO")] == ["CSTO"]
    assert parse_targets({"Russia": ["Moscow"], "CSTO": "the bloc"}) == [
        Target("Russia", ("Moscow",)),
        Target("CSTO", ("the bloc",)),
    ]
    with pytest.raises(ValueError, match="more than once"):
        parse_targets(["Russia", "russia"])
    with pytest.raises(ValueError, match="'Moscow' is a name or alias of both 'Russia' and 'CSTO'"):
        parse_targets({"Russia": ["Moscow"], "CSTO": ["Moscow"]})
    with pytest.raises(ValueError, match="both 'Russia' and 'CSTO'"):
        parse_targets({"Russia": [], "CSTO": ["russia"]})  # an alias that is another target's name
    with pytest.raises(ValueError, match="at least one target"):
        parse_targets([])
    with pytest.raises(ValueError, match="non-empty"):
        parse_targets(["  "])
    assert Target("Russia", ("russia", "Moscow", "Moscow")).aliases == ("Moscow",)  # the name and repeats dropped


def test_alias_files_yaml_and_json(tmp_path: Path) -> None:
    y = tmp_path / "t.yaml"
    y.write_text("Russia: [Moscow, Kremlin]\nCSTO:\n  - the bloc\nthe West:\n")
    assert read_alias_file(y) == [
        Target("Russia", ("Moscow", "Kremlin")),
        Target("CSTO", ("the bloc",)),
        Target("the West"),
    ]
    j = tmp_path / "t.json"
    j.write_text(json.dumps({"Russia": ["Moscow"]}))
    assert read_alias_file(j) == [Target("Russia", ("Moscow",))]
    bad = tmp_path / "bad.yaml"
    bad.write_text("just a string")
    with pytest.raises(ValueError, match=r"bad\.yaml: expected a mapping"):
        read_alias_file(bad)
    bad.write_text("Russia: {Moscow: 1}")
    with pytest.raises(ValueError, match="entry 'Russia'"):
        read_alias_file(bad)
    seed = read_alias_file(Path(__file__).parents[2] / "seeds" / "armenia-csto-targets.yaml")
    parse_targets(seed)  # the shipped alias file is consistent (no alias shared by two targets)


# ------------------------------------------------------------------------------------------------ holder plumbing


def test_holder_is_part_of_the_input(tiny_holder: Classifier) -> None:
    texts = ["russia will support peace", "the war is terrible"]
    aware = tiny_holder.predict_proba(texts, targets="csto", holders="armenia")
    same = tiny_holder.predict_proba(texts, targets=first_segment("csto", "armenia"))
    np.testing.assert_allclose(aware, same, atol=1e-6)
    assert first_segment("csto", "armenia") == f"armenia{HOLDER_SEPARATOR}csto"
    blind = tiny_holder.predict_proba(texts, targets="csto")
    # what the inference core is given: the holder before the target, or the target alone
    assert tiny_holder.items(texts, ["csto", "csto"], ["armenia", None]) == [
        (texts[0], "armenia [SEP] csto"),
        (texts[1], "csto"),
    ]
    mixed = tiny_holder.predict_proba(texts, targets="csto", holders=["armenia", None])  # None: holder-blind row
    np.testing.assert_allclose(mixed[0], aware[0], atol=1e-6)
    np.testing.assert_allclose(mixed[1], blind[1], atol=1e-6)
    assert tiny_holder.predict(texts[0], targets="csto", holders="armenia") in tiny_holder.labels


def test_holder_tokens_keep_the_separator(tiny_holder: Classifier) -> None:
    ids = tiny_holder.tokenizer(first_segment("csto", "armenia"), "war")["input_ids"]
    sep = tiny_holder.tokenizer.sep_token_id
    assert ids.count(sep) == 3  # [CLS] holder [SEP] target [SEP] text [SEP]


def test_holders_refused_by_a_holder_blind_model(tiny_stance: Classifier) -> None:
    with pytest.raises(ValueError, match="not trained with holders"):
        tiny_stance.predict_proba(["a text"], targets="csto", holders="armenia")
    tiny_stance.predict_proba(["a text"], targets="csto", holders=[None])  # no holder given: fine
    with pytest.raises(ValueError, match="holder-aware model"):
        analyze("Russia said nothing.", "Russia", holder="Armenia", model=tiny_stance, sentiment=None)
    with pytest.raises(InputError, match="holder-aware"):
        score_frame(tiny_stance, pd.DataFrame({"text": ["x"]}), targets=["csto"], holder="armenia")


def test_score_frame_holder_and_holder_column(tiny_holder: Classifier) -> None:
    frame = pd.DataFrame({"text": ["peace is good", "war is bad", "the treaty"], "who": ["armenia", None, "  "]})
    out = score_frame(tiny_holder, frame, targets=["csto", "russia"], holder="armenia")
    assert list(out.columns[:4]) == ["text", "who", "target", "holder"] and (out["holder"] == "armenia").all()
    ref = tiny_holder.predict_proba(out["text"].tolist(), targets=out["target"].tolist(), holders="armenia")
    np.testing.assert_allclose(out[["p_against", "p_favor", "p_none"]].to_numpy(), ref, atol=1e-6)
    per_row = score_frame(tiny_holder, frame.assign(t="csto"), target_column="t", holder_column="who")
    ref = tiny_holder.predict_proba(frame["text"].tolist(), targets="csto", holders=["armenia", None, None])
    np.testing.assert_allclose(per_row[["p_against", "p_favor", "p_none"]].to_numpy(), ref, atol=1e-6)
    assert per_row["error"].isna().all()  # an empty holder cell: scored without a holder, not an error
    numeric = score_frame(
        tiny_holder, frame.assign(t="csto", who=[1, "x", "y"]), target_column="t", holder_column="who"
    )
    assert numeric["error"].tolist()[0] == "holder ('who') is int, not text" and numeric["error"][1:].isna().all()


def test_score_file_and_cli_with_holders(tmp_path: Path, tiny_holder_dir: Path, tiny_stance_dir: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["peace is good", "war is bad"], "who": ["armenia", "russia"]}).to_csv(src, index=False)
    clf = load(tiny_holder_dir, device="cpu")
    out = tmp_path / "out.csv"
    summary = score_file(clf, src, out, targets=["csto"], holder_column="who", progress=False)
    assert summary.rows == 2
    got = pd.read_csv(out)
    ref = clf.predict_proba(["peace is good", "war is bad"], targets="csto", holders=["armenia", "russia"])
    np.testing.assert_allclose(got[["p_against", "p_favor", "p_none"]].to_numpy(), ref, atol=1e-5)
    cli_out = tmp_path / "cli.jsonl"
    base = ["score", str(src), "--model", str(tiny_holder_dir), "--target", "csto", "--quiet"]
    assert main([*base, "--holder", "armenia", "-o", str(cli_out)]) == 0
    rows = [json.loads(line) for line in cli_out.read_text().splitlines()]
    assert [r["holder"] for r in rows] == ["armenia", "armenia"]
    ref = clf.predict_proba(["peace is good", "war is bad"], targets="csto", holders="armenia")
    np.testing.assert_allclose([[r["p_against"], r["p_favor"], r["p_none"]] for r in rows], ref, atol=1e-5)
    assert main([*base, "--holder", "armenia", "--holder-column", "who", "-o", str(tmp_path / "x.csv")]) == 2
    blind = ["score", str(src), "--model", str(tiny_stance_dir), "--target", "csto", "--holder", "armenia"]
    assert main([*blind, "-o", str(tmp_path / "y.csv")]) == 2
    assert not (tmp_path / "y.csv").exists()
    with_col = tmp_path / "has_holder.csv"
    pd.DataFrame({"text": ["a"], "holder": ["b"]}).to_csv(with_col, index=False)
    with pytest.raises(InputError, match="already has a 'holder' column"):
        score_file(clf, with_col, tmp_path / "z.csv", targets=["csto"], holder="armenia", progress=False)


def test_training_with_holders(tmp_path: Path) -> None:
    backbone = make_tiny(tmp_path, "stance")
    folder = tmp_path / "backbone"
    backbone.model.save_pretrained(folder, safe_serialization=True)
    backbone.tokenizer.save_pretrained(folder)
    rows = [
        ("russia will support peace", "csto", "russia", "favor"),
        ("russia will support peace", "csto", "armenia", "none"),
        ("armenia will leave the csto", "csto", "armenia", "against"),
        ("armenia will leave the csto", "csto", None, "against"),
    ] * 4
    data = tmp_path / "train.csv"
    pd.DataFrame(rows, columns=["text", "target", "holder", "label"]).to_csv(data, index=False)
    config = {
        "output_dir": str(tmp_path / "out"),
        "task": "stance",
        "train": [{"path": str(data), "label_repeat": {"none": 2.0}}],
        "validation": [{"path": str(data), "max_rows": 8}],
        "backbone": str(folder),
        "epochs": 1,
        "batch_size": 8,
        "max_length": 32,
        "inference_max_length": 32,
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    out = stancekit.train(tmp_path / "c.yaml", progress=False)
    clf = load(out, device="cpu")
    assert clf.spec.uses_holder
    assert clf.predict("russia will support peace", targets="csto", holders="armenia") in clf.labels
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_rows"] == 16 + 4  # the 4 "none" rows counted twice
    # init_from: training continues from a stancekit model (same weights at step 0)
    config2 = config | {"output_dir": str(tmp_path / "out2"), "init_from": str(out), "learning_rate": 1e-9}
    (tmp_path / "c2.yaml").write_text(yaml.safe_dump(config2))
    out2 = stancekit.train(tmp_path / "c2.yaml", progress=False)
    again = load(out2, device="cpu")
    text = ["armenia will leave the csto"]
    np.testing.assert_allclose(
        again.predict_proba(text, targets="csto", holders="russia"),
        clf.predict_proba(text, targets="csto", holders="russia"),
        atol=2e-3,  # float16 storage of the delta
    )
    with pytest.raises(ValueError, match="no training row has a holder"):
        stancekit.TrainingConfig(**(config | {"uses_holder": True, "train": [{"path": str(data)}]}))  # ok to build
        bad = tmp_path / "nohold.csv"
        pd.DataFrame(rows, columns=["text", "target", "holder", "label"]).drop(columns="holder").to_csv(bad)
        stancekit.train(
            stancekit.TrainingConfig(
                **(config | {"output_dir": str(tmp_path / "out3"), "uses_holder": True, "train": [{"path": str(bad)}]})
            ),
            progress=False,
        )


# ------------------------------------------------------------------------------------------------------ analysis

DOC = (
    "Armenia might leave the CSTO. Russia's reply came fast. The Russian army stayed.\n"
    "The West offered help, and the Kremlin objected."
)


def test_analyze_marks_mentions_and_aliases(tiny_holder: Classifier) -> None:
    table = analyze(DOC, {"CSTO": [], "Russia": ["Kremlin"]}, holder="armenia", model=tiny_holder, sentiment=None)
    assert table["sentence_index"].nunique() == 4 and len(table) == 8
    assert list(table.columns[:6]) == ["sentence_index", "sentence", "target", "mentioned", "matched_alias", "holder"]
    got = {(r.sentence_index, r.target): r.matched_alias if r.mentioned else None for r in table.itertuples()}
    assert got == {
        (0, "CSTO"): "CSTO",
        (0, "Russia"): None,
        (1, "CSTO"): None,
        (1, "Russia"): "Russia",
        (2, "CSTO"): None,
        (2, "Russia"): None,  # "Russian" is not an alias here
        (3, "CSTO"): None,
        (3, "Russia"): "Kremlin",
    }
    assert (table["mentioned"] == table["matched_alias"].notna()).all()
    assert table["p_favor"].notna().all()  # sentences without a mention are scored too
    ref = tiny_holder.predict_proba("The Russian army stayed.", targets="Russia", holders="armenia")
    row = table[(table.sentence_index == 2) & (table.target == "Russia")].iloc[0]
    np.testing.assert_allclose([row.p_against, row.p_favor, row.p_none], ref, atol=1e-6)


def test_analyze_several_documents_and_errors(tiny_stance: Classifier, tiny_holder: Classifier) -> None:
    table = analyze({"a": "Russia won.", "b": "No target here. Nor here."}, "Russia", model=tiny_stance, sentiment=None)
    assert table["document"].tolist() == ["a", "b", "b"] and table["sentence_index"].tolist() == [0, 0, 1]
    listed = analyze(["Russia won.", "CSTO"], ["Russia"], model=tiny_stance, sentiment=None)
    assert listed["document"].tolist() == ["0", "1"]
    with pytest.raises(ValueError, match="document 'b' has no text"):
        analyze({"a": "Russia won.", "b": " \n "}, "Russia", model=tiny_stance, sentiment=None)
    with pytest.raises(ValueError, match="the document has no text"):
        analyze("", "Russia", model=tiny_stance, sentiment=None)
    with pytest.raises(ValueError, match="more than once"):
        analyze("A text.", ["CSTO", "CSTO"], model=tiny_stance, sentiment=None)
    with pytest.raises(ValueError, match="both 'Russia' and 'CSTO'"):
        analyze("A text.", {"Russia": ["Moscow"], "CSTO": ["Moscow"]}, model=tiny_stance, sentiment=None)
    with pytest.raises(ValueError, match="holder must be"):
        analyze("A text.", "CSTO", holder=" ", model=tiny_holder, sentiment=None)
    # no sentence-ending punctuation: one sentence per line, or the whole text as one sentence
    flat = analyze("armenia might leave the csto and russia said nothing", "CSTO", model=tiny_stance, sentiment=None)
    assert len(flat) == 1
    lines = analyze("first line without a stop\nsecond line", "CSTO", model=tiny_stance, sentiment=None)
    assert lines["sentence"].tolist() == ["first line without a stop", "second line"]


def test_analyze_a_1mb_document_in_bounded_memory(tiny_stance: Classifier) -> None:
    sentence = "Armenia might leave the CSTO, and Moscow said nothing about it at all. "
    doc = sentence * (1_000_000 // len(sentence) + 1)
    assert len(doc) > 1_000_000
    tracemalloc.start()
    try:
        table = analyze(doc, {"Russia": ["Moscow"]}, model=tiny_stance, sentiment=None, as_frame=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = len(doc) // len(sentence)
    assert len(table) == n and table[-1]["sentence_index"] == n - 1
    assert all(row["matched_alias"] == "Moscow" for row in table)
    # The rows themselves are ~20 MB of Python objects here; the scoring adds only batch-sized buffers.
    assert peak < 400 * 2**20, f"peak {peak / 2**20:.0f} MiB"


# ------------------------------------------------------------------------------------------------------ summary


def _table(rows: list[tuple[int, str, bool, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "sentence_index": i,
                "sentence": f"s{i}",
                "target": t,
                "mentioned": m,
                "label": label,
                "p_favor": pf,
                "p_against": pa,
                "p_none": 1 - pf - pa,
            }
            for i, t, m, label, pf, pa in rows
        ]
    )


def test_summary_arithmetic() -> None:
    table = _table(
        [
            (0, "Russia", True, "against", 0.1, 0.8),
            (0, "CSTO", False, "favor", 0.9, 0.05),  # not a mention: left out of CSTO's figures
            (1, "Russia", True, "favor", 0.6, 0.3),
            (1, "CSTO", True, "none", 0.2, 0.1),
            (2, "Russia", True, "against", 0.05, 0.9),
            (2, "CSTO", True, "none", 0.3, 0.2),
            (3, "Russia", False, "none", 0.1, 0.1),
            (3, "CSTO", True, "favor", 0.7, 0.2),
        ]
    )
    s = summarize(table, top=2).set_index("target")
    r = s.loc["Russia"]
    assert (r.sentences, r.mentions, r.favor, r.against, r.none) == (4, 3, 1, 2, 0)
    assert r.share_favor == pytest.approx(1 / 3) and r.share_against == pytest.approx(2 / 3)
    # default rule "confidence": each mention weighted by 1 - p_none (0.9, 0.9, 0.95 here)
    weights, margins = [0.9, 0.9, 0.95], [0.1 - 0.8, 0.6 - 0.3, 0.05 - 0.9]
    assert r.score == pytest.approx(sum(w * m for w, m in zip(weights, margins)) / sum(weights))
    assert r.stance == "against"
    plain = summarize(table, rule="mean").set_index("target").loc["Russia"]
    assert plain.score == pytest.approx(sum(margins) / 3) and plain.stance == "against"
    assert [d["sentence_index"] for d in r.decisive] == [2, 0]  # strongest first, top 2
    assert r.decisive[0] == {"sentence_index": 2, "sentence": "s2", "label": "against", "margin": -0.85}
    c = s.loc["CSTO"]
    assert (c.mentions, c.favor, c.against, c.none) == (3, 1, 0, 2)
    # a sentence labelled none adds weight but no lean (the one summary rule: stancekit.core.aggregate)
    assert c.score == pytest.approx((0.3 * 0 + 0.5 * 0 + 0.9 * 0.5) / (0.3 + 0.5 + 0.9)) and c.stance == "favor"
    # one side only: that side, however many neutral mentions dilute the score
    diluted = _table(
        [(0, "CSTO", True, "against", 0.02, 0.9)] + [(i, "CSTO", True, "none", 0.01, 0.01) for i in range(1, 9)]
    )
    assert summarize(diluted).loc[0, "stance"] == summarize(diluted, rule="mean").loc[0, "stance"] == "against"
    # both sides: the confidence rule lets the sided sentences decide among many neutral mentions; the mean not
    contested = _table(
        [(0, "CSTO", True, "against", 0.1, 0.6), (1, "CSTO", True, "against", 0.1, 0.6)]
        + [(2, "CSTO", True, "favor", 0.5, 0.3)]
        + [(i, "CSTO", True, "none", 0.01, 0.01) for i in range(3, 11)]
    )
    assert summarize(contested).loc[0, "stance"] == "against"
    assert summarize(contested, rule="mean").loc[0, "stance"] == "mixed"
    with pytest.raises(ValueError, match="unknown aggregation rule"):
        summarize(diluted, rule="median")  # type: ignore[arg-type]
    assert [d["sentence_index"] for d in c.decisive] == [3]  # sentence 0 does not mention CSTO


def test_summary_not_mentioned_mixed_and_documents() -> None:
    table = _table(
        [
            (0, "Russia", True, "favor", 0.6, 0.4),
            (1, "Russia", True, "against", 0.4, 0.6),
            (0, "CSTO", False, "favor", 0.9, 0.0),
            (1, "CSTO", False, "none", 0.0, 0.0),
        ]
    )
    s = summarize(table).set_index("target")
    assert s.loc["Russia"].stance == "mixed" and s.loc["Russia"].score == pytest.approx(0.0)
    assert s.loc["CSTO"].stance == "not mentioned" and s.loc["CSTO"].mentions == 0
    assert pd.isna(s.loc["CSTO"].score) and pd.isna(s.loc["CSTO"].share_favor) and s.loc["CSTO"].decisive == []
    two = pd.concat([table.assign(document="x"), table.assign(document="y")])
    assert summarize(two)[["document", "target"]].values.tolist() == [
        ["x", "Russia"],
        ["x", "CSTO"],
        ["y", "Russia"],
        ["y", "CSTO"],
    ]
    with pytest.raises(ValueError, match="not an analyze"):
        summarize(pd.DataFrame({"a": [1]}))


# ------------------------------------------------------------------------------------------------- directed eval


def test_decode_directed_five_classes() -> None:
    labels = ("against", "favor", "none")
    fwd = np.array([[0.1, 0.1, 0.8], [0.1, 0.8, 0.1], [0.0, 0.1, 0.9], [0.7, 0.1, 0.2], [0.1, 0.0, 0.9]])
    bwd = np.array([[0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [0.1, 0.7, 0.2], [0.0, 0.1, 0.9], [0.8, 0.1, 0.1]])
    assert decode_directed(fwd, bwd, labels).tolist() == [0, 1, 2, 3, 4]


def test_evaluate_directed_on_a_fixture_corpus(tmp_path: Path, tiny_holder: Classifier, tiny_stance) -> None:
    folder = tmp_path / "data" / "directed_sentiment_news"
    folder.mkdir(parents=True)
    lines = [
        "[Russia] is displeased with [the West] .\tRussia\tthe West\t3",
        "[Armenia] praised [the EU] for its help.\tArmenia\tthe EU\t1",
        "[Moscow] and [Yerevan] met.\tMoscow\tYerevan\t0",
    ]
    (folder / "test.txt").write_text("\n".join(lines) + "\n")
    result = evaluate_directed(tiny_holder, "test", data_dir=str(tmp_path / "data"))
    assert result["n"] == 6 and result["sentences"] == 3
    assert set(result["five_class"]) == {"labels", "accuracy", "macro_f1", "mean_average_precision", "confusion"}
    assert sum(map(sum, result["five_class"]["confusion"])) == 3
    assert sum(map(sum, result["confusion"])) == 6 and sum(map(sum, result["holder_blind"]["confusion"])) == 6
    for block in (result["metrics"], result["holder_blind"]["metrics"]):
        assert all(0 <= v <= 1 for v in block.values())
    blind_only = evaluate_directed(tiny_stance, "test", data_dir=str(tmp_path / "data"))
    assert "five_class" not in blind_only and blind_only["metrics"] == blind_only["holder_blind"]["metrics"]
    (folder / "test.txt").write_text("only two\tfields\n")
    with pytest.raises(ValueError, match="line 1: expected sentence"):
        evaluate_directed(tiny_holder, "test", data_dir=str(tmp_path / "data"))
