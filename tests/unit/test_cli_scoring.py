"""Batch scoring through the CLI on every input format, with bad rows and structural errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stancekit.cli import main
from stancekit.model.classifier import load
from tests.conftest import requires_data

ROWS = [
    {"id": 1, "text": "armenia might leave the csto", "topic": "CSTO"},
    {"id": 2, "text": "", "topic": "Russia"},
    {"id": 3, "text": "   ", "topic": "Russia"},
    {"id": 4, "text": "i love peace", "topic": "the west"},
    {"id": 5, "text": "war " * 200, "topic": "Russia"},
]


def _write(path: Path, frame: pd.DataFrame) -> Path:
    fmt = path.suffix
    if fmt == ".csv":
        frame.to_csv(path, index=False)
    elif fmt == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path, index=False)
    return path


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True)
    return pd.read_parquet(path)


@pytest.mark.parametrize("fmt_in", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("fmt_out", [".csv", ".jsonl", ".parquet"])
def test_score_every_format(tmp_path: Path, tiny_stance_dir: Path, fmt_in: str, fmt_out: str) -> None:
    src = _write(tmp_path / f"in{fmt_in}", pd.DataFrame(ROWS))
    dst = tmp_path / f"out{fmt_out}"
    code = main(
        ["score", str(src), "-o", str(dst), "--model", str(tiny_stance_dir), "--target-column", "topic", "--quiet"]
    )
    assert code == 0
    out = _read(dst)
    assert len(out) == len(ROWS)
    assert [str(x) for x in out["id"]] == ["1", "2", "3", "4", "5"]  # every row, in order, input columns kept
    assert {"label", "p_against", "p_favor", "p_none", "truncated", "error"} <= set(out.columns)
    errors = out["error"].tolist()
    assert "empty text" in str(errors[1]) and "empty text" in str(errors[2])
    assert pd.isna(errors[0]) and pd.isna(errors[3])
    assert pd.isna(out["label"][1]) and np.isnan(out["p_favor"][1])
    assert bool(out["truncated"][4]) and not bool(out["truncated"][0])
    # same probabilities as the API
    clf = load(tiny_stance_dir, device="cpu")
    ref = clf.predict_proba([ROWS[0]["text"], ROWS[3]["text"]], targets=["CSTO", "the west"])
    got = out.loc[[0, 3], ["p_against", "p_favor", "p_none"]].to_numpy(dtype=np.float32)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def _score_against_csto_and_russia(src: Path, dst: Path, model: Path) -> int:
    return main(["score", str(src), "-o", str(dst), "--model", str(model), "--target", "CSTO", "--target", "Russia",
                 "--quiet"])  # fmt: skip


def test_score_with_fixed_targets_expands_rows(tmp_path: Path, tiny_stance_dir: Path) -> None:
    src = _write(tmp_path / "in.csv", pd.DataFrame(ROWS).drop(columns="topic"))
    dst = tmp_path / "out.csv"
    assert _score_against_csto_and_russia(src, dst, tiny_stance_dir) == 0
    out = _read(dst)
    assert out["id"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["target"].tolist() == ["CSTO", "Russia"] * 5


def test_score_txt_document(tmp_path: Path, tiny_stance_dir: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("Armenia might leave the CSTO. Russia said nothing.\nThe West will support peace.")
    dst = tmp_path / "doc.jsonl"
    assert _score_against_csto_and_russia(doc, dst, tiny_stance_dir) == 0
    out = _read(dst)
    assert out["sentence_index"].tolist() == [0, 0, 1, 1, 2, 2]
    assert out["sentence"][2] == "Russia said nothing."


def test_score_sentiment_jsonl_with_missing_and_non_text(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "good"}\n{"text": null}\n{"other": 1}\n{"text": 42}\n{"text": "bad"}\n')
    dst = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(dst), "--model", str(tiny_sentiment_dir), "--quiet"]) == 0
    out = _read(dst)
    assert len(out) == 5
    errors = out["error"].tolist()
    assert pd.isna(errors[0]) and pd.isna(errors[4])
    assert "missing text" in errors[1] and "missing text" in errors[2]
    assert "not text" in errors[3]


def test_structural_errors_stop_before_work(
    tmp_path: Path, tiny_stance_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(tmp_path / "in.csv", pd.DataFrame(ROWS))
    dst = tmp_path / "out.csv"
    m = str(tiny_stance_dir)
    assert main(["score", str(src), "-o", str(dst), "--model", m, "--target-column", "nope", "--quiet"]) == 2
    assert "no target column 'nope'" in capsys.readouterr().err and not dst.exists()
    assert (
        main(["score", str(src), "-o", str(dst), "--model", m, "--text-column", "body", "--target", "x", "--quiet"])
        == 2
    )
    err = capsys.readouterr().err
    assert str(src) in err and "no text column 'body'" in err and not dst.exists()
    assert main(["score", str(tmp_path / "missing.csv"), "-o", str(dst), "--model", m, "--target", "x"]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "in.xlsx").write_text("x")
    assert main(["score", str(tmp_path / "in.xlsx"), "-o", str(dst), "--model", m, "--target", "x"]) == 2
    assert "unknown format '.xlsx'" in capsys.readouterr().err
    assert main(["score", str(src), "-o", str(dst), "--model", m, "--quiet"]) == 2
    assert "needs a target" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'text,topic\n"unclosed,x\n')
    assert main(["score", str(bad), "-o", str(dst), "--model", m, "--target-column", "topic", "--quiet"]) == 2
    assert "malformed CSV" in capsys.readouterr().err and not dst.exists()
    assert main(["score", str(src), "-o", str(dst), "--model", "no-such-model", "--target", "x"]) == 2
    assert "unknown model 'no-such-model'" in capsys.readouterr().err


def test_refuses_to_overwrite_without_force(
    tmp_path: Path, tiny_stance_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(tmp_path / "in.csv", pd.DataFrame(ROWS))
    dst = tmp_path / "out.csv"
    dst.write_text("precious")
    args = ["score", str(src), "-o", str(dst), "--model", str(tiny_stance_dir), "--target-column", "topic", "--quiet"]
    assert main(args) == 2
    assert "exists" in capsys.readouterr().err and dst.read_text() == "precious"
    assert main([*args, "--force"]) == 0
    assert len(_read(dst)) == len(ROWS)


def test_zero_rows(tmp_path: Path, tiny_stance_dir: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("text,topic\n")
    dst = tmp_path / "out.csv"
    assert (
        main(
            ["score", str(src), "-o", str(dst), "--model", str(tiny_stance_dir), "--target-column", "topic", "--quiet"]
        )
        == 0
    )
    assert dst.exists() and len(_read(dst)) == 0


def test_holder_refused_until_a_holder_model(
    tmp_path: Path, tiny_stance_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(tmp_path / "in.csv", pd.DataFrame(ROWS))
    code = main(
        [
            "score",
            str(src),
            "-o",
            str(tmp_path / "o.csv"),
            "--model",
            str(tiny_stance_dir),
            "--target-column",
            "topic",
            "--holder",
            "Armenia",
        ]
    )
    assert code == 2 and "need a holder-aware model such as --model directed" in capsys.readouterr().err


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "stancekit", "--help"], capture_output=True, text=True, check=True)
    assert "score" in out.stdout and "evaluate" in out.stdout


@requires_data
def test_evaluate_command_json(tmp_path: Path, tiny_stance_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "eval.json"
    assert main(["evaluate", "--model", str(tiny_stance_dir), "--dataset", "semeval2016", "--json", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads(out.read_text())
    for result in (printed, saved):
        assert result["dataset"] == "semeval2016" and result["split"] == "test" and result["n"] == 1249
        assert set(result["metrics"]) == {"accuracy", "macro_f1", "f_avg"}
        assert all(0 <= v <= 1 for v in result["metrics"].values())
    assert main(["evaluate", "--model", str(tiny_stance_dir), "--dataset", "sst2"]) == 2
    assert "sentiment corpus but the model is a stance model" in capsys.readouterr().err


def test_analyze_command_and_api(
    tmp_path: Path, tiny_stance_dir: Path, tiny_sentiment_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import stancekit

    doc = tmp_path / "doc.txt"
    doc.write_text("Armenia might leave the CSTO. Russia said nothing.")
    args = ["analyze", str(doc), "--target", "CSTO", "--target", "Russia", "--model", str(tiny_stance_dir)]
    assert main([*args, "--sentiment-model", str(tiny_sentiment_dir), "-o", str(tmp_path / "t.csv")]) == 0
    out = capsys.readouterr().out
    assert "[0] Armenia might leave the CSTO." in out and "sentiment:" in out and "CSTO:" in out
    assert len(pd.read_csv(tmp_path / "t.csv")) == 4
    stance = load(tiny_stance_dir, device="cpu")
    records = stancekit.analyze(doc.read_text(), ["CSTO", "Russia"], model=stance, sentiment=None, as_frame=False)
    assert [(r["sentence_index"], r["target"]) for r in records] == [
        (0, "CSTO"),
        (0, "Russia"),
        (1, "CSTO"),
        (1, "Russia"),
    ]
    ref = stance.predict_proba("Russia said nothing.", targets="Russia")
    assert records[3]["p_none"] == pytest.approx(float(ref[2]), abs=1e-5)
    with pytest.raises(ValueError, match="more than once"):
        stancekit.analyze("A text.", ["CSTO", "CSTO"], model=stance, sentiment=None)
    with pytest.raises(ValueError, match="no text"):
        stancekit.analyze("  ", ["CSTO"], model=stance, sentiment=None)
