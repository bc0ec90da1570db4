"""DataFrames and Datasets in the Python API: ``score_frame`` takes both and returns the same kind; ``predict*``
refuse a table instead of scoring its column names; ``score(X, y)`` is accuracy, never gold labels as targets."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest

import stancekit
from stancekit.core.errors import InputError
from stancekit.model.classifier import Classifier
from stancekit.scoring import score_frame
from tests.conftest import REPO, make_tiny

TEXTS = ["armenia might leave the csto", "russia is good", "the west will support peace"]
TOPICS = ["csto", "russia", "west"]


@pytest.fixture
def tiny_holder(tmp_path: Path) -> Classifier:
    clf = make_tiny(tmp_path, "stance")
    clf.spec.uses_holder = True
    return clf


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"n": [1, 2, 3], "body": TEXTS, "topic": TOPICS})


# ------------------------------------------------------------------------------------------- predict on tables


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_scores"])
def test_predict_refuses_a_dataframe_and_points_to_score_frame(
    tiny_stance: Classifier, frame: pd.DataFrame, method: str
) -> None:
    for table in (frame, datasets.Dataset.from_pandas(frame), {"a": "armenia"}):
        with pytest.raises(TypeError, match=r"score_frame\(clf, df") as err:
            getattr(tiny_stance, method)(table, targets="csto")
        assert isinstance(err.value, InputError)
    with pytest.raises(TypeError, match="targets is a pandas DataFrame"):
        tiny_stance.predict(TEXTS, targets=frame[["topic"]])
    # a column is a sequence of texts, as it should be
    assert tiny_stance.predict(frame["body"], targets=frame["topic"]) == tiny_stance.predict(TEXTS, targets=TOPICS)


def test_classes_is_labels(tiny_stance: Classifier) -> None:
    assert list(tiny_stance.classes_) == list(tiny_stance.labels)
    proba = tiny_stance.predict_proba(TEXTS, targets=TOPICS)
    assert list(tiny_stance.classes_[proba.argmax(axis=1)]) == tiny_stance.predict(TEXTS, targets=TOPICS)


def test_score_is_accuracy_and_targets_are_keyword_only(tiny_stance: Classifier) -> None:
    pred = tiny_stance.predict(TEXTS, targets=TOPICS)
    gold = [pred[0], "favor" if pred[1] != "favor" else "against", pred[2]]
    assert tiny_stance.score(TEXTS, gold, targets=TOPICS) == pytest.approx(2 / 3)
    assert tiny_stance.score(TEXTS, gold, targets=TOPICS, sample_weight=[1, 0, 1]) == pytest.approx(1.0)
    assert tiny_stance.score(TEXTS[0], pred[0], targets=TOPICS[0]) == 1.0
    with pytest.raises(InputError, match="not one of the labels"):  # gold labels where targets belong
        tiny_stance.score(TEXTS, TOPICS)
    with pytest.raises(TypeError):
        tiny_stance.score(TEXTS, gold, TOPICS)  # type: ignore[call-arg]  # targets are keyword-only
    with pytest.raises(InputError, match="gold labels"):
        tiny_stance.score(TEXTS)
    with pytest.raises(InputError, match="2 gold labels for 3 texts"):
        tiny_stance.score(TEXTS, gold[:2], targets=TOPICS)
    with pytest.raises(InputError, match="targets="):
        tiny_stance.score(TEXTS, gold)  # a stance model needs targets


# ------------------------------------------------------------------------------------------------- score_frame


def test_score_frame_is_public_and_documented() -> None:
    assert stancekit.score_frame is score_frame and "score_frame" in stancekit.__all__
    assert "datasets.Dataset" in (score_frame.__doc__ or "")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "stancekit.score_frame(clf, df, text=" in readme and "Dataset" in readme


def test_short_column_names_are_the_long_ones(tiny_stance: Classifier, frame: pd.DataFrame) -> None:
    short = score_frame(tiny_stance, frame, text="body", target="topic")
    long = score_frame(tiny_stance, frame, text_column="body", target_column="topic")
    pd.testing.assert_frame_equal(short, long)
    assert short["label"].tolist() == tiny_stance.predict(TEXTS, targets=TOPICS)
    np.testing.assert_allclose(
        short[[f"p_{x}" for x in tiny_stance.labels]].to_numpy(), tiny_stance.predict_proba(TEXTS, targets=TOPICS),
        rtol=1e-5,
    )  # fmt: skip
    with pytest.raises(InputError, match="name different columns"):
        score_frame(tiny_stance, frame, text="body", text_column="n")


def test_score_frame_refuses_unknown_columns_and_ambiguous_values(
    tiny_stance: Classifier, tiny_holder: Classifier, frame: pd.DataFrame
) -> None:
    with pytest.raises(InputError, match=r"target='CSTO': no such column.*pass targets='CSTO'"):
        score_frame(tiny_stance, frame, text="body", target="CSTO")  # a value where a column name belongs
    with pytest.raises(InputError, match=r"text='text': no such column.*text="):
        score_frame(tiny_stance, frame, target="topic")
    with pytest.raises(InputError, match=r"targets='topic' is also a column.*target='topic'"):
        score_frame(tiny_stance, frame, text="body", targets="topic")
    speakers = frame.assign(speaker=["armenia", "russia", None])
    with pytest.raises(InputError, match=r"holder='speaker' is also a column.*holder_column='speaker'"):
        score_frame(tiny_holder, speakers, text="body", target="topic", holder="speaker")
    # unambiguous: the column, or a Target for the value
    per_row = score_frame(tiny_holder, speakers, text="body", target="topic", holder_column="speaker")
    fixed = score_frame(tiny_holder, speakers, text="body", target="topic", holder=stancekit.Target("speaker"))
    assert per_row["speaker"].tolist()[:2] == ["armenia", "russia"] and (fixed["holder"] == "speaker").all()
    with pytest.raises(InputError, match="DatasetDict: pick a split"):
        score_frame(tiny_stance, datasets.DatasetDict({"train": datasets.Dataset.from_pandas(frame)}))


def test_score_frame_on_a_dataset_returns_a_dataset(tiny_stance: Classifier, frame: pd.DataFrame) -> None:
    rows = frame.assign(body=[TEXTS[0], None, TEXTS[2]])  # one row that cannot be scored
    ds = datasets.Dataset.from_pandas(rows)
    out = score_frame(tiny_stance, ds, text="body", target="topic", batch_size=2)  # batches of 2: an all-good one
    assert isinstance(out, datasets.Dataset) and out.num_rows == 3
    assert out.features["n"] == ds.features["n"] and out.features["p_favor"].dtype == "float32"
    want = score_frame(tiny_stance, rows, text="body", target="topic")
    got = out.to_pandas()
    assert out["label"][0::2] == want["label"].tolist()[0::2] and out["label"][1] is None
    assert out["error"] == [None, "missing text ('body')", None] and out["n"] == [1, 2, 3]
    np.testing.assert_allclose(got["p_none"], want["p_none"], rtol=1e-5)


def test_score_frame_on_a_dataset_with_targets_holder_and_a_label_column(
    tiny_holder: Classifier, frame: pd.DataFrame
) -> None:
    ds = datasets.Dataset.from_pandas(frame.assign(label=["a", "b", "c"]))
    out = score_frame(tiny_holder, ds, text="body", targets=["csto", "russia"], holder="armenia", batch_size=2)
    assert out.num_rows == 6 and out["target"] == ["csto", "russia"] * 3 and set(out["holder"]) == {"armenia"}
    assert out["label"] == ["a", "a", "b", "b", "c", "c"]  # the input's own label column is kept
    assert set(out["predicted_label"]) <= set(tiny_holder.labels)
    want = score_frame(tiny_holder, frame.assign(label=["a", "b", "c"]), text="body", targets=["csto", "russia"],
                       holder="armenia")  # fmt: skip
    assert out["predicted_label"] == want["predicted_label"].tolist()
    with pytest.raises(InputError, match="row_errors"):
        score_frame(tiny_holder, ds, text="body", targets="csto", row_errors=[None] * 3)
