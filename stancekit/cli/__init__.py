"""Command line: thin commands over the library functions.

stancekit score INPUT [-o OUTPUT] [--model stance|sentiment|PATH] [--target T ...] ...
stancekit analyze DOCUMENT.txt ... --target "Russia=Moscow,Kremlin" [--holder Armenia] [--report OUT.html]
stancekit train CONFIG.yaml
stancekit evaluate --model stance --dataset semeval2016 [--split test] [--json OUT]
stancekit datasets
stancekit bench speed|accuracy|scale [ARGS]
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXAMPLES = """examples:
  stancekit score seeds/armenia-csto-news.txt --target CSTO --target Russia -o out.csv
  stancekit score tweets.csv --model sentiment --text-column tweet -o scored.parquet
  stancekit score pairs.jsonl --target-column topic -o scored.jsonl
  stancekit score big.jsonl --model sentiment -o big.scored.parquet --resume   # after a crash or Ctrl-C
  stancekit score lake/ --model sentiment --engine ray --num-workers 2 -o lake.scored
  stancekit analyze seeds/armenia-csto-news.txt --holder Armenia --target "Russia=Moscow,Kremlin" --report r.html
  stancekit evaluate --model stance --dataset semeval2016 --split test --json result.json
  stancekit train models/stance-minilm/train.yaml
"""


ANALYZE_EXAMPLES = """examples:
  stancekit analyze seeds/armenia-csto-news.txt --holder Armenia \\
      --target "CSTO=Collective Security Treaty Organization,Moscow-led bloc" --target "Russia=Moscow,Kremlin" \\
      --report report.html --png heatmap.png
  stancekit analyze articles/ --aliases seeds/armenia-csto-targets.yaml --holder Armenia --summary summary.csv
  stancekit analyze docs.jsonl --target CSTO --quiet          # one {"id": ..., "text": ...} per line
"""


def _device_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument(
        "--dtype",
        default="auto",
        help="auto (default: bfloat16 on CUDA and on CPUs with native bf16, else float32), float32, bfloat16, "
        "float16, or int8 (CPU, "
        "dynamic quantization: faster, ~2-3%% of labels differ from float32)",
    )
    p.add_argument(
        "--backend",
        default="auto",
        choices=["auto", "torch", "onnx"],
        help="engine: auto (default: ONNX Runtime on CPU for float32/int8, PyTorch for bf16 and on CUDA), "
        "torch or onnx",
    )
    p.add_argument(
        "--batch-size", type=int, default=None, help="most rows per forward pass (default 256 on CPU, 512 on CUDA)"
    )
    p.add_argument(
        "--max-tokens",
        type=int,
        default=None,
        help="most padded tokens per forward pass (default 1024 on CPU, 32768 on CUDA)",
    )
    p.add_argument(
        "--allow-pickle",
        action="store_true",
        help="load a model folder that carries pickle files (they can run code: only for folders you trust)",
    )
    p.add_argument(
        "--no-experts",
        action="store_true",
        help="score with the network alone, without the model's n-gram experts (if it has any)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stancekit",
        description="Who stands where: stance toward targets and sentiment, sentence by sentence.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "score",
        help="score a CSV / JSONL / Parquet table or a .txt document",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", type=Path, help=".csv, .jsonl, .parquet (rows) or .txt (a document)")
    p.add_argument("-o", "--output", type=Path, help="output .csv/.jsonl/.parquet (default: INPUT.scored.csv)")
    p.add_argument("--model", default="stance", help="stance (default), sentiment, or a model folder")
    p.add_argument("--target", action="append", dest="targets", help="target to score against (repeatable)")
    p.add_argument("--holder", help="whose stance to read, for every row (needs a holder-aware model: directed)")
    p.add_argument("--holder-column", help="column with each row's holder (empty: scored without a holder)")
    p.add_argument("--text-column", default="text", help="column with the text (default: text)")
    p.add_argument("--target-column", help="column with each row's target")
    p.add_argument("--id-column", help="column of row ids: a repeated or missing id is recorded as an error")
    p.add_argument("--force", action="store_true", help="overwrite an existing output (or an interrupted run)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last saved chunk")
    p.add_argument("--chunk-rows", type=int, default=10_000, help="rows scored and saved at a time (default 10000)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="local (default) or ray")
    p.add_argument("--address", help="Ray cluster address (--engine ray; default: start a local Ray)")
    p.add_argument("--num-workers", type=int, default=1, help="Ray actors, one model each (--engine ray)")
    _device_args(p)

    p = sub.add_parser(
        "analyze",
        help="who stands where in documents: per-sentence stance, a summary per target, an HTML report",
        epilog=ANALYZE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "documents",
        type=Path,
        nargs="+",
        help="UTF-8 .txt documents, folders of them, or a .jsonl of documents (one {id, text} object per line)",
    )
    p.add_argument(
        "--target",
        action="append",
        dest="targets",
        default=[],
        help="target, optionally with aliases: 'Russia=Moscow,Kremlin' (repeatable)",
    )
    p.add_argument("--aliases", type=Path, help="YAML/JSON file of targets and aliases: {Russia: [Moscow, Kremlin]}")
    p.add_argument("--holder", help="whose stance to read, e.g. Armenia (uses the holder-aware 'directed' model)")
    p.add_argument("--model", help="stance model (default: directed with --holder, else stance)")
    p.add_argument("--sentiment-model", default="sentiment", help="sentiment model, or 'none'")
    p.add_argument("--report", type=Path, help="write a self-contained HTML report here")
    p.add_argument("--png", type=Path, help="write the heat map of the (first) document as PNG here")
    p.add_argument("-o", "--output", type=Path, help="also write the per-sentence table (.csv/.jsonl/.parquet)")
    p.add_argument("--summary", type=Path, help="also write the per-document summary (.csv/.jsonl/.parquet)")
    p.add_argument("--text-column", default="text", help="JSONL documents: the text field (default: text)")
    p.add_argument("--id-column", default="id", help="JSONL documents: the id field (default: id; else line number)")
    p.add_argument("--quiet", action="store_true", help="print only the summary, no sentences or progress")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    _device_args(p)

    p = sub.add_parser("train", help="fine-tune a model from a YAML config")
    p.add_argument("config", type=Path, help="training config (see models/*/train.yaml)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")

    p = sub.add_parser("evaluate", help="score a model on a registered test split")
    p.add_argument("--model", required=True, help="stance, sentiment or a model folder")
    p.add_argument("--dataset", required=True, help="registered corpus (see `stancekit datasets`)")
    p.add_argument("--split", default="test")
    p.add_argument("--json", type=Path, help="write the result here")
    _device_args(p)

    p = sub.add_parser(
        "calibrate",
        help="fit a model's temperature (or, with --bias, its label bias) on validation data; --write stores it",
        description="Without --bias: fits the temperature that minimises the negative log-likelihood on the "
        "validation rows, written only if it lowers their expected calibration error (labels never change). "
        "With --bias: fits per-label logit offsets that maximise the mean of each corpus's headline metric "
        "(macro-recall, macro-F1, F_avg, accuracy) on the validation rows, written only if that mean rises; "
        "a prior correction, so labels can change. Fit the temperature first. Test splits are refused.",
    )
    p.add_argument("--model", required=True, help="stance, sentiment, directed or a model folder")
    p.add_argument("--dataset", action="append", required=True, help="registered corpus (repeatable)")
    p.add_argument("--split", default="validation", help="split of every --dataset (default: validation)")
    p.add_argument("--write", action="store_true", help="store the fitted value in the model's config.json")
    p.add_argument("--bias", action="store_true", help="fit the label bias instead of the temperature")
    _device_args(p)

    p = sub.add_parser(
        "experts",
        help="fit per-target n-gram (TF-IDF + SVM) experts for a stance model and pick their weight on validation",
        description="Fits one TF-IDF + linear SVM per target of the recipe's training sources that has enough rows, "
        "chooses the weight of their scores against the network on the recipe's validation sources (never a test "
        "split), prints the validation scores, and with --write stores ngram.json + ngram.safetensors in the model "
        "folder (and the report in its metrics.json). See stancekit/ngram.py.",
    )
    p.add_argument("--model", required=True, help="a stance model folder (or a shipped name)")
    p.add_argument("--recipe", type=Path, help="training recipe (default: the model's training_config.yaml)")
    p.add_argument("--min-rows", type=int, default=200, help="fewest training rows a target needs (default 200)")
    p.add_argument("--max-features", type=int, default=10_000, help="n-grams kept per expert (default 10000)")
    p.add_argument("--write", action="store_true", help="store the experts in the model folder")
    _device_args(p)

    sub.add_parser("datasets", help="list the registered corpora and their splits")

    p = sub.add_parser(
        "bench",
        help="run a benchmark suite of a source checkout: speed, accuracy or scale (benchmarks/*.py)",
        description="Runs benchmarks/SUITE.py of the repository this stancekit is installed from (an editable "
        "install or a checkout); every argument after the suite name goes to the script, e.g. "
        "`stancekit bench speed --quick`.",
    )
    p.add_argument("suite", choices=["speed", "accuracy", "scale", "robustness"])
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the suite (see its --help)")
    return parser


def _load(args: argparse.Namespace, name: str):
    from stancekit.classifier import load

    clf = load(
        name,
        device=args.device,
        dtype=args.dtype,
        backend=args.backend,
        allow_pickle=args.allow_pickle,
        experts=not getattr(args, "no_experts", False),
    )
    for option in ("batch_size", "max_tokens"):
        value = getattr(args, option, None)
        if value is not None:
            if value < 1:
                raise ValueError(f"--{option.replace('_', '-')} must be positive")
            setattr(clf, option, value)
    return clf


def _cmd_score(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        return _score_ray(args)
    if args.address or args.num_workers != 1:
        raise ValueError("--address and --num-workers need --engine ray")
    from stancekit.scoring import score_file

    output = args.output or args.input.with_name(args.input.stem + ".scored.csv")
    clf = _load(args, args.model)
    summary = score_file(
        clf,
        args.input,
        output,
        text_column=args.text_column,
        target_column=args.target_column,
        targets=args.targets,
        holder=args.holder,
        holder_column=args.holder_column,
        id_column=args.id_column,
        chunk_rows=args.chunk_rows,
        progress=not args.quiet,
        force=args.force,
        resume=args.resume,
    )
    print(
        f"wrote {summary.rows} rows to {summary.output}"
        + (f" (resumed after {summary.resumed_from} input rows)" if summary.resumed_from else "")
        + (f" ({summary.errors} with an error, see the 'error' column)" if summary.errors else "")
        + (f" ({summary.truncated} truncated)" if summary.truncated else "")
    )
    return 0


def _score_ray(args: argparse.Namespace) -> int:
    import shutil

    from stancekit.distributed import _ray, read_dataset, score_dataset

    if args.resume or args.id_column:
        raise ValueError("--resume and --id-column are local-engine options (Ray retries failed tasks itself)")
    if args.num_workers < 1:
        raise ValueError("--num-workers must be positive")
    output = args.output or args.input.with_name(args.input.stem + ".scored")
    if output.suffix:
        raise ValueError(f"{output}: the Ray engine writes a folder of Parquet shards; give a folder name")
    if output.exists():
        if not args.force:
            raise FileExistsError(f"{output} exists; pass --force to overwrite it")
        shutil.rmtree(output)
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=args.address, include_dashboard=False, log_to_driver=args.verbose)
    try:
        ray.data.DataContext.get_current().execution_options.preserve_order = True
        ray.data.DataContext.get_current().enable_progress_bars = not args.quiet
        ds = read_dataset(args.input)
        scored = score_dataset(
            ds,
            args.model,
            text_column=args.text_column,
            target_column=args.target_column,
            targets=args.targets,
            holder=args.holder,
            holder_column=args.holder_column,
            num_workers=args.num_workers,
            device="cpu" if args.device == "auto" else args.device,
            dtype=args.dtype,
            allow_pickle=args.allow_pickle,
            batch_rows=args.chunk_rows if args.chunk_rows != 10_000 else 4096,
        )
        scored.write_parquet(str(output))
    finally:
        if started:
            ray.shutdown()
    print(f"wrote Parquet shards to {output}/ (read them in file-name order to keep the input order)")
    return 0


def _read_documents(paths: Sequence[Path], text_column: str, id_column: str) -> dict[str, str]:
    """Documents by id, in order, from .txt files, folders of .txt files and .jsonl files of documents."""
    from stancekit.io import InputError

    docs: dict[str, str] = {}

    def add(doc_id: str, text: str, where: str) -> None:
        if doc_id in docs:
            raise InputError(f"{where}: document id {doc_id!r} is used twice")
        if not text.strip():
            raise InputError(f"{where}: the document is empty")
        docs[doc_id] = text

    for path in paths:
        if path.is_dir():
            files = sorted(path.glob("*.txt"))
            if not files:
                raise InputError(f"{path}: no .txt documents in this folder")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"{path}: no such file or folder")
        for f in files:
            if f.suffix.lower() == ".jsonl":
                with f.open("rb") as fh:
                    for line_no, raw in enumerate(fh, 1):
                        if not raw.strip():
                            continue
                        try:
                            rec = json.loads(raw)
                        except ValueError as exc:
                            raise InputError(f"{f}, line {line_no}: not valid JSON ({exc})") from exc
                        if not isinstance(rec, dict) or not isinstance(rec.get(text_column), str):
                            raise InputError(f"{f}, line {line_no}: expected an object with a string {text_column!r}")
                        doc_id = str(rec.get(id_column, f"{f.stem}:{line_no}"))
                        add(doc_id, rec[text_column], f"{f}, line {line_no}")
            else:
                try:
                    text = f.read_text(encoding="utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(f"{f}: not UTF-8 text ({exc})") from exc
                add(f.name if len(paths) > 1 or path.is_dir() else f.stem, text, str(f))
    return docs


def _cmd_analyze(args: argparse.Namespace) -> int:
    from stancekit.analysis import analyze, summarize
    from stancekit.io import TableWriter
    from stancekit.report import write_report
    from stancekit.text import Target, parse_target, parse_targets, read_alias_file

    for out in (args.output, args.summary, args.report, args.png):
        if out is not None and out.exists() and not args.force:
            raise FileExistsError(f"{out} exists; pass --force to overwrite it")
    targets: dict[str, Target] = {}
    if args.aliases:
        targets = {t.name: t for t in read_alias_file(args.aliases)}
    named = [parse_target(spec) for spec in args.targets]
    if named:
        parse_targets(named)  # a target named twice on the command line is an error
    for t in named:
        if t.name in targets and not t.aliases:
            continue  # named again on the command line, aliases from the file
        if t.name in targets:
            t = Target(t.name, targets[t.name].aliases + t.aliases)
        targets[t.name] = t
    if not targets:
        raise ValueError("give at least one --target (or an --aliases file)")
    target_list = parse_targets(list(targets.values()))
    docs = _read_documents(args.documents, args.text_column, args.id_column)
    model_name = args.model or ("directed" if args.holder else "stance")
    stance = _load(args, model_name)
    senti = None if args.sentiment_model == "none" else _load(args, args.sentiment_model)
    several = len(docs) > 1
    table = analyze(
        docs if several else next(iter(docs.values())),
        target_list,
        holder=args.holder,
        model=stance,
        sentiment=senti,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    summary = summarize(table)
    proba_cols = [f"p_{name}" for name in stance.labels]
    if not args.quiet:
        for doc_id, doc_table in table.groupby("document", sort=False) if several else [(None, table)]:
            head = f"{doc_id!s}: " if doc_id is not None else f"{args.documents[0]}: "
            print(
                f"{head}{doc_table['sentence_index'].nunique()} sentences x {len(target_list)} target(s)"
                + (f", holder {args.holder}" if args.holder else "")
                + "\n"
            )
            for i, group in doc_table.groupby("sentence_index", sort=True):
                rows = group.to_dict("records")
                verdicts = "  ".join(
                    f"{r['target']}{'' if r['mentioned'] else '*'}: {r['label']} ({max(r[c] for c in proba_cols):.2f})"
                    for r in rows
                )
                senti_txt = f"  | sentiment: {rows[0]['sentiment']}" if senti is not None else ""
                print(f"[{i}] {rows[0]['sentence']}\n     {verdicts}{senti_txt}\n")
            print("(* = the sentence does not mention that target)\n")
    _print_summary(summary, args.holder)
    if args.output:
        with TableWriter(args.output) as w:
            w.write(table)
        print(f"wrote {len(table)} rows to {args.output}")
    if args.summary:
        flat = summary.assign(decisive=[json.dumps(d, ensure_ascii=False) for d in summary["decisive"]])
        with TableWriter(args.summary) as w:
            w.write(flat)
        print(f"wrote the summary ({len(summary)} rows) to {args.summary}")
    if args.report or args.png:
        title = "Who stands where" + (f": {args.holder}" if args.holder else "")
        if not several:
            title += f" in {args.documents[0].name}"
        models = model_name + (f" + {args.sentiment_model}" if senti is not None else "")
        if args.report:
            write_report(table, args.report, title=title, targets=target_list, png=args.png, models=models)
            print(f"wrote the report to {args.report}" + (f" and the heat map to {args.png}" if args.png else ""))
        else:
            from stancekit.report import heatmap_png

            heatmap_png(table, args.png)
            print(f"wrote the heat map to {args.png}")
    return 0


def _print_summary(summary: Any, holder: str | None) -> None:
    """The per-document, per-target summary as aligned text."""
    who = f"{holder} toward " if holder else ""
    print(f"Summary: stance of {who}each target, over the sentences that mention it")
    for rec in summary.to_dict("records"):
        doc = f"{rec['document']}  " if "document" in rec else ""
        if not rec["mentions"]:
            print(f"  {doc}{rec['target']:<14} not mentioned in {rec['sentences']} sentences")
            continue
        print(
            f"  {doc}{rec['target']:<14} {rec['stance']:<8} score {rec['score']:+.2f}  "
            f"favor {rec['share_favor']:.0%}  against {rec['share_against']:.0%}  "
            f"({rec['mentions']} of {rec['sentences']} sentences mention it)"
        )
        for d in rec["decisive"][:2]:
            text = d["sentence"] if len(d["sentence"]) <= 110 else d["sentence"][:107] + "..."
            print(f"      [{d['sentence_index']}] {d['label']:<7} {text}")


def _cmd_train(args: argparse.Namespace) -> int:
    from stancekit.training import train

    out = train(args.config, progress=not args.quiet)
    print(f"wrote model to {out}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from stancekit.evaluation import evaluate_classifier

    clf = _load(args, args.model)
    result = evaluate_classifier(clf, args.dataset, args.split, progress=sys.stderr.isatty())
    result["model"] = args.model
    short = {k: result[k] for k in ("model", "dataset", "split", "n", "metrics")}
    print(json.dumps(short, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import runpy

    script = Path(__file__).resolve().parents[2] / "benchmarks" / f"{args.suite}.py"
    if not script.is_file():
        raise FileNotFoundError(
            f"{script}: the benchmark suites live in the repository's benchmarks/ folder, which this installation "
            "does not have; clone the repository and install it with `pip install -e .`"
        )
    saved = sys.argv
    sys.argv = [str(script), *args.args]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        sys.argv = saved
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from stancekit.calibration import calibrate, calibrate_bias
    from stancekit.classifier import resolve_model_path

    clf = _load(args, args.model)
    if args.bias:
        fitted = calibrate_bias(clf, [(d, args.split) for d in args.dataset], progress=sys.stderr.isatty())
        print(json.dumps(fitted, indent=2))
        if args.write:
            before, after = fitted["score_before"], fitted["score_after"]
            gain = sum(after) / len(after) - sum(before) / len(before)
            config_path = resolve_model_path(args.model) / "config.json"
            config = json.loads(config_path.read_text(encoding="utf-8"))
            if gain <= 0:
                print("not written: no label bias raises the validation score (any stored bias is removed)")
                fitted["label_bias"] = {}
            config.setdefault("stancekit", {})["label_bias"] = {k: round(v, 4) for k, v in fitted["label_bias"].items()}
            config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
            if gain > 0:
                written = config["stancekit"]["label_bias"]
                print(f"wrote label_bias {written} to {config_path} (+{100 * gain:.2f} points on validation)")
        return 0
    result = calibrate(clf, [(d, args.split) for d in args.dataset], progress=sys.stderr.isatty())
    print(json.dumps(result, indent=2))
    if args.write:
        if result["ece_after"] >= result["ece_before"]:
            print("not written: the fitted temperature does not lower the expected calibration error")
            return 0
        config_path = resolve_model_path(args.model) / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config.setdefault("stancekit", {})["temperature"] = round(result["temperature"], 4)
        config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        print(f"wrote temperature {result['temperature']:.4f} to {config_path}")
    return 0


def _cmd_experts(args: argparse.Namespace) -> int:
    from stancekit.classifier import resolve_model_path
    from stancekit.ngram import attach_experts
    from stancekit.training import TrainingConfig

    folder = resolve_model_path(args.model)
    recipe = args.recipe or folder / "training_config.yaml"
    if not Path(recipe).is_file():
        raise FileNotFoundError(f"{recipe}: no training recipe; pass --recipe (its train and validation sources)")
    config = TrainingConfig.from_yaml(recipe)
    clf = _load(args, args.model)
    if args.min_rows < 2 or args.max_features < 1:
        raise ValueError("--min-rows must be >= 2 and --max-features >= 1")
    report = attach_experts(
        clf, config, min_rows=args.min_rows, max_features=args.max_features, progress=sys.stderr.isatty()
    )
    print(json.dumps(report, indent=2))
    if args.write:
        assert clf.experts is not None
        clf.experts.save(folder)
        metrics_path = folder / "metrics.json"
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
        metrics["ngram_experts"] = {**report, "min_rows": args.min_rows, "max_features": args.max_features}
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        print(f"wrote n-gram experts (weight {report['weight']:g}) to {folder}; re-run the test evaluation")
    return 0


def _cmd_datasets(args: argparse.Namespace) -> int:
    from stancekit.data import DATASETS

    for name, info in sorted(DATASETS.items()):
        print(f"{name:22} {info.task:9} splits: {', '.join(info.splits):35} {info.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``stancekit`` and ``python -m stancekit``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "quiet", False):
        logging.getLogger("stancekit.progress").setLevel(logging.INFO)  # progress lines where there is no bar
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm)  # a scheduler's kill: stop like Ctrl-C, keeping finished chunks
    from stancekit.backbones import BackboneNotFoundError
    from stancekit.classifier import ModelNotFoundError
    from stancekit.data import DataNotFoundError
    from stancekit.io import InputError
    from stancekit.scoring import ScoringInterrupted

    commands = {
        "score": _cmd_score,
        "analyze": _cmd_analyze,
        "train": _cmd_train,
        "evaluate": _cmd_evaluate,
        "datasets": _cmd_datasets,
        "bench": _cmd_bench,
        "calibrate": _cmd_calibrate,
        "experts": _cmd_experts,
    }
    try:
        return commands[args.command](args)
    except (
        InputError,
        ModelNotFoundError,
        BackboneNotFoundError,
        DataNotFoundError,
        FileExistsError,
        FileNotFoundError,
        ImportError,
        KeyError,
        ValueError,
        TypeError,
    ) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"stancekit {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except ScoringInterrupted as exc:
        print(f"stancekit {args.command}: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"stancekit {args.command}: interrupted; no output was written", file=sys.stderr)
        return 130
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
