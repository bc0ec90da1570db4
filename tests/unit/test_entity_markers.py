"""Entity markers and holder aliases through every entry point: API, score_frame, score_file, the CLI, analyze and
training (Ray: tests/unit/test_distributed.py), plus the low-rank delta that stores a LoRA run (tiny models)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

import stancekit
from stancekit.analysis.table import analyze
from stancekit.cli import main
from stancekit.core.errors import InputError
from stancekit.core.inputs import InputTypeError
from stancekit.core.text import Target, as_term, mark_entities, merge_holder, read_alias_file, term_rows
from stancekit.data.corpora import read_directed_news
from stancekit.fitting.trainer import Encoder
from stancekit.model import folder
from stancekit.model.classifier import Classifier, load
from stancekit.model.spec import ModelSpec
from stancekit.scoring.file import score_file
from stancekit.scoring.frame import score_frame
from tests.conftest import make_tiny

ARMENIA = Target("armenia", ("yerevan", "pashinyan"))
CSTO = Target("csto", ("the bloc",))


@pytest.fixture
def marked(tmp_path: Path) -> Classifier:
    clf = make_tiny(tmp_path, "stance", max_length=64)
    clf.spec.uses_holder = True
    clf.spec.entity_markers = True
    return clf


@pytest.fixture
def unmarked(tmp_path: Path, marked: Classifier) -> Classifier:
    """The same network reading the text as given: predictions on pre-marked text must match ``marked``."""
    spec = ModelSpec.from_dict({**marked.spec.to_dict(), "entity_markers": False})
    return Classifier(marked.model, marked.tokenizer, spec, device="cpu", dtype="float32")


# ----------------------------------------------------------------------------------------------------- marking


@pytest.mark.parametrize(
    ("text", "holder", "target", "expected"),
    [
        ("Armenia may leave the CSTO.", "Armenia", "CSTO", "<< Armenia >> may leave the [[ CSTO ]]."),
        ("The CSTO ignored Armenia's plea.", "Armenia", "CSTO", "The [[ CSTO ]] ignored << Armenia's >> plea."),
        ("Pashinyan said the bloc failed.", ARMENIA, CSTO, "<< Pashinyan >> said [[ the bloc ]] failed."),
        ("Yerevan and Armenia and Yerevan.", ARMENIA, None, "<< Yerevan >> and << Armenia >> and << Yerevan >>."),
        ("Nobody is named here.", "Armenia", "CSTO", "Nobody is named here."),  # falls back to the plain text
        ("Prussia is no Russia.", None, "Russia", "Prussia is no [[ Russia ]]."),  # whole words only
        ("Russia, Russia.", "Russia", "Russia", "<< Russia >>, << Russia >>."),  # one span, marked once
        ("", "Armenia", "CSTO", ""),
    ],
)
def test_mark_entities(text: str, holder: object, target: object, expected: str) -> None:
    assert mark_entities(text, holder, target) == expected  # type: ignore[arg-type]


def test_spans_prefer_the_longer_term_and_never_overlap() -> None:
    t = Target("Moscow", ("the Moscow-led bloc",))
    sentence = "the Moscow-led bloc met in Moscow"
    assert t.spans(sentence) == [(0, 19), (27, 33)]
    assert mark_entities(sentence, None, t) == "[[ the Moscow-led bloc ]] met in [[ Moscow ]]"


def test_as_term_and_term_rows() -> None:
    assert as_term("Armenia") == Target("Armenia")
    assert as_term({"Armenia": ["Yerevan"]}) == Target("Armenia", ("Yerevan",))
    assert as_term({"Armenia": "Yerevan"}) == Target("Armenia", ("Yerevan",))
    assert as_term(ARMENIA) is ARMENIA
    with pytest.raises(InputError, match="exactly one entry"):
        as_term({"a": [], "b": []})
    with pytest.raises(InputTypeError):
        as_term(3)  # type: ignore[arg-type]
    assert term_rows(ARMENIA, 2, "holders") == [ARMENIA, ARMENIA]
    assert term_rows(["a", None], 2, "holders", allow_none=True) == [Target("a"), None]
    with pytest.raises(InputError, match="got 1 holders for 2 texts"):
        term_rows(["a"], 2, "holders")
    with pytest.raises(InputTypeError, match=r"holders\[1\]"):
        term_rows(["a", ""], 2, "holders")


# ----------------------------------------------------------------------------------------------- Python API


def test_model_marks_its_inputs(marked: Classifier, unmarked: Classifier) -> None:
    texts = ["pashinyan said armenia may leave the bloc", "russia and the west met"]
    items = marked.items(texts, targets=CSTO, holders=ARMENIA)
    assert items == [
        ("<< pashinyan >> said << armenia >> may leave [[ the bloc ]]", "armenia [SEP] csto"),
        ("russia and the west met", "armenia [SEP] csto"),  # nothing found: plain text, holder [SEP] target
    ]
    got = marked.predict_proba(texts, targets=CSTO, holders=ARMENIA)
    ref = unmarked.predict_proba([t for t, _ in items], targets="csto", holders="armenia")
    np.testing.assert_allclose(got, ref, atol=1e-6)
    # aliases change which words are marked, and so the scores; a dict works as a Target
    plain = marked.predict_proba(texts, targets="csto", holders="armenia")
    assert not np.allclose(plain[0], got[0])
    np.testing.assert_allclose(
        marked.predict_proba(texts, {"csto": ["the bloc"]}, {"armenia": ["pashinyan", "yerevan"]}), got
    )
    # a holder-blind row of a marker model marks the target only
    assert marked.items(["the bloc met"], targets=CSTO) == [("[[ the bloc ]] met", "csto")]


def test_models_without_markers_read_the_text_as_given(unmarked: Classifier) -> None:
    assert unmarked.items(["armenia left the csto"], CSTO, ARMENIA) == [("armenia left the csto", "armenia [SEP] csto")]


def test_marker_flag_round_trips_and_enters_the_fingerprint(tmp_path: Path, marked: Classifier) -> None:
    out = marked.save_pretrained(tmp_path / "m", compact=False)
    again = load(out, device="cpu")
    assert again.spec.entity_markers and again.spec.uses_holder
    before = again.fingerprint()
    again.spec.entity_markers = False
    assert again.fingerprint() != before


# ------------------------------------------------------------------------------------------ frames, files, CLI


def test_score_frame_with_holder_and_target_aliases(marked: Classifier) -> None:
    frame = pd.DataFrame({"text": ["pashinyan praised the bloc", "yerevan left"]})
    out = score_frame(marked, frame, targets=[CSTO, "russia"], holder=ARMENIA)
    assert out["holder"].tolist() == ["armenia"] * 4 and out["target"].tolist() == ["csto", "russia"] * 2
    ref = marked.predict_proba(out["text"].tolist(), targets=[CSTO, "russia"] * 2, holders=ARMENIA)
    np.testing.assert_allclose(out[["p_against", "p_favor", "p_none"]].to_numpy(), ref, atol=1e-6)
    column = score_frame(marked, frame.assign(t="csto"), target_column="t", targets=[CSTO], holder=ARMENIA)
    np.testing.assert_allclose(column[["p_against", "p_favor", "p_none"]].to_numpy(), ref[0::2], atol=1e-6)


def test_score_file_and_cli_with_aliases(tmp_path: Path, marked: Classifier) -> None:
    model_dir = marked.save_pretrained(tmp_path / "model", compact=False)
    clf = load(model_dir, device="cpu")
    src = tmp_path / "in.csv"
    texts = ["pashinyan praised the bloc", "yerevan left the csto", "nothing here"]
    pd.DataFrame({"text": texts}).to_csv(src, index=False)
    ref = clf.predict_proba(texts, targets=CSTO, holders=ARMENIA)
    score_file(clf, src, tmp_path / "api.csv", targets=[CSTO], holder=ARMENIA, progress=False)
    api = pd.read_csv(tmp_path / "api.csv")
    np.testing.assert_allclose(api[["p_against", "p_favor", "p_none"]].to_numpy(), ref, atol=1e-5)
    assert api["holder"].tolist() == ["armenia"] * 3
    cli = ["score", str(src), "--model", str(model_dir), "--quiet"]
    assert (
        main(
            [*cli, "--target", "csto=the bloc", "--holder", "armenia=yerevan,pashinyan", "-o", str(tmp_path / "a.csv")]
        )
        == 0
    )
    np.testing.assert_allclose(pd.read_csv(tmp_path / "a.csv")[["p_against", "p_favor", "p_none"]], ref, atol=1e-5)
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(
        yaml.safe_dump({"targets": {"csto": ["the bloc"]}, "holders": {"armenia": ["yerevan", "pashinyan"]}})
    )
    assert main([*cli, "--aliases", str(aliases), "--holder", "armenia", "-o", str(tmp_path / "b.csv")]) == 0
    np.testing.assert_allclose(pd.read_csv(tmp_path / "b.csv")[["p_against", "p_favor", "p_none"]], ref, atol=1e-5)
    # without the aliases, other words are marked and the scores differ
    assert main([*cli, "--target", "csto", "--holder", "armenia", "-o", str(tmp_path / "c.csv")]) == 0
    assert not np.allclose(pd.read_csv(tmp_path / "c.csv")[["p_against", "p_favor", "p_none"]], ref, atol=1e-5)
    assert main([*cli, "--target", "csto", "--holder", "armenia=", "-o", str(tmp_path / "d.csv")]) == 2


def test_alias_file_sections(tmp_path: Path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text("targets:\n  CSTO: [the bloc]\n  Russia: [Moscow]\nholders:\n  Armenia: [Pashinyan, Yerevan]\n")
    assert [t.name for t in read_alias_file(both)] == ["CSTO", "Russia"]
    assert merge_holder(both, "Armenia") == Target("Armenia", ("Pashinyan", "Yerevan"))
    assert merge_holder(both, "armenia=Armenian government") == Target(
        "armenia", ("Pashinyan", "Yerevan", "Armenian government")
    )
    assert merge_holder(both, "Georgia") == Target("Georgia") and merge_holder(both, None) is None
    plain = tmp_path / "plain.yaml"
    plain.write_text("CSTO: [the bloc]\n")  # the old form: targets only
    assert merge_holder(plain, "Armenia=Yerevan") == Target("Armenia", ("Yerevan",))
    only_holders = tmp_path / "h.yaml"
    only_holders.write_text("holders:\n  Armenia: [Yerevan]\n")
    with pytest.raises(InputError, match="no 'targets:' section"):
        read_alias_file(only_holders)


def test_analyze_reports_holder_mentions(marked: Classifier) -> None:
    doc = "Pashinyan praised the bloc. Russia said nothing. Armenia's envoy left."
    table = analyze(doc, {"CSTO": ["the bloc"]}, holder=ARMENIA, model=marked, sentiment=None)
    assert table["holder"].tolist() == ["armenia"] * 3
    assert table["holder_mentioned"].tolist() == [True, False, True]
    assert [None if pd.isna(x) else x for x in table["matched_holder_alias"]] == ["pashinyan", None, "armenia"]
    ref = marked.predict_proba(table["sentence"].tolist(), targets=Target("CSTO", ("the bloc",)), holders=ARMENIA)
    np.testing.assert_allclose(table[["p_against", "p_favor", "p_none"]].to_numpy(), ref, atol=1e-6)
    blind = analyze(doc, "CSTO", model=marked, sentiment=None)
    assert "holder_mentioned" not in blind.columns


# ------------------------------------------------------------------------------------------------------ training


def test_training_with_markers(tmp_path: Path) -> None:
    backbone = make_tiny(tmp_path, "stance")
    bb = tmp_path / "backbone"
    backbone.model.save_pretrained(bb, safe_serialization=True)
    backbone.tokenizer.save_pretrained(bb)
    rows = [("russia will support the csto", "csto", "russia", "favor"), ("the war", "csto", None, "none")] * 4
    data = tmp_path / "train.csv"
    pd.DataFrame(rows, columns=["text", "target", "holder", "label"]).to_csv(data, index=False)
    config = {
        "output_dir": str(tmp_path / "out"), "task": "stance", "entity_markers": True,
        "train": [{"path": str(data)}], "validation": [{"path": str(data), "max_rows": 4}],
        "backbone": str(bb), "epochs": 1, "batch_size": 4, "max_length": 32, "inference_max_length": 32,
    }  # fmt: skip
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    out = stancekit.train(tmp_path / "c.yaml", progress=False)
    clf = load(out, device="cpu")
    assert clf.spec.entity_markers and clf.spec.uses_holder
    assert json.loads((out / "config.json").read_text())["stancekit"]["entity_markers"] is True
    # what training tokenizes is what inference gives the model
    encode = Encoder(clf.tokenizer, clf.labels, 32, True, True, True)
    enc = encode(
        {"text": ["russia will support the csto"], "target": ["csto"], "holder": ["russia"], "label": ["favor"]}
    )
    (text, first) = clf.items(["russia will support the csto"], "csto", "russia")[0]
    assert text == "<< russia >> will support the [[ csto ]]"
    assert enc["input_ids"][0] == clf.tokenizer(first, text)["input_ids"]
    with pytest.raises(ValueError, match="entity_markers"):
        stancekit.TrainingConfig(**(config | {"task": "sentiment"}))


# -------------------------------------------------------------------------------------------- low-rank deltas


def test_low_rank_delta_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A LoRA-style update (rank 4) of a 64x64 matrix is stored as two factors and restored on load."""
    base = make_tiny(tmp_path, "stance")
    base.model.config.hidden_size = 32
    bb = tmp_path / "bb"
    base.model.save_pretrained(bb, safe_serialization=True)
    base.tokenizer.save_pretrained(bb)
    monkeypatch.setattr(folder, "backbone_path", lambda name: bb)
    tuned = make_tiny(tmp_path, "stance")
    torch.manual_seed(1)
    key = "bert.encoder.layer.0.intermediate.dense.weight"  # 64 x 32
    with torch.no_grad():
        weight = dict(tuned.model.named_parameters())[key]
        update = torch.randn(64, 4) @ torch.randn(4, 32) * 0.05
        weight += update
        tuned.model.classifier.bias += 0.5  # a small changed tensor: stored as is
    tuned.spec.backbone = "tiny"
    out = tuned.save_pretrained(tmp_path / "lr", compact=True, low_rank=True)
    stored = folder.read_safetensors(out / folder.DELTA_WEIGHTS)
    assert f"{key}.delta_u" in stored and stored[f"{key}.delta_u"].shape == (64, 4) and key not in stored
    assert "classifier.bias" in stored
    again = load(out, device="cpu")
    restored = again.model.state_dict()[key]
    torch.testing.assert_close(restored, tuned.model.state_dict()[key], atol=2e-3, rtol=0)
    texts = ["the csto and russia", "war"]
    np.testing.assert_allclose(again.predict_proba(texts, "csto"), tuned.predict_proba(texts, "csto"), atol=5e-3)
    # a full-rank change is stored whole
    dense = tuned.save_pretrained(tmp_path / "dense", compact=True, low_rank=False)
    assert key in folder.read_safetensors(dense / folder.DELTA_WEIGHTS)


# ------------------------------------------------------------------------------------------------------ loader


def test_directed_news_names_are_completed(tmp_path: Path) -> None:
    corpus = tmp_path / "directed_sentiment_news"
    corpus.mkdir()
    (corpus / "test.txt").write_text(
        "[Congre]ss praised [Kasich’]s plan.\tCongre\tKasich’\t1\n[Trump] met [Putin] .\tTrump\tPutin\t0\n"
    )
    rows = read_directed_news(tmp_path, "test")
    assert [(e1, e2) for _, e1, e2, _ in rows] == [("Congress", "Kasich"), ("Trump", "Putin")]
    assert rows[0][0] == "Congress praised Kasich’s plan."
    assert mark_entities(rows[0][0], rows[0][1], rows[0][2]) == "<< Congress >> praised [[ Kasich’s ]] plan."
