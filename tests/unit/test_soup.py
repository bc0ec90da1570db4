"""Model soups (stancekit.fitting.soup): weight averaging, the soup recipe, the greedy selection, a whole stage."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import torch
import yaml
from safetensors.torch import load_file

from stancekit.cli import main
from stancekit.core.errors import ConfigError, LeakageError, ModelNotFoundError
from stancekit.data.sources import DataSpec
from stancekit.fitting.config import TrainingConfig
from stancekit.fitting.soup import (
    SELECTION,
    SoupConfig,
    _selection,
    average_weights,
    greedy_soup,
    not_held_out,
    run_soup,
)
from stancekit.model.classifier import Classifier
from stancekit.model.options import LoadOptions
from stancekit.model.spec import ModelSpec
from tests.conftest import make_tiny

SHARED = "bert.embeddings.word_embeddings.weight"  # the tensor frozen fine-tuning leaves as it is
CHANGED = "classifier.weight"


def _parents(tmp: Path, n: int = 3) -> list[Path]:
    """``n`` tiny stance models with different random weights, one tokenizer and the same embeddings."""
    nets = [make_tiny(tmp, "stance", seed=seed) for seed in range(n)]
    shared = nets[0].model.state_dict()[SHARED]
    folders = []
    for i, net in enumerate(nets):
        with torch.no_grad():
            net.model.state_dict()[SHARED].copy_(shared)
        if i == 0:
            net.spec = ModelSpec.from_dict({**net.spec.to_dict(), "temperature": 1.5})
        folders.append(net.save_pretrained(tmp / f"parent-{i}", compact=False))
    return folders


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def test_average_weights_is_the_elementwise_mean_and_keeps_shared_tensors(tmp_path: Path) -> None:
    parents = _parents(tmp_path)
    out = average_weights(parents, tmp_path / "soup")
    soup, states = _weights(out), [_weights(p) for p in parents]
    assert not torch.equal(states[0][CHANGED], states[1][CHANGED])
    torch.testing.assert_close(soup[CHANGED], (states[0][CHANGED] + states[1][CHANGED] + states[2][CHANGED]) / 3)
    # (a + a + a) / 3 is not a in float32 everywhere: the shared tensor must be copied, not averaged
    assert not torch.equal((states[0][SHARED] * 3) / 3, states[0][SHARED])
    assert torch.equal(soup[SHARED], states[0][SHARED])
    clf = Classifier.from_pretrained(out, device="cpu", dtype="float32", backend="torch")
    assert clf.spec.temperature == 1.0 and clf.experts is None
    proba = clf.predict_proba(["armenia will leave the csto"], targets=["csto"])
    assert proba.shape == (1, 3) and abs(float(proba.sum()) - 1) < 1e-5


def test_average_weights_refuses_models_of_another_task(tmp_path: Path) -> None:
    stance = make_tiny(tmp_path, "stance").save_pretrained(tmp_path / "stance", compact=False)
    sentiment = make_tiny(tmp_path, "sentiment").save_pretrained(tmp_path / "sentiment", compact=False)
    with pytest.raises(ConfigError, match="cannot be averaged"):
        average_weights([stance, sentiment], tmp_path / "soup")
    with pytest.raises(ConfigError):
        average_weights([], tmp_path / "soup")


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


SOUP: dict[str, Any] = {"kind": "soup", "candidates": ["runs/x/a", "runs/x/b"], "expert_recipe": "recipes/x/01.yaml",
        "output_dir": "runs/x/soup"}  # fmt: skip


def test_soup_config_loads_and_validates(tmp_path: Path) -> None:
    calibrate = {"datasets": ["semeval2016"], "split": "validation"}
    config = SoupConfig.from_yaml(_write(tmp_path / "s.yaml", {**SOUP, "method": "greedy", "calibrate": calibrate}))
    assert config.method == "greedy" and config.calibrate is not None
    assert config.calibrate.sources == [("semeval2016", "validation")]
    assert SoupConfig(**config.to_dict()) == config
    for bad, error in [
        ({**SOUP, "epochs": 1}, "unknown option"),
        ({k: v for k, v in SOUP.items() if k != "candidates"}, "missing option"),
        ({**SOUP, "candidates": []}, "one or more candidates"),
        ({**SOUP, "method": "greedy", "candidates": ["runs/x/a"]}, "two or more"),
        ({**SOUP, "method": "mean"}, "method"),
        ({**SOUP, "candidates": ["runs/x/a", "runs/x/a"]}, "twice"),
        ({**SOUP, "output_dir": "runs/x/a"}, "also a candidate"),
        ({**SOUP, "calibrate": {"datasets": ["semeval2016"], "splits": "validation"}}, "unknown option"),
        ({k: v for k, v in SOUP.items() if k != "kind"}, "kind: soup"),
    ]:
        with pytest.raises(ConfigError, match=error):
            SoupConfig.from_yaml(_write(tmp_path / "bad.yaml", bad))


@pytest.mark.parametrize("split", ["test", "validation+test"])
def test_soup_config_refuses_calibration_on_a_test_split(tmp_path: Path, split: str) -> None:
    with pytest.raises(LeakageError, match="held out"):
        SoupConfig.from_yaml(
            _write(tmp_path / "s.yaml", {**SOUP, "calibrate": {"datasets": ["pstance"], "split": split}})
        )


class StubScorer:
    """A soup's selection figure looked up by its (sorted) ingredients; records every call."""

    def __init__(self, figures: dict[tuple[str, ...], float]) -> None:
        self.figures = figures
        self.calls: list[tuple[list[str], Path]] = []

    def __call__(self, ingredients: Any, out: Path) -> dict[str, Any]:
        self.calls.append((list(ingredients), out))
        return {SELECTION: self.figures[tuple(sorted(ingredients))], "experts": {"long": "search"}}


def test_greedy_soup_keeps_what_does_not_lower_the_figure_and_drops_what_does(tmp_path: Path) -> None:
    figures: dict[tuple[str, ...], float] = {("a",): 0.70, ("b",): 0.72, ("c",): 0.68, ("d",): 0.60}
    figures |= {("a", "b"): 0.72, ("a", "b", "c"): 0.71, ("a", "b", "d"): 0.75}  # a: a tie (kept), c lowers it
    score = StubScorer(figures)
    result = greedy_soup(["a", "b", "c", "d"], tmp_path / "soup", expert_recipe="unused.yaml", score=score)
    assert result["order"] == ["b", "a", "c", "d"]
    assert [(s["add"], s["kept"]) for s in result["steps"]] == [("a", True), ("c", False), ("d", True)]
    assert result["ingredients"] == ["b", "a", "d"]
    assert score.calls[-1] == (["b", "a", "d"], tmp_path / "soup")  # the final soup is written to out
    assert result["soup"][SELECTION] == 0.75 and "experts" not in result["candidates"]["a"]
    with pytest.raises(ConfigError):
        greedy_soup(["a"], tmp_path / "soup", expert_recipe="unused.yaml", score=score)


def test_selection_uses_the_experts_where_they_fire() -> None:
    network = {"s:validation/f_avg": 0.70, "p:validation/f_avg": 0.75, "v:validation/f_avg": 0.65}
    figures = _selection(network, {"s:validation": 0.77, "p:validation": 0.78})
    assert figures == {"selection_network": 0.7, SELECTION: round((0.77 + 0.78 + 0.65) / 3, 4)}


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    cues = {"favor": ["love", "support", "great"], "against": ["hate", "oppose", "terrible"], "none": ["said", "the"]}
    rows = []
    for i in range(n):
        label = ["against", "favor", "none"][i % 3]
        words = [rng.choice(cues[label]), *rng.sample(["armenia", "russia", "moscow", "treaty", "bloc", "west"], 3)]
        rows.append({"text": " ".join(words), "target": "csto", "label": label})
    return pd.DataFrame(rows)


def _stage(tmp: Path, parents: list[Path], **extra: Any) -> Path:
    _rows(240, 0).to_csv(tmp / "train.csv", index=False)
    _rows(60, 1).to_csv(tmp / "val.csv", index=False)
    recipe = {"output_dir": str(tmp / "unused"), "task": "stance", "train": [{"path": str(tmp / "train.csv")}],
              "validation": [{"path": str(tmp / "val.csv")}]}  # fmt: skip
    _write(tmp / "experts.yaml", recipe)
    soup = {"kind": "soup", "candidates": [str(p) for p in parents], "expert_recipe": str(tmp / "experts.yaml"),
            "output_dir": str(tmp / "soup"), "record": str(tmp / "record.json"), **extra}  # fmt: skip
    return _write(tmp / "soup.yaml", soup)


def test_a_soup_stage_writes_the_model_its_experts_metrics_and_card(tmp_path: Path) -> None:
    path = _stage(tmp_path, _parents(tmp_path, 2))
    out = run_soup(path, options=LoadOptions(device="cpu", dtype="float32", backend="torch"))
    names = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "ngram.json", "training_config.yaml", "metrics.json", "README.md"} <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["ingredients"] == SoupConfig.from_yaml(path).candidates and metrics["test"] == {}
    assert 0 <= metrics["validation"]["selection/with_experts"] <= 1 and metrics["ngram_experts"]["weight"] >= 0
    assert TrainingConfig.from_yaml(out / "training_config.yaml").output_dir == str(out)
    assert "model soup (uniform)" in (out / "README.md").read_text() and (tmp_path / "record.json").is_file()
    assert Classifier.from_pretrained(out, backend="torch").experts is not None


def test_a_soup_stage_refuses_missing_candidates_and_calibration_on_trained_rows(tmp_path: Path) -> None:
    parents = _parents(tmp_path, 2)
    with pytest.raises(ModelNotFoundError):
        run_soup(_stage(tmp_path, [parents[0], tmp_path / "missing"]))
    trained = {"train": [{"name": "vast", "split": "train+validation"}]}
    _write(parents[1] / "training_config.yaml", trained)
    calibrate = {"datasets": ["vast"], "split": "validation"}
    with pytest.raises(LeakageError, match="training data of"):
        run_soup(_stage(tmp_path, parents, calibrate=calibrate))
    validation = [DataSpec("vast", "validation"), DataSpec("semeval2016", "validation")]
    config = TrainingConfig(output_dir="x", task="stance", train=[DataSpec("semeval2016")], validation=validation)
    assert not_held_out(parents, config) == {"vast:validation": str(parents[1])}


def test_cli_soup_reports_a_bad_recipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["soup", str(_write(tmp_path / "s.yaml", {**SOUP, "epochs": 2}))]) == 2
    assert "unknown option" in capsys.readouterr().err
