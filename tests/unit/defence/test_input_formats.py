"""Input formats: what real pipelines write (pandas-indexed Parquet, exact numbers, time zones, nested values,
lone surrogates, other encodings) comes out of a scoring run with every column and every value as it went in."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancekit.cli import main
from stancekit.core.errors import InputError
from stancekit.model.classifier import Classifier
from stancekit.scoring.file import score_file
from tests.conftest import make_tiny

FUZZ = settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCORES = ["label", "p_negative", "p_neutral", "p_positive", "truncated", "error"]


@pytest.fixture(scope="module")
def senti(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    return make_tiny(tmp_path_factory.mktemp("tiny"), "sentiment")


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": ["a", "b", "c", "d"], "lang": ["en", "fr", "en", "en"], "text": ["good", "bad", "the war", "peace"]}
    )


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _scored(senti: Classifier, src: Path, out_fmt: str, **kwargs: Any) -> pd.DataFrame:
    dst = src.with_name(src.stem + ".out" + out_fmt)
    score_file(senti, src, dst, progress=False, force=True, **kwargs)
    if out_fmt == ".csv":
        return pd.read_csv(dst, dtype=str, keep_default_na=False)
    if out_fmt == ".jsonl":
        return pd.DataFrame(_jsonl(dst))
    return pq.read_table(dst).to_pandas()


# ------------------------------------------------------------------------------------------- pandas-indexed Parquet
@pytest.mark.parametrize("out_fmt", [".csv", ".jsonl", ".parquet"])
def test_filtered_frame_keeps_its_index_column_aligned(tmp_path: Path, senti: Classifier, out_fmt: str) -> None:
    df = _frame()
    df[df.lang == "en"].to_parquet(tmp_path / "in.parquet")  # the index 0, 2, 3 is stored as a column
    out = _scored(senti, tmp_path / "in.parquet", out_fmt)
    assert list(out.columns) == ["id", "lang", "text", "__index_level_0__", *SCORES]
    assert [str(v) for v in out["__index_level_0__"]] == ["0", "2", "3"]
    assert [str(v) for v in out["text"]] == ["good", "the war", "peace"]
    assert set(out["label"]) <= {"negative", "neutral", "positive"}  # the label column holds labels, not numbers


@pytest.mark.parametrize("out_fmt", [".csv", ".jsonl", ".parquet"])
def test_named_index_is_kept_and_usable_as_id_column(tmp_path: Path, senti: Classifier, out_fmt: str) -> None:
    _frame().set_index("id").to_parquet(tmp_path / "in.parquet")
    out = _scored(senti, tmp_path / "in.parquet", out_fmt, id_column="id")
    assert list(out.columns) == ["lang", "text", "id", *SCORES]
    assert list(out["id"]) == ["a", "b", "c", "d"]
    assert out["error"].isna().all() or (out["error"] == "").all()


# ---------------------------------------------------------------------------------------- exact pass-through values
def test_jsonl_numbers_are_exact(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"text": "good", "pi": 3.141592653589793, "big": 9007199254740993, "neg": -0.0}\n'
        '{"text": "bad", "pi": null, "big": null, "neg": 1e-300}\n'
    )
    score_file(senti, src, tmp_path / "out.jsonl", progress=False)
    rows = _jsonl(tmp_path / "out.jsonl")
    assert rows[0]["pi"] == 3.141592653589793 and rows[0]["big"] == 9007199254740993
    assert isinstance(rows[0]["big"], int) and rows[1]["neg"] == 1e-300
    assert rows[1]["pi"] is None and rows[1]["big"] is None
    text = (tmp_path / "out.jsonl").read_text()
    assert "9007199254740993" in text and "3.141592653589793" in text
    score_file(senti, src, tmp_path / "out.csv", progress=False)
    csv_text = (tmp_path / "out.csv").read_text()
    assert "9007199254740993" in csv_text and "3.141592653589793" in csv_text


def test_parquet_timestamps_keep_their_zone_and_precision(tmp_path: Path, senti: Classifier) -> None:
    when = pd.Timestamp("2024-05-01 12:00:00.123456789", tz="Asia/Yerevan")
    table = pa.table(
        {
            "text": ["good", "bad"],
            "at": pa.array([when, None], pa.timestamp("ns", tz="Asia/Yerevan")),
            "day": pa.array([dt.date(2024, 5, 1), None]),
            "price": pa.array([decimal.Decimal("12.3400"), None], pa.decimal128(10, 4)),
            "blob": pa.array([b"\x00\xff", None]),
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    score_file(senti, tmp_path / "in.parquet", tmp_path / "out.jsonl", progress=False)
    rows = _jsonl(tmp_path / "out.jsonl")
    assert rows[0]["at"] == "2024-05-01T12:00:00.123456789+04:00"
    assert rows[0]["day"] == "2024-05-01" and rows[0]["price"] == "12.3400"
    assert base64.b64decode(rows[0]["blob"]) == b"\x00\xff"
    assert rows[1]["at"] is None and rows[1]["day"] is None
    score_file(senti, tmp_path / "in.parquet", tmp_path / "out.parquet", progress=False)
    back = pq.read_table(tmp_path / "out.parquet")
    for name in ("at", "day", "price", "blob"):
        assert back.schema.field(name).type == table.schema.field(name).type
        assert back.column(name).to_pylist() == table.column(name).to_pylist()


def test_scores_are_written_at_float32_precision(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.csv"
    src.write_text("text\ngood\n")
    score_file(senti, src, tmp_path / "out.jsonl", progress=False)
    row = _jsonl(tmp_path / "out.jsonl")[0]
    score_file(senti, src, tmp_path / "out.csv", progress=False)
    csv_row = pd.read_csv(tmp_path / "out.csv", dtype=str).iloc[0]
    for name in ("p_negative", "p_neutral", "p_positive"):
        assert str(row[name]) == csv_row[name]  # the shortest float32 text, the same in both formats


# -------------------------------------------------------------------------------------------------- broken text
def test_lone_surrogate_escape_is_a_row_error_and_the_run_goes_on(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "good", "x": "\\ud800"}\n{"text": "bad", "x": "ok"}\n{"text": "\\udfff yes"}\n')
    for fmt in (".csv", ".jsonl", ".parquet"):
        out = _scored(senti, src, fmt)
        assert len(out) == 3
        assert "row 1 (line 1)" in out["error"][0] and "lone surrogate" in out["error"][0] and "'x'" in out["error"][0]
        assert out["label"][1] in ("negative", "neutral", "positive")
        assert "row 3" in out["error"][2] and "'text'" in out["error"][2]
        assert out["x"][0] == "\ufffd"


def test_invalid_utf8_in_a_parquet_string_column_is_a_row_error(tmp_path: Path, senti: Classifier) -> None:
    bad = pa.array([b"good", b"caf\xe9", None, b"peace"], pa.binary()).view(pa.string())
    note = pa.array([b"ok", b"ok", b"\xff", b"ok"], pa.large_binary()).view(pa.large_string())
    pq.write_table(pa.table({"text": bad, "note": note}), tmp_path / "in.parquet")
    out = _scored(senti, tmp_path / "in.parquet", ".csv", chunk_rows=3)
    assert len(out) == 4
    assert "row 2, column 'text': invalid UTF-8" in out["error"][1]
    assert "row 3, column 'note': invalid UTF-8" in out["error"][2]
    assert out["text"][1] == "caf\ufffd" and out["error"][3] == ""


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("id,nom\u00e9,text\n1,a,b\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 in the header"),
        ("text\nhello\n".encode("utf-16"), "UTF-16 text, not UTF-8 csv"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive"),
        (b"PAR1\x15\x04", "a Parquet file"),
    ],
)
def test_a_csv_that_is_not_utf8_says_so(tmp_path: Path, senti: Classifier, content: bytes, says: str) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    with pytest.raises(InputError, match=str(src)) as err:
        score_file(senti, src, tmp_path / "out.csv", progress=False)
    assert says in str(err.value)
    assert not (tmp_path / "out.csv").exists()


def test_a_utf16_jsonl_file_says_so(tmp_path: Path, senti: Classifier) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes('{"text": "hello"}\n'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text, not UTF-8 jsonl"):
        score_file(senti, src, tmp_path / "out.csv", progress=False)


def test_a_directory_as_input_says_it_is_a_directory(tmp_path: Path, senti: Classifier, capsys: Any) -> None:
    folder = tmp_path / "in.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        score_file(senti, folder, tmp_path / "out.csv", progress=False)
    (tmp_path / "lake").mkdir()
    rc = main(["score", str(tmp_path / "lake"), "--model", "sentiment", "-o", str(tmp_path / "o.csv")])
    assert rc == 2 and "is a directory" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------- fuzzing
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond int64 too
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON data, with types (1 is not 1.0 or True) and -0.0 kept."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), JSON_VALUES, max_size=3), max_size=12))
def test_fuzz_jsonl_values_round_trip_exactly(senti: Classifier, records: list[dict[str, Any]]) -> None:
    """Every pass-through value of a JSONL file comes back from JSONL output as the same JSON value."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        lines = [json.dumps({"text": "good", **r}) for r in records]
        src.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        score_file(senti, src, dst, progress=False, chunk_rows=5)
        out = _jsonl(dst) if records else []
        assert len(out) == len(records)
        columns = list(dict.fromkeys(k for r in records for k in r))
        for record, row in zip(records, out):
            for key in columns:
                assert _same(row[key], record.get(key)), (key, row[key], record.get(key))


PARQUET_COLUMNS = {
    "int64": (st.integers(min_value=-(2**63), max_value=2**63 - 1), pa.int64()),
    "float64": (st.floats(allow_nan=False), pa.float64()),
    "large_string": (st.text(max_size=8), pa.large_string()),
    "string_view": (st.text(max_size=8), pa.string_view()),
    "binary": (st.binary(max_size=6), pa.binary()),
    "bool": (st.booleans(), pa.bool_()),
    "list": (st.lists(st.integers(-5, 5), max_size=3), pa.list_(pa.int64())),
    "struct": (
        st.fixed_dictionaries({"x": st.integers(-5, 5), "y": st.text(max_size=3)}),
        pa.struct([("x", pa.int64()), ("y", pa.string())]),
    ),
    "timestamp": (st.datetimes(timezones=st.just(dt.timezone.utc)), pa.timestamp("us", tz="UTC")),
}


@st.composite
def parquet_tables(draw: Any) -> tuple[pa.Table, str]:
    n = draw(st.integers(0, 9))
    names = draw(st.lists(st.sampled_from(sorted(PARQUET_COLUMNS)), unique=True, max_size=4))
    columns: dict[str, pa.Array] = {}
    texts = draw(st.lists(st.one_of(st.none(), st.text(max_size=10)), min_size=n, max_size=n))
    text_type = draw(st.sampled_from(["string", "large_string", "dictionary", "string_view"]))
    text = pa.array(texts, pa.large_string() if text_type == "large_string" else pa.string())
    if text_type == "dictionary":
        text = text.dictionary_encode()
    elif text_type == "string_view":
        text = text.cast(pa.string_view())
    columns["text"] = text
    for name in names:
        values, kind = PARQUET_COLUMNS[name]
        cells = draw(st.lists(st.one_of(st.none(), values), min_size=n, max_size=n))
        columns[name] = pa.array(cells, kind)
    table = pa.table(columns)
    if draw(st.booleans()):  # pandas index metadata: a named or an unnamed stored index
        frame = table.to_pandas()
        frame.index = pd.Index([f"r{i}" for i in range(n)], name=draw(st.sampled_from([None, "row_id"])))
        table = pa.Table.from_pandas(frame)
    return table, text_type


@FUZZ
@given(parquet_tables(), st.sampled_from([".parquet", ".jsonl", ".csv"]))
def test_fuzz_parquet_schemas_keep_every_column_and_row(senti: Classifier, drawn: Any, out_fmt: str) -> None:
    table, _ = drawn
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.parquet", Path(tmp) / f"out{out_fmt}"
        pq.write_table(table, src)
        score_file(senti, src, dst, progress=False, chunk_rows=4)
        names = list(table.schema.names)
        if out_fmt == ".parquet":
            back = pq.read_table(dst)
            assert back.schema.names == [*names, *SCORES]
            for name in names:
                assert back.column(name).to_pylist() == table.column(name).to_pylist(), name
            return
        if out_fmt == ".jsonl":
            rows = _jsonl(dst)
            assert len(rows) == table.num_rows
            assert all(list(r)[: len(names)] == names for r in rows)
            for name in names:
                got = [r[name] for r in rows]
                kind = table.schema.field(name).type
                if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_list(kind):
                    assert got == table.column(name).to_pylist(), name
            return
        out = pd.read_csv(dst, dtype=str, keep_default_na=False) if table.num_rows else None
        if out is not None:
            assert list(out.columns) == [*names, *SCORES] and len(out) == table.num_rows
