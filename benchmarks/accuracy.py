"""Accuracy suite: every shipped model on every test split it supports, beside a TF-IDF baseline and anchors.

    STANCEKIT_DATA=../shared/data python benchmarks/accuracy.py [--models stance sentiment directed] [--no-baseline]

Writes ``benchmarks/results/accuracy-<model>.json`` and prints the markdown table that ``benchmarks/README.md``
carries. The TF-IDF + linear SVM baseline is trained in the same run on the same training sources as the model
(read from the model's ``training_config.yaml``, without oversampling) and scored on the same test rows. Each
model's ``README.md`` is rewritten by the card writer (``stancekit.fitting.card``) from its ``training_config.yaml``
and ``metrics.json``, with this run's test figures and table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from stancekit.core.metrics import classification_scores, grouped_scores, predict_restricted
from stancekit.core.provenance import git_commit
from stancekit.data import DATASETS, load_dataset, load_source
from stancekit.fitting.baseline import TfidfBaseline
from stancekit.fitting.card import card_data_from_training, write_card
from stancekit.fitting.config import TrainingConfig
from stancekit.fitting.evaluation import evaluate_classifier
from stancekit.fitting.soup import card_data_from_soup
from stancekit.model import load, resolve_model_path

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent

#: Published figures (percent) on the same test splits, for context: (system, value, metric).
ANCHORS: dict[str, list[tuple[str, float, str]]] = {
    "semeval2016:test": [
        ("SemEval-2016 best system (MITRE)", 67.82, "f_avg"),
        ("SemEval-2016 SVM n-gram baseline", 68.98, "f_avg"),
        ("RoBERTa-base (TweetEval)", 68.0, "f_avg"),
        ("BERTweet (TweetEval)", 71.2, "f_avg"),
    ],
    "pstance:test": [("BERTweet (Li et al. 2021), mean over targets", 80.5, "f_avg")],
    "vast:test": [("TGA-Net (Allaway & McKeown 2020)", 66.6, "macro_f1")],
    "tweeteval-sentiment:test": [
        ("RoBERTa-base (TweetEval)", 71.3, "macro_recall"),
        ("BERTweet", 73.4, "macro_recall"),
    ],
    "sst2:dev": [("MiniLM-L6 (fine-tuned, binary)", 91.5, "accuracy"), ("BERT-base", 93.0, "accuracy")],
    # News and arguments (sources, and how each metric is computed: benchmarks/ANCHORS.md)
    "directed-news:test": [  # the corpus's 5 classes (Wen, Hovy & Hauptmann, ACL 2024, Table 3)
        ("DSE2QA Pseudo (Park et al. 2021)", 67.66, "five-class macro_f1"),
        ("POLITICS (in Wen et al. 2024)", 71.12, "five-class macro_f1"),
        ("Wen et al. 2024", 72.50, "five-class macro_f1"),
    ],
    "newsmtsc:test_mt": [
        ("GRU-TSC (Hamborg & Donnay 2021)", 82.5, "macro_f1"),
        ("their best baseline", 81.2, "macro_f1"),
    ],
    "newsmtsc:test_rw": [
        ("GRU-TSC (Hamborg & Donnay 2021)", 83.1, "macro_f1"),
        ("their best baseline", 81.7, "macro_f1"),
    ],
    "semeval2016:test_b": [("best 2016 system (pkudblab)", 56.28, "f_avg")],
    "emergent:test": [("logistic regression (Ferreira & Vlachos 2016)", 73.0, "accuracy")],
    "perspectrum:test": [("STANCY (Popat et al. 2019), F1", 77.76, "f1"), ("humans, F1", 90.9, "f1")],
    "ukp-sentential:test": [  # cross-topic: mean over the 8 held-out topics
        ("BERT-large, leave one topic out (Reimers et al. 2019; unverified)", 63.38, "macro_f1"),
        ("BERT-base, the authors' script", 61.69, "macro_f1"),
    ],
    "sentfin:test": [("RoBERTa / finBERT (Sinha et al. 2022; their own split)", 93.27, "f1")],
}
#: FNC-1 competition test (Hanselowski et al., COLING 2018, Table 3; exBAKE: Jwa et al. 2019): macro-F1 over the
#: four classes, and the FNC score relative to the best possible (the 2017 leaderboard).
DOCUMENT_ANCHORS: dict[str, list[tuple[str, float, str]]] = {
    "fnc1": [
        ("featMLP (Hanselowski et al. 2018)", 60.7, "macro_f1"),
        ("stackLSTM (Hanselowski et al. 2018)", 60.9, "macro_f1"),
        ("Athene, 2017 2nd", 60.4, "macro_f1"),
        ("TalosComb, 2017 winner", 58.2, "macro_f1"),
        ("exBAKE (BERT, Jwa et al. 2019)", 74.6, "macro_f1"),
        ("TalosComb, 2017 winner", 82.02, "fnc_relative"),
    ],
    "arc": [],
}
HEADLINE = {name: info.headline for name, info in DATASETS.items()}  # the metric each corpus is reported with


def fit_baseline(config: TrainingConfig, labels: tuple[str, ...]) -> TfidfBaseline:
    """The TF-IDF baseline on the model's training sources (each row once: no oversampling)."""
    texts: list[str] = []
    targets: list[str | None] = []
    gold: list[str] = []
    for spec in config.train:
        ds = load_source(spec, config.task)
        texts += ds["text"]
        targets += ds["target"] if config.task == "stance" else [None] * ds.num_rows
        gold += ds["label"]
    return TfidfBaseline(labels).fit(texts, targets, gold)


def baseline_scores(
    model: TfidfBaseline, config: TrainingConfig, labels: tuple[str, ...], test_label: str
) -> dict[str, Any]:
    name, split = test_label.split(":")
    test = load_dataset(name, split)
    test_targets = test["target"] if config.task == "stance" else [None] * test.num_rows
    scores = model.decision(test["text"], test_targets)
    pred = predict_restricted(scores, labels, set(test["label"]))
    return {
        "metrics": classification_scores(test["label"], pred, config.task),
        "groups": grouped_scores(test["label"], pred, test["group"], config.task),
    }


def confusion_png(matrix: list[list[int]], labels: list[str], title: str, path: Path) -> Path:
    """A confusion matrix (rows gold, columns predicted) as a PNG, counts and row-normalised shading."""
    from matplotlib.figure import Figure

    counts = np.asarray(matrix, dtype=float)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig = Figure(figsize=(1.6 + 0.9 * len(labels), 1.4 + 0.8 * len(labels)), dpi=110)
    ax = fig.add_subplot()
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(
                j, i, f"{int(counts[i, j])}", ha="center", va="center", color="white" if share[i, j] > 0.6 else "black"
            )
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    return path


def run(model_name: str, with_baseline: bool) -> dict[str, Any]:
    folder = resolve_model_path(model_name)
    config = TrainingConfig.from_yaml(folder / "training_config.yaml")
    # float32: the reference figures, the same on every CPU (the default is bfloat16 where the CPU has it natively;
    # its labels agree with float32 on 99.77-99.93% of these test rows, benchmarks/README.md "Speed")
    clf = load(folder, dtype="float32")
    out: dict[str, Any] = {
        "model": model_name,
        "folder": str(folder),
        "commit": git_commit(__file__),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "device": str(clf.device),
        "dtype": str(clf.dtype).replace("torch.", ""),
        "temperature": clf.spec.temperature,
        "label_bias": dict(clf.spec.label_bias),
        "experts": {"targets": clf.experts.targets, "weight": clf.experts.weight} if clf.experts else None,
        "splits": {},
    }
    # with n-gram experts (stancekit/model/experts.py), the network alone too: what the experts add, split by split
    plain = load(folder, dtype="float32", experts=False) if clf.experts is not None else None
    baseline = fit_baseline(config, clf.labels) if with_baseline else None
    for spec in config.evaluate:
        label = spec.label
        t0 = time.time()
        result = evaluate_classifier(clf, str(spec.name), spec.split)
        entry: dict[str, Any] = {"model": result, "seconds": round(time.time() - t0, 1)}
        if plain is not None and clf.experts is not None:
            covered = any(clf.experts.covers(t) for t in load_dataset(str(spec.name), spec.split)["target"])
            entry["network_alone"] = evaluate_classifier(plain, str(spec.name), spec.split) if covered else result
        if baseline is not None:
            entry["tfidf_baseline"] = baseline_scores(baseline, config, clf.labels, label)
        entry["anchors"] = [{"system": s, "value": v, "metric": m} for s, v, m in ANCHORS.get(label, [])]
        png = RESULTS / f"confusion-{model_name}-{label.replace(':', '-')}.png"
        entry["confusion_png"] = confusion_png(
            result["confusion"], result["labels"], f"{model_name} on {label}", png
        ).name
        out["splits"][label] = entry
        print(f"{model_name} {label}: {json.dumps(result['metrics'])}", file=sys.stderr)
    return out


def run_documents(
    model_name: str, corpora: list[str], *, dtype: str = "float32", train_per_class: int = 1500
) -> dict[str, Any]:
    """Document verdicts (FNC-1 / ARC bodies vs headlines, sentence by sentence): stancekit.fitting.documents."""
    from stancekit.fitting.documents import evaluate_fnc

    clf = load(resolve_model_path(model_name), dtype=dtype)
    out: dict[str, Any] = {}
    for corpus in corpora:
        t0 = time.time()
        out[corpus] = evaluate_fnc(clf, corpus, train_per_class=train_per_class, progress=True)
        out[corpus]["dtype"] = str(clf.dtype).replace("torch.", "")
        out[corpus]["seconds"] = round(time.time() - t0, 1)
        out[corpus]["anchors"] = [
            {"system": s, "value": v, "metric": m} for s, v, m in DOCUMENT_ANCHORS.get(corpus, [])
        ]
        print(f"{model_name} {corpus}: learned {out[corpus]['learned']['test']['macro_f1']:.3f}", file=sys.stderr)
    return out


def documents_table(model_name: str, docs: dict[str, Any]) -> str:
    lines = [
        "| model | corpus (test) | aggregator | macro-F1 | FNC score (relative) | accuracy | published anchors |",
        "|---|---|---|---|---|---|---|",
    ]
    for corpus, res in docs.items():
        anchors = "; ".join(f"{a['system']} {a['value']:.1f} ({a['metric']})" for a in res["anchors"]) or "—"
        for kind in ("rule", "learned"):
            m = res[kind]["test"]
            lines.append(
                f"| {model_name} | `{corpus}` ({res['pairs']} pairs, {res['sentences_scored']:,} of "
                f"{res['sentences_total']:,} sentences read for stance) | {kind} | **{100 * m['macro_f1']:.1f}** | "
                f"{100 * m['fnc_score']['relative']:.1f} | {100 * m['accuracy']:.1f} | "
                f"{anchors if kind == 'learned' else ''} |"
            )
    return "\n".join(lines)


def run_probes(model_name: str) -> dict[str, Any]:
    from stancekit.fitting.evaluation import evaluate_probes

    return evaluate_probes(
        load(resolve_model_path(model_name), dtype="float32"), REPO / "tests/fixtures/news_probes.jsonl"
    )


def probes_table(results: dict[str, dict[str, Any]]) -> str:
    cats = sorted({c for r in results.values() for c in r["categories"]})
    lines = ["| model | all | " + " | ".join(cats) + " |", "|---" * (len(cats) + 2) + "|"]
    for name, r in results.items():
        cells = [f"{100 * r['categories'][c]['accuracy']:.0f}" if c in r["categories"] else "—" for c in cats]
        lines.append(f"| {name} | **{100 * r['accuracy']:.1f}** (n={r['n']}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| model | test split | metric | stancekit | ECE | TF-IDF + SVM (same data) | published anchors |",
        "|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for label, entry in res["splits"].items():
            metric = HEADLINE[label.split(":")[0]]
            ours = entry["model"]["metrics"][metric]
            base = entry.get("tfidf_baseline", {}).get("metrics", {}).get(metric)
            anchors = "; ".join(f"{a['system']} {a['value']:.1f}" for a in entry["anchors"]) or "—"
            five_anchors = anchors if "five_class" in entry["model"] else ""
            anchors = "—" if five_anchors else anchors  # the directed corpus's anchors are 5-class figures
            base_txt = f"{100 * base:.1f}" if base is not None else "—"
            ece = entry["model"].get("ece")
            ece_txt = f"{100 * ece:.1f}" if ece is not None else "—"
            lines.append(
                f"| {res['model']} | `{label}` | {metric} | **{100 * ours:.1f}** | {ece_txt} | {base_txt} | {anchors} |"
            )
            alone = entry.get("network_alone")
            if alone is not None and alone is not entry["model"] and alone != entry["model"]:
                lines.append(
                    f"| | &nbsp;&nbsp;network alone (no n-gram experts) | {metric} | "
                    f"{100 * alone['metrics'][metric]:.1f} | {100 * alone['ece']:.1f} | | |"
                )
            blind = entry["model"].get("holder_blind")
            if blind is not None and "five_class" in entry["model"]:
                five = entry["model"]["five_class"]
                blind_value = 100 * blind["metrics"][metric]
                lines.append(f"| | &nbsp;&nbsp;same rows, holder not given | {metric} | {blind_value:.1f} | | | |")
                lines.append(
                    f"| | &nbsp;&nbsp;the corpus's 5 classes | macro_f1 | {100 * five['macro_f1']:.1f} | | | "
                    f"{five_anchors} (ours: mAP {100 * five['mean_average_precision']:.1f}, micro-F1 "
                    f"{100 * five['accuracy']:.1f}) |"
                )
            groups = entry["model"]["groups"]
            if 1 < len(groups) <= 12:  # per target / topic / direction (not Emergent's 60 claims)
                base_groups = entry.get("tfidf_baseline", {}).get("groups", {})
                for g, gm in groups.items():
                    bg = base_groups.get(g, {}).get(metric)
                    bg_txt = f"{100 * bg:.1f}" if bg is not None else "—"
                    lines.append(
                        f"| | &nbsp;&nbsp;{g} (n={gm['n']}) | {metric} | {100 * gm[metric]:.1f} | | {bg_txt} | |"
                    )
                if label == "ukp-sentential:test":
                    mean = float(np.mean([gm["macro_f1"] for gm in groups.values()]))
                    lines.append(
                        f"| | &nbsp;&nbsp;mean over the 8 topics (cross-topic) | macro_f1 | {100 * mean:.1f} | | | |"
                    )
                if label == "pstance:test":
                    mean = float(np.mean([gm["f_avg"] for gm in groups.values()]))
                    bmean = float(np.mean([bg["f_avg"] for bg in base_groups.values()])) if base_groups else None
                    b_txt = f"{100 * bmean:.1f}" if bmean is not None else "—"
                    lines.append(f"| | &nbsp;&nbsp;mean over targets | f_avg | {100 * mean:.1f} | | {b_txt} | |")
    return "\n".join(lines)


def _reproduce_command(folder: Path) -> str:
    """The command of the stage that writes the folder: the last stage of ``recipes/<folder name>/`` (see
    recipes/README.md; ``stancekit soup`` for a soup stage), else ``stancekit train`` on its training_config.yaml."""
    stages = sorted((REPO / "recipes" / folder.name).glob("*.yaml"))
    recipe = stages[-1] if stages else folder / "training_config.yaml"
    command = "soup" if stages and "\nkind: soup" in "\n" + recipe.read_text(encoding="utf-8") else "train"
    try:
        shown = recipe.resolve().relative_to(REPO)
    except ValueError:
        shown = recipe
    return f"stancekit {command} {shown}"


def update_card(res: dict[str, Any]) -> None:
    """Rewrite the model card through the one card writer (``stancekit.fitting.card``): the folder's
    ``training_config.yaml`` and ``metrics.json``, this run's test figures in place of the saved ones, and a
    section with this run's table (model, TF-IDF baseline, anchors)."""
    folder = Path(res["folder"])
    config = TrainingConfig.from_yaml(folder / "training_config.yaml")
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    metrics["test"] = {**(metrics.get("test") or {}), **{k: e["model"] for k, e in res["splits"].items()}}
    spec = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("stancekit", {})
    temperature = float(res.get("temperature", spec.get("temperature", 1.0)))
    bias = res.get("label_bias", spec.get("label_bias", {}))
    bias_txt = (
        "; label bias " + ", ".join(f"{k} {v:+g}" for k, v in bias.items()) + ", fitted on validation data by "
        "`stancekit calibrate --bias` to raise the validation headline metrics"
        if bias
        else ""
    )
    body = (
        f"From `python benchmarks/accuracy.py` ({res['date']}); percentages on the test splits. ECE: expected "
        "calibration error (15 equal-width confidence bins) of the probabilities as shipped (temperature "
        f"{temperature:.3g}, fitted on validation data by `stancekit calibrate`, kept only where it lowered "
        f"validation ECE{bias_txt}).\n\n{table([res])}"
    )
    if "documents" in res:
        body += "\n\nDocument verdicts (`stancekit.fitting.documents`: every body read sentence by sentence):\n\n"
        body += documents_table(res["model"], res["documents"])
    if "probes" in res:
        body += "\n\nHand-written news probes (`tests/fixtures/news_probes.jsonl`, written before training; "
        body += "accuracy %):\n\n"
        body += probes_table({res["model"]: res["probes"]})
    if "soup" in metrics:  # written by `stancekit soup` (stancekit.fitting.soup): a soup's card
        data = card_data_from_soup(folder, metrics)
    else:
        data = card_data_from_training(folder, config, metrics, _reproduce_command(folder))
    data.sections.append(("Against the baselines", body))
    write_card(folder, data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["stance", "sentiment"])
    parser.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    parser.add_argument(
        "--table-only", action="store_true", help="print the table of the saved results (and put it in the cards)"
    )
    parser.add_argument("--documents", nargs="*", default=None, metavar="CORPUS",
                        help="also the document verdicts on these corpora (no names: fnc1 arc)")  # fmt: skip
    parser.add_argument("--probes", action="store_true", help="also the hand-written news probes (tests/fixtures)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.table_only:
        saved = [json.loads((RESULTS / f"accuracy-{name}.json").read_text(encoding="utf-8")) for name in args.models]
        for res in saved:
            update_card(res)
        print(table(saved))
        return 0
    results = []
    for name in args.models:
        res = run(name, not args.no_baseline)
        if args.documents is not None:
            res["documents"] = run_documents(name, args.documents or ["fnc1", "arc"])
        if args.probes:
            res["probes"] = run_probes(name)
        (RESULTS / f"accuracy-{name}.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
        update_card(res)
        results.append(res)
    print(table(results))
    for res in results:
        if "documents" in res:
            print("\n" + documents_table(res["model"], res["documents"]))
    probes = {res["model"]: res["probes"] for res in results if "probes" in res}
    if probes:
        print("\n" + probes_table(probes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
