"""Golden checks: the shipped models, file scoring and document analysis give what they gave before the package
was re-layered (tests/golden/, written by tests/golden/make_golden.py on the code before the move).

Float32 results depend on the CPU's instruction set (the order of the sums in a matrix product), so they are
compared exactly on a machine of the recorded kind and to 1e-5 elsewhere; labels must be the same everywhere.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stancekit
from stancekit.scoring.file import score_file
from tests.conftest import requires_models

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
assert _spec is not None and _spec.loader is not None
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)

pytestmark = [pytest.mark.integration, requires_models]
RECORD = json.loads((GOLDEN / "proba.json").read_text(encoding="utf-8"))
SAME_KIND = RECORD["signature"] == make_golden.cpu_signature()


def _close(got: np.ndarray, want: np.ndarray) -> None:
    if SAME_KIND:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_the_sample_is_the_recorded_one() -> None:
    assert make_golden.sample() == json.loads((GOLDEN / "sample.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["stance", "sentiment", "directed"])
def test_predict_proba_matches_golden(name: str) -> None:
    got = np.asarray(make_golden.model_proba(name, make_golden.sample()), dtype=np.float32)
    want = np.asarray(RECORD["proba"][name], dtype=np.float32)
    assert got.shape == want.shape == (200, 3)
    assert (got.argmax(axis=1) == want.argmax(axis=1)).all()
    _close(got, want)


def test_score_file_matches_golden(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    score_file(stancekit.load("sentiment", dtype="float32"), GOLDEN / "score-input.csv", out, progress=False)
    want_bytes = (GOLDEN / "score-output.csv").read_bytes()
    if SAME_KIND:
        assert out.read_bytes() == want_bytes
    got, want = pd.read_csv(out, keep_default_na=False), pd.read_csv(GOLDEN / "score-output.csv", keep_default_na=False)
    assert list(got.columns) == list(want.columns)
    for col in got.columns:
        if col.startswith("p_"):
            _close(pd.to_numeric(got[col]).to_numpy(np.float32), pd.to_numeric(want[col]).to_numpy(np.float32))
        else:
            assert got[col].tolist() == want[col].tolist(), col


def test_analyze_seed_matches_golden() -> None:
    table = make_golden.analyze_seed()
    want = pd.read_csv(GOLDEN / "analyze-seed.csv", keep_default_na=False)
    got = pd.read_csv(pd.io.common.StringIO(table.to_csv(index=False)), keep_default_na=False)
    assert list(got.columns) == list(want.columns)
    for col in got.columns:
        if col.startswith(("p_", "sentiment_p_")):
            _close(got[col].to_numpy(np.float32), want[col].to_numpy(np.float32))
        else:
            assert got[col].tolist() == want[col].tolist(), col
