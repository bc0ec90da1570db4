"""The resume fingerprint: a resumed run must score exactly as the interrupted one did, so every setting that
changes a score is part of it, a mismatch is refused naming the differing fields, and an input rewritten during a
run stops it before the next chunk is committed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import stancekit.scoring.file as scoring
from stancekit.core.errors import InputError
from stancekit.model.classifier import Classifier, load
from stancekit.scoring.file import score_file
from stancekit.scoring.resume import ScoringInterrupted, partial_dir
from tests.conftest import WORDS
from tests.unit.test_ngram import _fit

CHUNK = 10


class _StopAfter:
    """A progress bar that presses Ctrl-C once ``rows`` rows are counted (after the first chunk is committed)."""

    def __init__(self, rows: int) -> None:
        self.rows, self.n = rows, 0

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.n > self.rows:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


def _input(path: Path, rows: int = 40) -> Path:
    texts = [" ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(2 + i % 7)) for i in range(rows)]
    pd.DataFrame({"text": texts, "target": ["csto"] * rows}).to_json(path, orient="records", lines=True)
    return path


def _interrupt(monkeypatch: pytest.MonkeyPatch, clf: Classifier, src: Path, dst: Path) -> None:
    with monkeypatch.context() as m:
        m.setattr(scoring, "make_progress", lambda *a, **k: _StopAfter(CHUNK))
        with pytest.raises(ScoringInterrupted):
            score_file(clf, src, dst, target_column="target", chunk_rows=CHUNK)
    assert json.loads((partial_dir(dst) / "state.json").read_text())["chunks_done"] >= 1


@pytest.fixture
def with_experts(tmp_path: Path, tiny_stance: Classifier) -> Path:
    """A stance model folder with n-gram experts for 'csto' (the rows' target)."""
    tiny_stance.experts = _fit()
    return tiny_stance.save_pretrained(tmp_path / "with-experts", compact=False)


def _temperature(clf: Classifier) -> Classifier:
    clf.spec.temperature = 1.7
    return clf


def _label_bias(clf: Classifier) -> Classifier:
    clf.spec.label_bias = [0.5, 0.0, -0.5]
    return clf


def _max_length(clf: Classifier) -> Classifier:
    clf.spec.max_length = 16
    return clf


CHANGES: dict[str, tuple[dict[str, Any], Callable[[Classifier], Classifier] | None, str]] = {
    "experts off": ({"experts": False}, None, "model.experts"),
    "backend": ({"backend": "onnx"}, None, "model.backend"),
    "dtype": ({"dtype": "bfloat16"}, None, "model.dtype"),
    "batch size": ({"batch_size": 7}, None, "model.batch_size"),
    "token budget": ({"max_tokens": 333}, None, "model.max_tokens"),
    "temperature": ({}, _temperature, "model.spec.temperature"),
    "label bias": ({}, _label_bias, "model.spec.label_bias"),
    "max length": ({}, _max_length, "model.spec.max_length"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_changed_model_setting_is_refused_by_name(
    tmp_path: Path, with_experts: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    src, dst = _input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    before = load(with_experts, device="cpu", dtype="float32", backend="torch")
    assert before.experts is not None
    _interrupt(monkeypatch, before, src, dst)
    options, edit, field = CHANGES[change]
    after = load(with_experts, **{"device": "cpu", "dtype": "float32", "backend": "torch", **options})
    if edit is not None:
        after = edit(after)
    with pytest.raises(InputError, match="the interrupted run differs in") as err:
        score_file(after, src, dst, target_column="target", chunk_rows=CHUNK, resume=True, progress=False)
    assert field in str(err.value) and "then," in str(err.value)
    changed = str(err.value).split("differs in ")[1].split(" (")[0].split(", ")
    assert field in changed and "model.weights" not in changed  # the setting, not a blanket "model"
    # The same settings resume, and the output is row for row what one uninterrupted run writes.
    summary = score_file(before, src, dst, target_column="target", chunk_rows=CHUNK, resume=True, progress=False)
    assert summary.resumed_from >= CHUNK
    reference = tmp_path / "reference.jsonl"
    score_file(before, src, reference, target_column="target", chunk_rows=CHUNK, progress=False)
    assert dst.read_bytes() == reference.read_bytes()


def test_different_weights_are_named(tmp_path: Path, tiny_stance_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    src, dst = _input(tmp_path / "in.jsonl"), tmp_path / "out.csv"
    _interrupt(monkeypatch, load(tiny_stance_dir, device="cpu"), src, dst)
    other = load(tiny_stance_dir, device="cpu")
    with torch.no_grad():
        next(other.model.parameters()).add_(1.0)
    with pytest.raises(InputError, match=r"differs in model\.weights \("):
        score_file(other, src, dst, target_column="target", chunk_rows=CHUNK, resume=True, progress=False)


@pytest.mark.parametrize("how", ["rewritten in place", "replaced", "same size, old mtime put back"])
def test_an_input_changed_during_the_run_stops_it(
    tmp_path: Path, tiny_stance: Classifier, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    src, dst = _input(tmp_path / "in.jsonl"), tmp_path / "out.csv"
    original = scoring._score_chunk
    calls = {"n": 0}

    def rewrite() -> None:
        stat = src.stat()
        if how == "rewritten in place":
            with src.open("a", encoding="utf-8") as fh:
                fh.write('{"text": "a new row", "target": "csto"}\n')
        elif how == "replaced":
            fresh = _input(tmp_path / "fresh.jsonl")
            os.replace(fresh, src)
        else:
            data = src.read_bytes()
            src.write_bytes(data.replace(b"the", b"THE"))
            os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    def score_then_change(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            rewrite()
        return original(*args, **kwargs)

    monkeypatch.setattr(scoring, "_score_chunk", score_then_change)
    with pytest.raises(InputError, match="the input file changed during the run"):
        score_file(tiny_stance, src, dst, target_column="target", chunk_rows=CHUNK, progress=False)
    assert not dst.exists()
    state = json.loads((partial_dir(dst) / "state.json").read_text())
    assert state["chunks_done"] == 1  # the chunk read from the changed file was never committed
    with pytest.raises(InputError, match="differs in input"):  # and it cannot be resumed into the old rows
        score_file(tiny_stance, src, dst, target_column="target", chunk_rows=CHUNK, resume=True, progress=False)
