"""The model card writer: a hub-readable YAML header, and a body that says what the run did (no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import ModelCard

from stancekit.fitting.card import card_data_from_training, render_card, write_model_card
from stancekit.fitting.config import TrainingConfig


def _config(tmp_path: Path, **overrides: Any) -> TrainingConfig:
    # file sources are not read when the config is built
    options: dict[str, Any] = {
        "output_dir": str(tmp_path / "stance-test"),
        "task": "stance",
        "train": [{"path": "x.csv"}],
        "validation": [{"path": "y.csv"}],
        "backbone": "minilm-l6",
        "epochs": 1,
    }
    return TrainingConfig(**(options | overrides))


def _test_result() -> dict[str, Any]:
    scores = {"accuracy": 0.7012, "macro_f1": 0.6534, "f_avg": 0.6891}
    return {
        "dataset": "semeval2016",
        "split": "test",
        "n": 1249,
        "metrics": scores,
        "groups": {
            "Atheism": {"accuracy": 0.76, "macro_f1": 0.65, "f_avg": 0.64, "n": 220},
            "Hillary Clinton": {"accuracy": 0.73, "macro_f1": 0.68, "f_avg": 0.695, "n": 295},
        },
    }


def _metrics(*, test: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "selection_metric": "mean validation f_avg",
        "best_step": 120,
        "validation": {"y.csv/accuracy": 0.71, "y.csv/f_avg": 0.66, "loss": 0.6},
        "train_rows": 1000,
        "train_seconds": 12.5,
        "hardware": "x86_64, 2 CPUs",
        "precision": "float32",
        "test": {"semeval2016:test": _test_result()} if test else {},
        **extra,
    }


def _render(tmp_path: Path, config: TrainingConfig | None = None, metrics: dict[str, Any] | None = None) -> str:
    config = config or _config(tmp_path)
    data = card_data_from_training(Path(config.output_dir), config, metrics or _metrics(), "stancekit train r.yaml")
    return render_card(data)


def test_header_is_read_by_huggingface_hub(tmp_path: Path) -> None:
    text = _render(tmp_path)
    meta = ModelCard(text).data
    assert meta.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta.library_name == "stancekit"
    assert meta.license == "mit"
    assert meta.pipeline_tag == "text-classification"
    assert meta.model_name == "stance-test"
    found = {(r.dataset_type, r.dataset_split, r.metric_type): r.metric_value for r in meta.eval_results}
    assert found == {
        ("semeval2016", "test", "accuracy"): pytest.approx(70.12),
        ("semeval2016", "test", "f1"): pytest.approx(65.34),
        ("semeval2016", "test", "f_avg"): pytest.approx(68.91),
    }
    assert "model-index" in meta.to_dict()
    assert text.startswith("---\n") and "\n---\n# stance-test\n" in text


def test_test_table_has_the_split_and_its_groups(tmp_path: Path) -> None:
    text = _render(tmp_path)
    assert "## Test scores" in text
    assert "| `semeval2016:test` | 1249 | 70.1 | 65.3 | 68.9 (f_avg) |" in text
    assert "| &nbsp;&nbsp;Hillary Clinton | 295 | 73.0 | 68.0 | 69.5 |" in text
    assert "Test splits: none scored" not in text


@pytest.mark.parametrize(("epochs", "said", "not_said"), [(1, "1 epoch,", "1 epochs"), (3, "3 epochs,", "3 epoch,")])
def test_epochs_are_counted_in_words(tmp_path: Path, epochs: int, said: str, not_said: str) -> None:
    text = _render(tmp_path, config=_config(tmp_path, epochs=epochs))
    assert said in text
    assert not_said not in text


def test_no_test_results_no_test_section(tmp_path: Path) -> None:
    text = _render(tmp_path, metrics=_metrics(test=False))
    assert "## Test scores" not in text
    assert "| test split |" not in text
    assert "Test splits: none scored." in text
    assert "model-index" not in ModelCard(text).data.to_dict()


def test_distillation_is_reported(tmp_path: Path) -> None:
    distill = {
        "weight": 0.7,
        "temperature": 2.0,
        "sources": {"x.csv": {"teacher": "teachers/mpnet", "teacher_agrees_with_gold": 0.773}},
    }
    text = _render(tmp_path, metrics=_metrics(distillation=distill))
    assert (
        "- distillation (weight 0.7, temperature 2): `x.csv` with soft targets from `teachers/mpnet` "
        "(its top label agrees with gold on 77.3% of these training rows)"
    ) in text
    assert "soft targets from" not in _render(tmp_path)


def test_directed_results_get_the_holder_section(tmp_path: Path) -> None:
    directed = _test_result() | {
        "dataset": "directed-news",
        "n": 20,
        "sentences": 10,
        "holder_blind": {"metrics": {"accuracy": 0.5, "macro_f1": 0.4, "f_avg": 0.3}},
        "five_class": {"accuracy": 0.6, "macro_f1": 0.35, "mean_average_precision": 0.31},
    }
    text = _render(tmp_path, metrics=_metrics() | {"test": {"directed-news:test": directed}})
    assert "## `directed-news:test`: what the holder is worth" in text
    assert "| holder-blind (3 classes) | 50.0 | 40.0 | 30.0 |" in text
    assert "(mAP 31.0)" in text


def test_trainer_wrapper_writes_readme(tmp_path: Path) -> None:
    config = _config(tmp_path)
    folder = Path(config.output_dir)
    folder.mkdir()
    write_model_card(folder, config, _metrics(), "stancekit train recipes/stance-test/train.yaml")
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert "STANCEKIT_DATA=../shared/data stancekit train recipes/stance-test/train.yaml" in text
    assert "- **Recipe:** `recipes/stance-test/train.yaml`" in text
    assert "session" not in text.lower()
