"""``stancekit score``: score a table or a document, locally (resumable) or on Ray."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stancekit.cli._util import add_load_options, check_outputs, load_model, load_options, positive_int
from stancekit.core.errors import ConfigError
from stancekit.core.text import merge_holder, merge_targets
from stancekit.io.paths import check_input_file
from stancekit.scoring import score_file

EXAMPLES = """examples:
  stancekit score seeds/armenia-csto-news.txt --target CSTO --target Russia -o out.csv
  stancekit score tweets.csv --model sentiment --text-column tweet -o scored.parquet
  stancekit score pairs.jsonl --target-column topic -o scored.jsonl
  stancekit score big.jsonl --model sentiment -o big.scored.parquet --resume   # after a crash or Ctrl-C
  stancekit score lake/ --model sentiment --engine ray --num-workers 2 -o lake.scored
  stancekit analyze seeds/armenia-csto-news.txt --holder Armenia --target "Russia=Moscow,Kremlin" --report r.html
  stancekit evaluate --model stance --dataset semeval2016 --split test --json result.json
  stancekit train recipes/sentiment-minilm/03-tweets-pass.yaml
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("score", help="score a CSV / JSONL / Parquet table or a .txt document", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("input", type=Path, help=".csv, .jsonl, .parquet (rows) or .txt (a document); a folder with Ray")
    p.add_argument("-o", "--output", type=Path, help="output .csv/.jsonl/.parquet (default: INPUT.scored.csv)")
    p.add_argument("--model", default="stance", help="stance (default), sentiment, directed, or a model folder")
    p.add_argument(
        "--target",
        action="append",
        dest="targets",
        help="target to score against, optionally with aliases: 'Russia=Moscow,Kremlin' (repeatable)",
    )
    p.add_argument("--aliases", type=Path, help="YAML/JSON file of targets (and holders:) with aliases, as in analyze")
    p.add_argument("--holder", help="whose stance to read, for every row, optionally with aliases: "
                   "'Armenia=Pashinyan,Yerevan' (needs a holder-aware model: directed)")  # fmt: skip
    p.add_argument("--holder-column", help="column with each row's holder (empty: scored without a holder)")
    p.add_argument("--text-column", default="text", help="column with the text (default: text)")
    p.add_argument("--target-column", help="column with each row's target")
    p.add_argument("--id-column", help="column of row ids: a repeated or missing id is recorded as an error")
    p.add_argument("--force", action="store_true", help="overwrite an existing output (or an interrupted run)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last saved chunk")
    p.add_argument(
        "--chunk-rows", type=positive_int, default=10_000, help="rows scored and saved at a time (default 10000)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="local (default) or ray")
    p.add_argument("--address", help="Ray cluster address (--engine ray; default: start a local Ray)")
    p.add_argument("--num-workers", type=positive_int, default=1, help="Ray actors, one model each (--engine ray)")
    add_load_options(p)


def _columns(args: argparse.Namespace) -> dict[str, Any]:
    targets = merge_targets(args.aliases, args.targets or []) if (args.targets or args.aliases) else None
    return {"text_column": args.text_column, "target_column": args.target_column, "targets": targets,
            "holder": merge_holder(args.aliases, args.holder), "holder_column": args.holder_column}  # fmt: skip


def _run_ray(args: argparse.Namespace) -> int:
    from stancekit.scoring.distributed import score_path  # Ray is an optional extra

    if args.resume or args.id_column:
        raise ConfigError("--resume and --id-column are local-engine options (Ray retries failed tasks itself)")
    output = args.output or args.input.with_name(args.input.stem + ".scored")
    out = score_path(
        args.input, output, args.model, address=args.address, force=args.force, progress=not args.quiet,
        log_to_driver=args.verbose, num_workers=args.num_workers, batch_rows=min(args.chunk_rows, 4096),
        options=load_options(args), **_columns(args),
    )  # fmt: skip
    print(f"wrote Parquet shards to {out}/ (read them in file-name order to keep the input order)")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        return _run_ray(args)
    if args.address or args.num_workers != 1:
        raise ConfigError("--address and --num-workers need --engine ray")
    output = args.output or args.input.with_name(args.input.stem + ".scored.csv")
    check_input_file(args.input)  # the paths first: a typo should not wait for the model to load
    check_outputs(output, force=args.force, tables=(output,))
    summary = score_file(
        load_model(args, args.model), args.input, output, id_column=args.id_column, chunk_rows=args.chunk_rows,
        progress=not args.quiet, force=args.force, resume=args.resume, **_columns(args),
    )  # fmt: skip
    print(
        f"wrote {summary.rows} rows to {summary.output}"
        + (f" (resumed after {summary.resumed_from} input rows)" if summary.resumed_from else "")
        + (f" ({summary.errors} with an error, see the 'error' column)" if summary.errors else "")
        + (f" ({summary.truncated} truncated)" if summary.truncated else "")
    )
    return 0
