"""``-v`` / ``-q`` / ``--log-level`` (accepted before or after the command), and the log levels they set.

stancekit's own log lines follow the chosen level (default: warnings). Third-party libraries (transformers' load
reports and progress bars, Ray's console lines) are held at errors unless ``-v`` or ``--log-level`` asks for more:
their INFO lines are noise to someone scoring a file. Everything set here is undone when the command ends, so that
calling :func:`stancekit.cli.main` in-process leaves the logging state as it found it. Importing this module
changes nothing.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

LEVELS = ("debug", "info", "warning", "error", "critical")
QUIET_HELP = "no progress bars or progress lines; log errors only"
PROGRESS_LOGGER = "stancekit.progress"  # progress lines where there is no bar (stancekit.core.progress)


def add_options(p: argparse.ArgumentParser, *, top: bool, quiet_help: str = QUIET_HELP) -> None:
    """Add ``-v``, ``-q`` and ``--log-level`` to ``p``, skipping any option string it already has.

    On the subcommand parsers (``top=False``) an option left out sets nothing (``argparse.SUPPRESS``), so that
    ``stancekit -v score ...`` keeps the value given before the command, and ``stancekit score ... -v`` sets it
    after.
    """
    taken = {s for action in p._actions for s in action.option_strings}
    group = p.add_argument_group("output and logging (before or after the command)")

    def add(flags: tuple[str, ...], default: Any, **kwargs: Any) -> None:
        if taken.isdisjoint(flags):
            group.add_argument(*flags, default=default if top else argparse.SUPPRESS, **kwargs)

    add(("-v", "--verbose"), False, action="store_true",
        help="log progress details, third-party libraries' info lines, and tracebacks of errors")  # fmt: skip
    add(("-q", "--quiet"), False, action="store_true", help=quiet_help)
    add(("--log-level",), None, type=str.lower, choices=LEVELS, metavar="LEVEL",
        help=f"level of log lines: {', '.join(LEVELS)} (default: warning; info with -v, error with -q)")  # fmt: skip


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse ``-v`` together with ``-q`` (a usage error: exit status 2)."""
    if args.verbose and args.quiet:
        parser.error("-v/--verbose and -q/--quiet contradict each other; give one")


def level_of(args: argparse.Namespace) -> int:
    """The level of stancekit's log lines: ``--log-level``, else info with ``-v``, error with ``-q``, else warning."""
    if args.log_level:
        return int(getattr(logging, args.log_level.upper()))
    return logging.INFO if args.verbose else logging.ERROR if args.quiet else logging.WARNING


def third_party_level(args: argparse.Namespace) -> int:
    """The level of third-party libraries' log lines: errors only, unless ``-v`` or ``--log-level`` asks."""
    return level_of(args) if (args.verbose or args.log_level) else logging.ERROR


def configure(args: argparse.Namespace) -> Callable[[], None]:
    """Set the log levels the command line asked for; returns the function that restores the previous ones."""
    undo: list[Callable[[], None]] = []
    level = level_of(args)
    root = logging.getLogger()
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")  # only where nothing is set up
    undo.append(_set_level(root, level))
    if not args.quiet:
        undo.append(_set_level(logging.getLogger(PROGRESS_LOGGER), min(level, logging.INFO)))
    undo.append(_quiet_transformers(third_party_level(args), progress_bars=bool(args.verbose)))

    def restore() -> None:
        for step in reversed(undo):
            step()

    return restore


def _set_level(logger: logging.Logger, level: int) -> Callable[[], None]:
    before = logger.level
    logger.setLevel(level)
    return lambda: logger.setLevel(before)


def _quiet_transformers(level: int, *, progress_bars: bool) -> Callable[[], None]:
    """transformers' verbosity (its load reports are warnings) and its and huggingface_hub's progress bars."""
    from transformers.utils import logging as hf_logging  # already imported by the commands (stancekit.model)

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity(level)
    if not progress_bars:
        hf_logging.disable_progress_bar()

    def restore() -> None:
        hf_logging.set_verbosity(verbosity)
        if bars and not progress_bars:
            hf_logging.enable_progress_bar()

    return restore
