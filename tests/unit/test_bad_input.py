"""Bad input, tried systematically: named cases and hypothesis fuzzing of the text and file layers.

Every case either gives one output row per input row, in order, with the problem in the ``error`` column, or
stops before any work (no output written) with a message naming the file and the row or column.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancekit.cli import main
from stancekit.core.errors import InputError
from stancekit.io.tables import TableSource
from stancekit.model.classifier import Classifier
from stancekit.scoring.file import score_file
from stancekit.scoring.frame import score_frame
from tests.conftest import make_tiny

# The default run is derandomized (CI stays reproducible); `STANCEKIT_FUZZ=500 pytest tests/unit/test_bad_input.py`
# searches afresh with 500 random examples per test.
_DEEP = int(os.environ.get("STANCEKIT_FUZZ", "0"))
FUZZ = settings(
    max_examples=_DEEP or 40, derandomize=not _DEEP, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def senti(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    return make_tiny(tmp_path_factory.mktemp("tiny"), "sentiment")


@pytest.fixture(scope="module")
def stance(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    return make_tiny(tmp_path_factory.mktemp("tiny"), "stance")


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_parquet(path)


def _check_rows(out: pd.DataFrame, n: int) -> None:
    """n rows; each either scored (label, probabilities summing to 1, no error) or an error (no label)."""
    assert len(out) == n
    for _, row in out.iterrows():
        has_error = isinstance(row["error"], str) and row["error"] != ""
        proba = np.array([row["p_negative"], row["p_neutral"], row["p_positive"]], dtype=float)
        if has_error:
            assert pd.isna(row["label"]) and np.isnan(proba).all()
        else:
            assert row["label"] in ("negative", "neutral", "positive")
            assert abs(proba.sum() - 1) < 1e-4


# ---------------------------------------------------------------------------------------------------- named cases
def test_empty_whitespace_none_nan_numbers(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.jsonl"
    lines = ['{"text": "good"}', '{"text": ""}', '{"text": " \\t\\n"}', '{"text": null}', '{"text": NaN}',
             '{"text": 42}', '{"text": 1.5}', '{"text": true}', '{"text": ["a"]}', '{"other": "x"}',
             '{"text": "bad"}']  # fmt: skip
    src.write_text("\n".join(lines) + "\n")
    summary = score_file(senti, src, tmp_path / "out.jsonl", progress=False)
    out = _read(tmp_path / "out.jsonl")
    _check_rows(out, len(lines))
    errors = out["error"].tolist()
    assert pd.isna(errors[0]) and pd.isna(errors[-1])
    assert [e.split(" (")[0] for e in errors[1:5]] == ["empty text", "empty text", "missing text", "missing text"]
    assert all("not text" in e for e in errors[5:9]) and "missing text" in errors[9]
    assert summary.errors == 9


def test_invalid_utf8_is_a_row_error_not_a_stop(tmp_path: Path, senti: Classifier) -> None:
    csv_in = tmp_path / "in.csv"
    csv_in.write_bytes(b"id,text\n1,fine\n2,caf\xe9 ok\n3,also fine\n")
    score_file(senti, csv_in, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    _check_rows(out, 3)
    assert "row 2, column 'text': invalid UTF-8" in out["error"][1]
    assert out["text"][1] == "caf\ufffd ok"  # written as valid UTF-8, the bad byte shown
    jl = tmp_path / "in.jsonl"
    jl.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n{"text": "fine too"}\n')
    score_file(senti, jl, tmp_path / "out.jsonl", progress=False)
    out = _read(tmp_path / "out.jsonl")
    _check_rows(out, 3)
    assert "row 2 (line 2): invalid UTF-8" in out["error"][1]


def test_ten_megabyte_text_is_scored_truncated(tmp_path: Path, senti: Classifier) -> None:
    big = "war and peace " * (10 * 2**20 // 14)
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["short one", big, "another"]}).to_csv(src, index=False)
    summary = score_file(senti, src, tmp_path / "out.parquet", progress=False)
    out = pd.read_parquet(tmp_path / "out.parquet")
    _check_rows(out, 3)
    assert out["truncated"].tolist() == [False, True, False] and summary.truncated == 1
    assert len(out["text"][1]) == len(big)  # the input column is passed through whole


def test_csv_ragged_rows_embedded_newlines_quotes(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        'id,text\n1,"a ""quoted"" word, and a comma"\n2,"two\nlines"\n3,too,many,fields\n4\n\n5,"last"\n',
        encoding="utf-8",
    )
    score_file(senti, src, tmp_path / "out.jsonl", progress=False)
    out = _read(tmp_path / "out.jsonl")
    _check_rows(out, 5)
    assert out["id"].astype(str).tolist() == ["1", "2", "3", "4", "5"]
    assert out["text"][0] == 'a "quoted" word, and a comma' and out["text"][1] == "two\nlines"
    assert out["error"][2] == "row 3 (line 5): 4 fields where the header has 2"
    assert out["error"][3] == "row 4 (line 6): 1 fields where the header has 2"
    assert pd.isna(out["error"][4])


def test_csv_bom_and_nul(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("\ufefftext\nnul\x00inside\nplain\n".encode())
    score_file(senti, src, tmp_path / "out.csv", progress=False)
    _check_rows(_read(tmp_path / "out.csv"), 2)


def test_jsonl_broken_and_non_object_lines(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "ok"}\n{"text": "unterminated\n\n[1, 2]\n"just a string"\n{"text": "ok again"}\n')
    score_file(senti, src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    _check_rows(out, 5)  # the blank line is not a row
    assert out["error"][1].startswith("row 2 (line 2): invalid JSON")
    assert out["error"][2] == "row 3 (line 4): a JSON list, not an object"
    assert out["error"][3] == "row 4 (line 5): a JSON str, not an object"


def test_parquet_wrong_column_type_stops_before_work(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": pa.array([1, 2, 3], pa.int64())}), src)
    dst = tmp_path / "out.csv"
    with pytest.raises(InputError, match=r"in\.parquet: text column 'text' holds int64, not text"):
        score_file(senti, src, dst, progress=False)
    assert not dst.exists() and not list(tmp_path.glob(".out.csv*"))


def test_duplicate_and_missing_ids(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\na,one\nb,two\na,three\n,four\nb,five\n")
    summary = score_file(senti, src, tmp_path / "out.csv", id_column="id", progress=False)
    out = _read(tmp_path / "out.csv")
    _check_rows(out, 5)
    assert out["error"][2] == "duplicate id 'a' in 'id' (first at row 1)"
    assert out["error"][3] == "missing id ('id')"
    assert out["error"][4] == "duplicate id 'b' in 'id' (first at row 2)"
    assert summary.errors == 3
    with pytest.raises(InputError, match="no id column 'key'"):
        score_file(senti, src, tmp_path / "o2.csv", id_column="key", progress=False)


def test_missing_target_column_and_clashing_columns(tmp_path: Path, stance: Classifier) -> None:
    src = tmp_path / "in.csv"
    src.write_text("text,error\nhello,x\n")
    with pytest.raises(InputError, match=r"in\.csv: no target column 'topic'; columns are \['text', 'error'\]"):
        score_file(stance, src, tmp_path / "out.csv", target_column="topic", progress=False)
    with pytest.raises(InputError, match=r"input columns \['error'\] would be overwritten"):
        score_file(stance, src, tmp_path / "out.csv", targets=["CSTO"], progress=False)
    with pytest.raises(InputError, match="a target is given twice"):
        score_file(stance, src, tmp_path / "out.csv", targets=["CSTO", "CSTO"], progress=False)
    assert not list(tmp_path.glob("out*")) and not list(tmp_path.glob(".out*"))


@pytest.mark.parametrize(
    ("name", "content"), [("h.csv", "text\n"), ("e.csv", ""), ("e.jsonl", ""), ("b.jsonl", "\n\n"), ("z.parquet", None)]
)
@pytest.mark.parametrize("out_fmt", [".csv", ".jsonl", ".parquet"])
def test_zero_rows(tmp_path: Path, senti: Classifier, name: str, content: str | None, out_fmt: str) -> None:
    src = tmp_path / name
    if content is None:
        pq.write_table(pa.table({"text": pa.array([], pa.string())}), src)
    else:
        src.write_text(content)
    dst = tmp_path / f"out{out_fmt}"
    summary = score_file(senti, src, dst, progress=False)
    assert summary.rows == 0 and dst.exists()
    if out_fmt == ".parquet":
        assert pq.read_table(dst).num_rows == 0 and "p_positive" in pq.read_table(dst).column_names
    elif out_fmt == ".csv":
        assert dst.read_text().splitlines()[0].startswith("text,label,p_negative")


def test_malformed_csv_stops_before_work_naming_the_line(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.csv"
    src.write_text('text\nfine\n"bad "quote" here"\nfine\n')
    with pytest.raises(InputError, match=r"in\.csv: line 3: malformed CSV"):
        score_file(senti, src, tmp_path / "out.csv", progress=False)
    src.write_text('text\n"never closed\nfine\n')
    with pytest.raises(InputError, match="malformed CSV"):
        score_file(senti, src, tmp_path / "out.csv", progress=False)
    assert not (tmp_path / "out.csv").exists()


def test_cli_reports_bad_input_without_traceback(
    tmp_path: Path, tiny_sentiment_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": pa.array([1.0], pa.float64())}), src)
    assert main(["score", str(src), "--model", str(tiny_sentiment_dir), "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "holds double, not text" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------------- fuzzing
CELLS = st.one_of(
    st.text(max_size=60),
    st.none(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
)


@FUZZ
@given(st.lists(CELLS, max_size=25))
def test_fuzz_score_frame_keeps_every_row(senti: Classifier, values: list[object]) -> None:
    frame = pd.DataFrame({"n": range(len(values)), "text": pd.Series(values, dtype=object)})
    out = score_frame(senti, frame)
    assert out["n"].tolist() == list(range(len(values)))
    _check_rows(out, len(values))
    for value, err in zip(values, out["error"]):
        ok = isinstance(value, str) and value.strip() != ""
        assert (err is None) == ok


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=80), st.binary(max_size=40)), max_size=30))
def test_fuzz_jsonl_lines(senti: Classifier, lines: list[object]) -> None:
    """Arbitrary lines (valid objects with any text, or raw bytes): one output row per non-blank line."""
    encoded = []
    for line in lines:
        raw = json.dumps({"text": line}).encode() if isinstance(line, str) else line
        assert isinstance(raw, bytes)
        encoded.append(raw.replace(b"\n", b" ").replace(b"\r", b" "))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.parquet"
        src.write_bytes(b"\n".join(encoded) + b"\n")
        expected = sum(1 for raw in encoded if raw.strip())
        score_file(senti, src, dst, progress=False)
        out = pd.read_parquet(dst)
        _check_rows(out, expected)
        assert TableSource(src).scan().rows == expected


@FUZZ
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=40)), max_size=25))
def test_fuzz_csv_roundtrip(senti: Classifier, rows: list[tuple[str, str]]) -> None:
    """Quotes, commas, newlines, NULs in cells: every row comes back, cells unchanged, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.csv", Path(tmp) / "out.jsonl"
        with src.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "note"])
            writer.writerows(rows)
        score_file(senti, src, dst, progress=False)
        out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
        assert [(r["text"], r["note"]) for r in out] == rows


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=50), st.none()), max_size=25), st.sampled_from([".csv", ".jsonl"]))
def test_fuzz_parquet_to_any(senti: Classifier, texts: list[str | None], out_fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.parquet", Path(tmp) / f"out{out_fmt}"
        pq.write_table(pa.table({"i": pa.array(range(len(texts))), "text": pa.array(texts, pa.string())}), src)
        score_file(senti, src, dst, progress=False, chunk_rows=7)
        if not texts and out_fmt == ".jsonl":
            assert dst.read_bytes() == b""  # zero rows: an empty JSONL file
            return
        out = _read(dst)
        _check_rows(out, len(texts))
        assert [int(x) for x in out["i"]] == list(range(len(texts)))


@pytest.mark.parametrize("out_fmt", [".csv", ".parquet"])
def test_output_file_mode_follows_umask(tmp_path: Path, senti: Classifier, out_fmt: str) -> None:
    src = tmp_path / "in.csv"
    src.write_text("text\nhello\n")
    dst = tmp_path / f"out{out_fmt}"
    old = os.umask(0o022)
    try:
        score_file(senti, src, dst, progress=False)
    finally:
        os.umask(old)
    assert dst.stat().st_mode & 0o777 == 0o644


def test_carriage_returns_in_text_survive_csv_output(tmp_path: Path, senti: Classifier) -> None:
    """Found by the fuzzer: a lone \\r in a text must be quoted in the CSV output, or readers split the row."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "\\r"}\n{"text": "one\\rtwo"}\n{"text": "a\\r\\nb"}\n')
    score_file(senti, src, tmp_path / "out.csv", progress=False)
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["text"] for r in rows] == ["\r", "one\rtwo", "a\r\nb"]
    assert len(pd.read_csv(tmp_path / "out.csv")) == 3
