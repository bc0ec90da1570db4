"""``stancekit analyze``: who stands where in documents, sentence by sentence, with a summary and a report."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from stancekit.analysis import analyze, format_sentences, format_summary, summarize, write_outputs
from stancekit.cli._stdio import is_stdio, spool_stdin
from stancekit.cli._util import add_load_options, check_outputs, load_model
from stancekit.core.deps import require
from stancekit.core.errors import ConfigError
from stancekit.core.text import merge_holder, merge_targets
from stancekit.io import read_documents
from stancekit.model.folder import document_model

EXAMPLES = """examples:
  stancekit analyze seeds/armenia-csto-news.txt --holder Armenia \\
      --target "CSTO=Collective Security Treaty Organization,Moscow-led bloc" --target "Russia=Moscow,Kremlin" \\
      --report report.html --png heatmap.png
  stancekit analyze articles/ --aliases seeds/armenia-csto-targets.yaml --holder Armenia --summary summary.csv
  stancekit analyze docs.jsonl --target CSTO --quiet          # one {"id": ..., "text": ...} per line
  curl -s https://example.org/article.txt | stancekit analyze - --target CSTO --json | jq '.summary[0].stance'
"""
QUIET_HELP = "print only the summary: no sentences, progress bars or progress lines; log errors only"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "analyze", help="who stands where in documents: per-sentence stance, a summary per target, an HTML report",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("documents", type=Path, nargs="+",
                   help=".txt documents, folders of them, or a .jsonl of {id, text}; - for stdin")  # fmt: skip
    p.add_argument("--format", choices=["txt", "jsonl"], default="txt",
                   help="format of stdin (-): one .txt document (default; id 'stdin') or .jsonl documents")  # fmt: skip
    p.add_argument("--json", action="store_true",
                   help="print the summary as JSON ({holder, models, summary: [one object per document and target]}) "
                   "instead of text; other messages go to stderr")  # fmt: skip
    p.add_argument("--target", action="append", dest="targets", default=[],
                   help="target, optionally with aliases: 'Russia=Moscow,Kremlin' (repeatable)")  # fmt: skip
    p.add_argument("--aliases", type=Path, help="YAML/JSON file of targets and aliases: {Russia: [Moscow, Kremlin]}, "
                   "or with sections {targets: {...}, holders: {Armenia: [Pashinyan, Yerevan]}}")  # fmt: skip
    p.add_argument("--holder", help="whose stance to read, optionally with aliases: 'Armenia=Pashinyan,Yerevan' "
                   "(uses the holder-aware model)")  # fmt: skip
    p.add_argument(
        "--model",
        help="stance model (default: news, the mpnet document model; where its backbone is not set up "
        "(make backbones), directed with a holder, else stance)",
    )
    p.add_argument("--sentiment-model", default="sentiment", help="sentiment model, or 'none'")
    p.add_argument("--report", type=Path, help="write a self-contained HTML report here")
    p.add_argument("--png", type=Path, help="write the heat map of the (first) document as PNG here")
    p.add_argument("-o", "--output", type=Path, help="also write the per-sentence table (.csv/.jsonl/.parquet)")
    p.add_argument("--summary", type=Path, help="also write the per-document summary (.csv/.jsonl/.parquet)")
    p.add_argument("--text-column", default="text", help="JSONL documents: the text field (default: text)")
    p.add_argument("--id-column", default="id", help="JSONL documents: the id field (default: id; else line number)")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    add_load_options(p)


def _read(args: argparse.Namespace) -> dict[str, str]:
    """The documents, stdin (``-``) spooled to a temporary file (its name gives the document id ``stdin``)."""
    if not any(is_stdio(p) for p in args.documents):
        return read_documents(args.documents, text_field=args.text_column, id_field=args.id_column)
    if sum(is_stdio(p) for p in args.documents) > 1:
        raise ConfigError("- (stdin) can be given once")
    with tempfile.TemporaryDirectory(prefix="stancekit-analyze-") as tmp:
        spooled = spool_stdin(Path(tmp), args.format)
        paths = [spooled if is_stdio(p) else p for p in args.documents]
        return read_documents(paths, text_field=args.text_column, id_field=args.id_column)


def summary_json(summary: pd.DataFrame, holder: str | None, models: str) -> str:
    """The summary as one JSON object: ``{"holder", "models", "summary": [{document?, target, sentences,
    mentions, favor, against, none, share_favor, share_against, score, stance, decisive: [...]}, ...]}``
    (empty shares and scores are null)."""
    rows = json.loads(summary.to_json(orient="records", force_ascii=False))
    return json.dumps({"holder": holder, "models": models, "summary": rows}, indent=2, ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    check_outputs(
        args.output, args.summary, args.report, args.png, force=args.force, tables=(args.output, args.summary)
    )
    if args.report:  # the extras, before the models load and the documents are read
        require("jinja2", "report", purpose="the HTML report")
    if args.report or args.png:
        require("matplotlib", "report", purpose="the heat map")
    targets = merge_targets(args.aliases, args.targets)
    holder = merge_holder(args.aliases, args.holder)
    name = None if holder is None else holder.name
    docs = _read(args)
    model_name = args.model or document_model(holder is not None)
    stance = load_model(args, model_name)
    senti = None if args.sentiment_model == "none" else load_model(args, args.sentiment_model)
    several = len(docs) > 1
    table = analyze(docs if several else next(iter(docs.values())), targets, holder=holder, model=stance,
                    sentiment=senti, progress=not args.quiet and sys.stderr.isatty())  # fmt: skip
    summary = summarize(table)
    models = model_name + (f" + {args.sentiment_model}" if senti is not None else "")
    first = "stdin" if is_stdio(args.documents[0]) else str(args.documents[0])
    if args.json:
        print(summary_json(summary, name, models))
    else:
        if not args.quiet:
            print(format_sentences(table, n_targets=len(targets), holder=name, name=first))
        print(format_summary(summary, name))
    title = "Who stands where" + (f": {name}" if name else "")
    title += "" if several else f" in {Path(first).name}"
    for line in write_outputs(table, summary, output=args.output, summary_path=args.summary, report=args.report,
                              png=args.png, title=title, targets=targets, models=models):  # fmt: skip
        print(line, file=sys.stderr if args.json else sys.stdout)
    return 0
