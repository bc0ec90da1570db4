"""Load-time checks of the network and its tokenizer (issue 23, item 6): a folder whose tokenizer files are missing
or do not fit the embedding table, or whose weights hold NaN / inf, is refused with a :class:`ModelLoadError`
instead of labelling every row the same (or with NaN probabilities)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import BertTokenizerFast

from stancekit.core.errors import ModelLoadError
from stancekit.core.hashing import sha256_file
from stancekit.model import folder as model_folder
from stancekit.model import load
from stancekit.model.checks import UNUSED_ROWS_TOLERANCE
from stancekit.model.classifier import Classifier
from tests.conftest import make_tiny

TEXTS = ["armenia might leave the csto", "i love peace", "russia will oppose the treaty", "war"]
WEIGHT = "bert.encoder.layer.0.attention.self.query.weight"


def _tiny(tmp: Path, *, extra_rows: int = 0) -> Classifier:
    """The tiny model with its whole WordPiece vocabulary (about 140 tokens) and an embedding table to match
    (plus ``extra_rows`` of padding)."""
    clf = make_tiny(tmp, "stance")
    clf.tokenizer = BertTokenizerFast(vocab=str(tmp / "vocab.txt"), do_lower_case=True)
    clf.model.resize_token_embeddings(len(clf.tokenizer) + extra_rows, mean_resizing=False)
    return clf


@pytest.fixture
def tiny(tmp_path: Path) -> Classifier:
    return _tiny(tmp_path)


@pytest.fixture
def tiny_dir(tmp_path: Path, tiny: Classifier) -> Path:
    """A full (plain Hugging Face) folder: model.safetensors, tokenizer.json, tokenizer_config.json."""
    return tiny.save_pretrained(tmp_path / "tiny", compact=False)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _rows(folder: Path) -> int:
    return int(json.loads((folder / "config.json").read_text())["vocab_size"])


def _save_weights(folder: Path, name: str, weights: dict[str, torch.Tensor]) -> None:
    """Store edited weights with their new checksum, as a run that saved them would."""
    save_file(weights, str(folder / name), metadata={"format": "pt"})
    config = json.loads((folder / "config.json").read_text())
    config["stancekit"]["weights_sha256"] = sha256_file(folder / name)
    (folder / "config.json").write_text(json.dumps(config))


# ------------------------------------------------------------------------------------------------- good folders


def test_a_good_folder_still_loads_and_predicts_identically(tiny: Classifier, tiny_dir: Path) -> None:
    again = load(tiny_dir, device="cpu", dtype="float32")
    assert len(again.tokenizer) == again.model.get_input_embeddings().weight.shape[0] == _rows(tiny_dir)
    np.testing.assert_allclose(
        again.predict_proba(TEXTS, targets="csto"), tiny.predict_proba(TEXTS, targets="csto"), atol=1e-6
    )
    assert again.predict(TEXTS, targets="csto") == tiny.predict(TEXTS, targets="csto")


def test_the_shared_tiny_fixture_still_loads(tiny_stance_dir: Path, tiny_sentiment_dir: Path) -> None:
    assert load(tiny_stance_dir).predict_proba(TEXTS, targets="csto").shape == (len(TEXTS), 3)
    assert load(tiny_sentiment_dir).predict_proba(TEXTS).shape == (len(TEXTS), 3)


def test_a_slightly_padded_embedding_table_is_accepted(tmp_path: Path) -> None:
    padded = _tiny(tmp_path, extra_rows=3)  # 3 spare rows of ~143: within the tolerance
    rows = padded.model.get_input_embeddings().weight.shape[0]
    assert len(padded.tokenizer) >= rows * (1 - UNUSED_ROWS_TOLERANCE)
    out = padded.save_pretrained(tmp_path / "padded", compact=False)
    np.testing.assert_allclose(
        load(out, device="cpu", dtype="float32").predict_proba(TEXTS, targets="csto"),
        padded.predict_proba(TEXTS, targets="csto"),
        atol=1e-6,
    )


# ------------------------------------------------------------------------------------------------- tokenizers


def test_missing_tokenizer_files_are_refused(tmp_path: Path, tiny_dir: Path) -> None:
    folder = _copy(tiny_dir, tmp_path / "no-tokenizer")
    (folder / "tokenizer.json").unlink()
    (folder / "vocab.txt").unlink(missing_ok=True)
    assert (folder / "tokenizer_config.json").is_file()
    with pytest.raises(ModelLoadError, match=r"tokenizer files are missing.*neither tokenizer\.json nor vocab\.txt"):
        load(folder)
    # vocab.txt alone (the slow form) is enough
    shutil.copy(tmp_path / "vocab.txt", folder / "vocab.txt")
    assert load(folder).predict(TEXTS, targets="csto") == load(tiny_dir).predict(TEXTS, targets="csto")


def test_missing_tokenizer_files_name_the_folder(tmp_path: Path, tiny_stance_dir: Path) -> None:
    folder = _copy(tiny_stance_dir, tmp_path / "shared-no-tokenizer")
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelLoadError, match=rf"^{folder}: the tokenizer files are missing.*save_pretrained"):
        load(folder)


def test_a_truncated_vocabulary_is_refused(tmp_path: Path, tiny_dir: Path) -> None:
    folder = _copy(tiny_dir, tmp_path / "truncated")
    rows = _rows(folder)
    kept = (tmp_path / "vocab.txt").read_text(encoding="utf-8").splitlines()[: rows // 2]
    short = tmp_path / "short"
    short.mkdir()
    (short / "vocab.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab=str(short / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    with pytest.raises(ModelLoadError, match=rf"knows only {len(kept)} tokens.*embedding table has {rows} rows"):
        load(folder)


def test_a_tokenizer_bigger_than_the_embedding_table_is_refused(tmp_path: Path, tiny: Classifier) -> None:
    folder = tiny.save_pretrained(tmp_path / "bigger", compact=False)
    rows = _rows(folder)
    tiny.tokenizer.add_tokens(["yerevan", "pashinyan"])
    tiny.tokenizer.save_pretrained(folder)
    with pytest.raises(ModelLoadError, match=rf"token ids up to {rows + 1}.*only {rows} rows.*out of range"):
        load(folder)


# ---------------------------------------------------------------------------------------------------- weights


@pytest.mark.parametrize(
    ("values", "counts"),
    [
        ([float("nan")], r"1 non-finite value\(s\) \(1 NaN, 0 inf\)"),
        ([float("inf"), -float("inf")], r"2 non-finite value\(s\) \(0 NaN, 2 inf\)"),
    ],
    ids=["nan", "inf"],
)
def test_non_finite_weights_are_refused(tmp_path: Path, tiny_dir: Path, values: list[float], counts: str) -> None:
    folder = _copy(tiny_dir, tmp_path / "diverged")
    weights = load_file(str(folder / model_folder.FULL_WEIGHTS))
    for i, value in enumerate(values):
        weights[WEIGHT][0, i] = value
    _save_weights(folder, model_folder.FULL_WEIGHTS, weights)
    with pytest.raises(ModelLoadError, match=rf"not finite: {WEIGHT} has {counts}.*likely diverged"):
        load(folder)


def test_nan_in_a_low_rank_delta_is_caught_in_the_final_weights(tmp_path: Path, tiny: Classifier) -> None:
    """A compact folder stores ``KEY.delta_u`` / ``KEY.delta_v`` over a backbone; the check sees ``KEY``."""
    backbone = tmp_path / "backbone"
    tiny.model.save_pretrained(backbone, safe_serialization=True)
    key = "bert.encoder.layer.0.intermediate.dense.weight"  # 64 x 32: stored as rank-4 factors
    torch.manual_seed(1)
    with torch.no_grad():
        dict(tiny.model.named_parameters())[key].add_(torch.randn(64, 4) @ torch.randn(4, 32) * 0.05)
    tiny.spec.backbone = str(backbone)
    folder = tiny.save_pretrained(tmp_path / "low-rank", compact=True, low_rank=True)
    assert f"{key}.delta_u" in load_file(str(folder / model_folder.DELTA_WEIGHTS))
    load(folder)  # loads while finite
    weights = load_file(str(folder / model_folder.DELTA_WEIGHTS))
    weights[f"{key}.delta_u"][3, 0] = float("nan")  # one NaN in U spreads along row 3 of U @ V
    _save_weights(folder, model_folder.DELTA_WEIGHTS, weights)
    with pytest.raises(ModelLoadError, match=rf"not finite: {key} has 32 non-finite value\(s\) \(32 NaN, 0 inf\)"):
        load(folder)
