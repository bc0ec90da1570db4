"""Weight averaging ("model soup") of stance models, selected on validation only.

Averages the network weights of experiments/stance-v4 (stage 2, the shipped model) and experiments/stance-v5
(stage 3: better network validation F_avg, worse with the n-gram experts), both fine-tuned from the same stage 1,
refits the n-gram experts and their weight on the validation sources exactly as training does
(:func:`stancekit.ngram.attach_experts` with the stance-v4 recipe), scores VAST validation (no experts there) and
writes ``soup.json`` with the validation figures of the soup next to those of its two parents, and the model
folder (weights, tokenizer, experts, ``training_config.yaml`` = the stance-v4 recipe the experts are fitted on,
``metrics.json``). No test split is read here. Run from the repository root (about 10 minutes on the 2-core CPU),
then fit the network's temperature:

    STANCEKIT_DATA=../shared/data python experiments/stance-soup/soup.py [--out models/stance-minilm]
        [--parents FOLDER ...] [--json FILE]   # other parents; one parent = its experts refitted, as here
    STANCEKIT_DATA=../shared/data stancekit calibrate --model <out> --no-experts \
        --dataset semeval2016 --dataset pstance --dataset vast --write
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch

from stancekit.model.classifier import Classifier
from stancekit.model.spec import ModelSpec
from stancekit.fitting.evaluation import evaluate_classifier
from stancekit.fitting.experts import attach_experts
from stancekit.fitting.config import TrainingConfig

HERE = Path(__file__).parent
PARENTS = [Path("experiments/stance-v4/out-model"), Path("experiments/stance-v5/out-model")]
RECIPE = Path("experiments/stance-v4/train.yaml")


def without_experts(record: dict[str, Any]) -> dict[str, Any]:
    """A validation record without its (long) expert weight search."""
    return {k: v for k, v in record.items() if k != "experts"}


def parent_validation(folder: Path) -> dict[str, Any]:
    """The parent's validation figures as its training (or an earlier soup) recorded them."""
    m = json.loads((folder / "metrics.json").read_text())
    if "network_f_avg" in m["validation"]:  # a soup's own record
        return without_experts(m["validation"])
    e = m["ngram_experts"]
    best = e["grid"].index(e["weight"])
    return {
        "network_f_avg": {k: round(v, 4) for k, v in m["validation"].items() if k.endswith("/f_avg")},
        "vast_macro_f1": round(m["validation"]["vast:validation/macro_f1"], 4),
        "experts_weight": e["weight"],
        "with_experts_f_avg": {k: round(v[best], 4) for k, v in e["validation"].items()},
    }


def make_soup(parents: list[Path], out: Path) -> dict[str, Any]:
    """Average ``parents``' network weights into ``out``, refit its experts; return its validation record."""
    nets = [Classifier.from_pretrained(p, experts=False, backend="torch", dtype="float32") for p in parents]
    states = [n.model.state_dict() for n in nets]
    soup = nets[0]
    with torch.no_grad():
        for key, tensor in soup.model.state_dict().items():
            # Tensors every parent shares (the frozen embeddings) are kept as they are: (a + a + a) / 3 need not
            # equal a in float32, and a changed tensor would be stored in the compact weights file.
            if tensor.is_floating_point() and not all(torch.equal(s[key], states[0][key]) for s in states[1:]):
                tensor.copy_(sum(s[key].float() for s in states) / len(states))
    soup.spec = ModelSpec.from_dict({**soup.spec.to_dict(), "temperature": 1.0})
    soup.save_pretrained(out)
    # float32 (not the bf16 default of CPUs with native bf16): the same figures on every machine, and as in rounds 1-5
    soup = Classifier.from_pretrained(out, experts=False, dtype="float32")
    config = TrainingConfig.from_yaml(RECIPE)
    experts = attach_experts(soup, config, progress=True)
    assert soup.experts is not None
    soup.experts.save(out)
    vast = evaluate_classifier(soup, "vast", "validation", progress=True)
    best = experts["grid"].index(experts["weight"])
    record: dict[str, Any] = {
        "network_f_avg": {
            **{f"{k}/f_avg": round(v[0], 4) for k, v in experts["validation"].items()},
            "vast:validation/f_avg": round(vast["metrics"]["f_avg"], 4),
        },
        "vast_macro_f1": round(vast["metrics"]["macro_f1"], 4),
        "experts_weight": experts["weight"],
        "with_experts_f_avg": {k: round(v[best], 4) for k, v in experts["validation"].items()},
        "experts": experts,
    }
    add_selection(record)
    config.output_dir = str(out)
    config.to_yaml(out / "training_config.yaml")
    return record


def add_selection(r: dict[str, Any]) -> None:
    """The selection figures: mean validation F_avg of the network, and of the shipped system (with experts)."""
    net = r["network_f_avg"]
    with_e = r["with_experts_f_avg"]
    full = (sum(with_e.values()) + net["vast:validation/f_avg"]) / (len(with_e) + 1)
    r["selection_network"] = round(sum(net.values()) / len(net), 4)
    r["selection_with_experts"] = round(full, 4)


def write_metrics(out: Path, parents: list[Path], record: dict[str, Any], parent_records: dict[str, Any]) -> None:
    metrics = {
        "recipe": "experiments/stance-soup/soup.py: "
        + (f"the network weights of {parents[0]}" if len(parents) == 1 else "the mean of the network weights of ")
        + ("" if len(parents) == 1 else " and ".join(map(str, parents))),
        "selection_metric": "mean validation F_avg over SemEval-2016, P-Stance and VAST, with the n-gram experts",
        "validation": record,
        "parents": parent_records,
        "ngram_experts": record["experts"],
        "test": {},
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out-model", help="model folder to write")
    parser.add_argument("--parents", type=Path, nargs="+", default=PARENTS, help="model folders to average")
    parser.add_argument("--json", type=Path, default=HERE / "soup.json", help="where to write the validation record")
    args = parser.parse_args(argv)
    out: Path = args.out
    parents: list[Path] = args.parents
    record = make_soup(parents, out)
    result = {"parents": [str(p) for p in parents], "soup": record, **{str(p): parent_validation(p) for p in parents}}
    for name, r in [("soup", record)] + [(str(p), result[str(p)]) for p in parents]:
        add_selection(r)
        sel_net, sel_full = r["selection_network"], r["selection_with_experts"]
        print(f"{name}: network mean F_avg {sel_net:.4f}, with experts {sel_full:.4f}")
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    write_metrics(out, parents, record, {str(p): result[str(p)] for p in parents})
    return 0


if __name__ == "__main__":
    sys.exit(main())
