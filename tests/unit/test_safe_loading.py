"""Safe model loading, tested with crafted folders: pickles refused, no remote code, damaged weights caught."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from stancekit.cli import main
from stancekit.core.errors import ModelLoadError, UnsafeModelError
from stancekit.model.classifier import load

TEXTS = ["armenia might leave the csto", "i love peace"]


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def _set_config(folder: Path, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config))


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


class _Evil:
    """Unpickling this would create a file: the proof that a pickle ran code."""

    marker = ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (Path(self.marker),))


def test_folder_with_a_pickle_is_refused_with_the_reason(
    tmp_path: Path, tiny_sentiment_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    (folder / "pytorch_model.bin").write_bytes(b"anything")
    with pytest.raises(UnsafeModelError, match=r"pickle file\(s\) \['pytorch_model.bin'\].*run arbitrary code"):
        load(folder)
    (folder / "pytorch_model.bin").unlink()
    (folder / "extra.pkl").write_bytes(b"x")
    (tmp_path / "x.csv").write_text("text\nhello\n")  # a real input: the paths are checked before the model
    assert main(["score", str(tmp_path / "x.csv"), "--model", str(folder), "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "extra.pkl" in err and "--allow-pickle" in err and "Traceback" not in err
    # With the flag, the safetensors weights are used and the pickle is never opened.
    assert load(folder, allow_pickle=True).predict(TEXTS) == load(tiny_sentiment_dir).predict(TEXTS)


def test_allow_pickle_loads_plain_tensors_with_the_weights_only_unpickler(
    tmp_path: Path, tiny_sentiment_dir: Path
) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    config = _config(folder)
    config["stancekit"]["weights_sha256"] = None
    _set_config(folder, config)
    with pytest.raises(UnsafeModelError):
        load(folder)
    ref = load(tiny_sentiment_dir).predict_proba(TEXTS)
    np.testing.assert_allclose(load(folder, allow_pickle=True).predict_proba(TEXTS), ref, atol=1e-6)


def test_a_malicious_pickle_does_not_run_even_when_allowed(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "pwned"
    _Evil.marker = str(marker)
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"w": _Evil()}))
    with pytest.raises(ModelLoadError, match="cannot load"):
        load(folder, allow_pickle=True)
    assert not marker.exists()


def test_custom_code_is_never_run(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    marker = tmp_path / "pwned"
    (folder / "modeling_evil.py").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).touch()\n")
    config = _config(folder)
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_evil.EvilModel"}
    _set_config(folder, config)
    with pytest.raises(UnsafeModelError, match="custom code"):
        load(folder)
    assert not marker.exists()


def test_truncated_weights_give_a_clear_error(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="corrupted or was changed: its SHA-256 differs"):
        load(folder)
    config = _config(folder)  # without a recorded checksum, safetensors' own checks still catch it
    config["stancekit"]["weights_sha256"] = None
    _set_config(folder, config)
    with pytest.raises(ModelLoadError, match="truncated or corrupted safetensors file"):
        load(folder)
    weights.write_bytes(b"\x00" * 7)
    with pytest.raises(ModelLoadError, match="truncated or corrupted"):
        load(folder)


def test_flipped_bytes_are_caught_by_the_checksum(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF  # inside a tensor: the header still parses, the numbers are wrong
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="SHA-256 differs"):
        load(folder)


def test_missing_or_misshapen_tensors_are_not_half_loaded(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    tensors = load_file(str(folder / "model.safetensors"))
    config = _config(folder)
    config["stancekit"]["weights_sha256"] = None
    _set_config(folder, config)
    save_file({k: v for k, v in tensors.items() if k != "classifier.weight"}, str(folder / "model.safetensors"))
    with pytest.raises(ModelLoadError, match=r"no weights for 1 tensor\(s\), e.g. \['classifier.weight'\]"):
        load(folder)
    bad = dict(tensors)
    bad["classifier.weight"] = torch.zeros(5, 5)
    save_file(bad, str(folder / "model.safetensors"))
    with pytest.raises(ModelLoadError, match="has shape"):
        load(folder)
    save_file({**tensors, "extra.weight": torch.zeros(1)}, str(folder / "model.safetensors"))
    with pytest.raises(ModelLoadError, match="does not have"):
        load(folder)


def test_unreadable_config(tmp_path: Path, tiny_sentiment_dir: Path) -> None:
    folder = _copy(tiny_sentiment_dir, tmp_path / "m")
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match=r"config\.json: unreadable"):
        load(folder)
