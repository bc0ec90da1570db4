"""Command line: one small module per command, each parsing its arguments and calling one library function.

stancekit score INPUT [-o OUTPUT] [--model stance|sentiment|PATH] [--target T ...] ...
stancekit analyze DOCUMENT.txt ... --target "Russia=Moscow,Kremlin" [--holder Armenia] [--report OUT.html] [--json]
stancekit train CONFIG.yaml
stancekit evaluate --model stance --dataset semeval2016 [--split test] [--json OUT]
stancekit calibrate --model stance --dataset semeval2016 [--bias] [--write]
stancekit experts --model models/my-stance [--write]
stancekit soup recipes/stance-minilm/11-soup.yaml
stancekit datasets [--json]
stancekit export MODEL DIR

Conventions: ``--version``; ``-`` is stdin (``score -``, ``analyze -``) or stdout (``score ... -o -``); ``-v`` /
``-q`` / ``--log-level`` go before or after the command; data goes to stdout, messages and progress to stderr.

Exit status (see EXIT_STATUS): 0 success (a scored file whose rows carry errors is a success: they are in its
``error`` column); 1 an internal error, a bug, shown with its traceback; 2 a usage or input error: argparse's
messages and stancekit's own errors (:class:`~stancekit.core.errors.StancekitError`), one line each (``-v`` adds
the traceback); 130 interrupted (Ctrl-C, SIGTERM); 141 (128 + SIGPIPE) the reader of stdout went away (``| head``):
no message, as a shell reports for ``cat`` and other tools whose reader closed the pipe.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from types import ModuleType

from stancekit.cli import _logging, analyze, calibrate, datasets, evaluate, experts, export, score, soup, train
from stancekit.core.errors import StancekitError
from stancekit.core.version import __version__
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
    "export": export,
}


EXIT_STATUS = """exit status:
  0    success (rows that could not be scored are kept, with the reason in their 'error' column)
  1    internal error: a bug in stancekit, shown with its traceback (please report it)
  2    usage or input error: a one-line message (-v adds the traceback)
  130  interrupted (Ctrl-C or SIGTERM); a scoring run keeps its finished chunks for --resume
  141  stdout was closed by its reader (e.g. | head); nothing more is printed
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stancekit",
        description="Who stands where: stance toward targets and sentiment, sentence by sentence.",
        epilog=score.EXAMPLES + "\n" + EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"stancekit {__version__}")
    _logging.add_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        module.add_parser(sub)
        if name in sub.choices:  # -v/-q/--log-level after the command too
            _logging.add_options(
                sub.choices[name], top=False, quiet_help=getattr(module, "QUIET_HELP", _logging.QUIET_HELP)
            )
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
    """Entry point of ``stancekit`` and ``python -m stancekit``; returns the exit status (see EXIT_STATUS)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # a usage error exits here with status 2
    _logging.check(parser, args)
    restore_logging = _logging.configure(args)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    if main_thread:
        for sig in previous:  # a scheduler's kill stops like Ctrl-C, keeping finished chunks
            signal.signal(sig, _stop)
    try:
        status = int(COMMANDS[args.command].run(args))
        sys.stdout.flush()  # inside the try: a reader that went away is seen here, not at exit
        return status
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
    except BrokenPipeError:
        if _stdout_closed():
            _discard_stdout()
            return 141
        return _internal_error(args.command)
    except Exception:
        return _internal_error(args.command)
    finally:
        if main_thread:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        restore_logging()


def _internal_error(command: str) -> int:
    """Anything but stancekit's own errors is a bug: its traceback, a line saying so, exit status 1."""
    traceback.print_exc()
    print(f"stancekit {command}: internal error (a bug in stancekit, not in your input); please report it with the "
          "traceback above", file=sys.stderr)  # fmt: skip
    return 1


def _stdout_closed() -> bool:
    """Whether stdout's reader has gone away (rather than some other pipe or socket breaking)."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        return True
    except OSError:
        return False
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    if not hasattr(select, "poll"):  # Windows: no poll; a broken pipe there is nearly always stdout
        return True
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))


def _discard_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a replaced sys.stdout (tests): nothing to flush at exit
        pass
