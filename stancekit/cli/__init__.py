"""Command line: one small module per command, each parsing its arguments and calling one library function.

stancekit score INPUT [-o OUTPUT] [--model stance|sentiment|PATH] [--target T ...] ...
stancekit analyze DOCUMENT.txt ... --target "Russia=Moscow,Kremlin" [--holder Armenia] [--report OUT.html]
stancekit train CONFIG.yaml
stancekit evaluate --model stance --dataset semeval2016 [--split test] [--json OUT]
stancekit calibrate --model stance --dataset semeval2016 [--bias] [--write]
stancekit experts --model models/my-stance [--write]
stancekit soup recipes/stance-minilm/11-soup.yaml
stancekit datasets

Only stancekit's own errors (:class:`~stancekit.core.errors.StancekitError`) become a one-line message with exit
status 2; anything else is a bug and shows its traceback (``-v`` shows tracebacks always).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from types import ModuleType

from stancekit.cli import analyze, calibrate, datasets, evaluate, experts, score, soup, train
from stancekit.core.errors import StancekitError
from stancekit.scoring import ScoringInterrupted

COMMANDS: dict[str, ModuleType] = {
    "score": score,
    "analyze": analyze,
    "train": train,
    "soup": soup,
    "evaluate": evaluate,
    "calibrate": calibrate,
    "experts": experts,
    "datasets": datasets,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stancekit",
        description="Who stands where: stance toward targets and sentiment, sentence by sentence.",
        epilog=score.EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details; show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def _stop(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: stop like KeyboardInterrupt (finished chunks are kept); a second one while stopping
    ends the process at once, with a line instead of a traceback (every saved chunk is already on disk)."""
    signal.signal(signal.SIGINT, _stop_now)
    signal.signal(signal.SIGTERM, _stop_now)
    raise KeyboardInterrupt


def _stop_now(signum: int, frame: object) -> None:
    sys.stderr.write("\nstancekit: stopped at once (second interrupt); saved chunks are kept for --resume\n")
    sys.stderr.flush()
    os._exit(130)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``stancekit`` and ``python -m stancekit``; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "quiet", False):
        logging.getLogger("stancekit.progress").setLevel(logging.INFO)  # progress lines where there is no bar
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    if main_thread:
        for sig in previous:  # a scheduler's kill stops like Ctrl-C, keeping finished chunks
            signal.signal(sig, _stop)
    try:
        return int(COMMANDS[args.command].run(args))
    except StancekitError as exc:
        if args.verbose:
            traceback.print_exc()
        msg = exc.args[0] if exc.args else str(exc)
        print(f"stancekit {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except ScoringInterrupted as exc:
        print(f"stancekit {args.command}: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"stancekit {args.command}: interrupted; no output was written", file=sys.stderr)
        return 130
    finally:
        # After an interrupt, _stop_now stays: another Ctrl-C during the interpreter's shutdown exits quietly.
        if main_thread and signal.getsignal(signal.SIGINT) is not _stop_now:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
