"""``stancekit score``: score a table or a document, locally (resumable) or on Ray."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from stancekit.cli import _logging
from stancekit.cli._stdio import SUFFIXES, is_stdio, spool_stdin, stream_to_stdout
from stancekit.cli._util import add_load_options, check_outputs, load_model, load_options, positive_int
from stancekit.core.errors import ConfigError
from stancekit.core.text import merge_holder, merge_targets
from stancekit.io.paths import check_input_file
from stancekit.io.tables import file_format
from stancekit.scoring import ScoreSummary, ScoringInterrupted, score_file

EXAMPLES = """examples:
  stancekit score seeds/armenia-csto-news.txt --target CSTO --target Russia -o out.csv
  stancekit score tweets.csv --model sentiment --text-column tweet -o scored.parquet
  stancekit score pairs.jsonl --target-column topic -o scored.jsonl
  cat pairs.jsonl | stancekit score - --format jsonl --target-column topic | head -n 2    # stdin to stdout
  stancekit score big.jsonl --model sentiment -o big.scored.parquet --resume   # after a crash or Ctrl-C
  stancekit score lake/ --model sentiment --engine ray --num-workers 2 -o lake.scored
  stancekit analyze seeds/armenia-csto-news.txt --holder Armenia --target "Russia=Moscow,Kremlin" --report r.html
  stancekit evaluate --model stance --dataset semeval2016 --split test --json result.json
  stancekit train recipes/sentiment-minilm/03-tweets-pass.yaml
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("score", help="score a CSV / JSONL / Parquet table or a .txt document", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("input", type=Path, help=".csv, .jsonl, .parquet (rows) or .txt (a document); a folder with Ray; "
                   "- for stdin (with --format)")  # fmt: skip
    p.add_argument("-o", "--output", type=Path, help="output .csv/.jsonl/.parquet, or - for stdout (default: "
                   "INPUT.scored.csv; stdout when INPUT is -; with --engine ray a folder, INPUT.scored)")  # fmt: skip
    p.add_argument("--format", choices=sorted(SUFFIXES), help="format of stdin (INPUT -)")
    p.add_argument(
        "--output-format",
        choices=["csv", "jsonl", "parquet"],
        help="format written to stdout (-o -; default: the input's format, csv for a .txt document)",
    )
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
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="local (default) or ray")
    p.add_argument("--address", help="Ray cluster address (--engine ray; default: start a local Ray)")
    p.add_argument("--num-workers", type=positive_int, default=1, help="Ray actors, one model each (--engine ray)")
    add_load_options(p)


def _columns(args: argparse.Namespace) -> dict[str, Any]:
    targets = merge_targets(args.aliases, args.targets or []) if (args.targets or args.aliases) else None
    return {"text_column": args.text_column, "target_column": args.target_column, "targets": targets,
            "holder": merge_holder(args.aliases, args.holder), "holder_column": args.holder_column}  # fmt: skip


def ray_output(input_path: Path) -> Path:
    """The Ray engine's default output folder: beside the input, named ``STEM.scored`` for a file and
    ``NAME.scored`` for a folder (``lake.v1/`` -> ``lake.v1.scored``; ``.`` -> ``../HERE.scored``)."""
    src = input_path.resolve() if input_path.name in ("", ".", "..") else input_path
    return src.with_name((src.name if src.is_dir() else src.stem) + ".scored")


def _run_ray(args: argparse.Namespace) -> int:
    from stancekit.scoring.distributed import score_path  # Ray is an optional extra

    if args.resume or args.id_column:
        raise ConfigError("--resume and --id-column are local-engine options (Ray retries failed tasks itself)")
    if is_stdio(args.input) or is_stdio(args.output) or args.format or args.output_format:
        raise ConfigError("the Ray engine reads files or folders and writes a folder: '-' (stdin, stdout), --format "
                          "and --output-format are local-engine options")  # fmt: skip
    out = score_path(
        args.input, args.output or ray_output(args.input), args.model, address=args.address, force=args.force,
        progress=not args.quiet, log_to_driver=args.verbose, ray_log_level=_logging.third_party_level(args),
        num_workers=args.num_workers, batch_rows=min(args.chunk_rows, 4096), options=load_options(args),
        **_columns(args),
    )  # fmt: skip
    print(f"wrote Parquet shards to {out}/ (read them in file-name order to keep the input order)")
    return 0


def _check_stdio(args: argparse.Namespace, stdin: bool, stdout: bool) -> None:
    """``--format`` goes with stdin, ``--output-format`` with stdout; neither can be resumed (a pipe is read once;
    the output to stream is temporary)."""
    if stdin and not args.format:
        raise ConfigError("reading stdin (INPUT -) needs --format csv, jsonl, parquet or txt")
    if args.format and not stdin:
        raise ConfigError("--format names the format of stdin (INPUT -); a file's format comes from its extension")
    if args.output_format and not stdout:
        raise ConfigError("--output-format is the format written to stdout (-o -); a file's comes from its extension")
    if args.resume and (stdin or stdout):
        raise ConfigError("--resume needs an input file and an output file: stdin is read once and the output for "
                          "stdout is temporary; save them to files to score resumably")  # fmt: skip


def _stdout_format(args: argparse.Namespace) -> str:
    given = args.format if is_stdio(args.input) else file_format(args.input)
    fmt = str(args.output_format or (given if given != "txt" else "csv"))
    if fmt == "parquet" and sys.stdout.isatty():
        raise ConfigError("not writing Parquet (binary) to a terminal: redirect stdout (> out.parquet) or pass "
                          "--output-format csv or jsonl")  # fmt: skip
    return fmt


def _score(args: argparse.Namespace, src: Path, dst: Path) -> ScoreSummary:
    return score_file(
        load_model(args, args.model), src, dst, id_column=args.id_column, chunk_rows=args.chunk_rows,
        progress=not args.quiet, force=args.force, resume=args.resume, **_columns(args),
    )  # fmt: skip


def _report(summary: ScoreSummary, source: str, output: str, stream: TextIO) -> None:
    print(
        f"wrote {summary.rows} rows to {output}"
        + (f" from {source}" if source == "stdin" else "")
        + (f" (resumed after {summary.resumed_from} input rows)" if summary.resumed_from else "")
        + (f" ({summary.errors} with an error, see the 'error' column)" if summary.errors else "")
        + (f" ({summary.truncated} truncated)" if summary.truncated else ""),
        file=stream,
    )


def _run_stdio(args: argparse.Namespace, stdin: bool, stdout: bool, output: Path | None) -> int:
    """Score from stdin and/or to stdout through a temporary folder: stdin is spooled to a file there, and the
    output for stdout is written there and streamed out once complete (so a failed run prints no partial table)."""
    if output is not None:
        check_outputs(output, force=args.force, tables=(output,))
    fmt = _stdout_format(args) if output is None else ""
    if not stdin:
        check_input_file(args.input)
    with tempfile.TemporaryDirectory(prefix="stancekit-score-") as tmp:
        src = spool_stdin(Path(tmp), args.format) if stdin else args.input
        dst = output if output is not None else Path(tmp) / f"stdout{SUFFIXES[fmt]}"
        try:
            summary = _score(args, src, dst)
        except ScoringInterrupted as exc:  # nothing to resume: stdin is gone, or the output was temporary
            shutil.rmtree(exc.partial, ignore_errors=True)
            raise KeyboardInterrupt from None
        if stdout:
            stream_to_stdout(dst)
    _report(summary, "stdin" if stdin else str(args.input), "stdout" if stdout else str(dst),
            sys.stderr if stdout else sys.stdout)  # fmt: skip
    return 0


def run(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        return _run_ray(args)
    if args.address or args.num_workers != 1:
        raise ConfigError("--address and --num-workers need --engine ray")
    stdin = is_stdio(args.input)
    stdout = is_stdio(args.output) or (stdin and args.output is None)
    _check_stdio(args, stdin, stdout)
    if stdin or stdout:
        return _run_stdio(args, stdin, stdout, None if stdout else args.output)
    output = args.output or args.input.with_name(args.input.stem + ".scored.csv")
    check_input_file(args.input)  # the paths first: a typo should not wait for the model to load
    check_outputs(output, force=args.force, tables=(output,))
    _report(_score(args, args.input, output), str(args.input), str(output), sys.stdout)
    return 0
