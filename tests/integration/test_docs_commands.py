"""Every command in README.md and in the examples of ``stancekit --help`` / ``stancekit COMMAND --help`` is run as
written, so that none can fail as written again.

The examples are extracted from the README's fenced ``bash`` / ``sh`` blocks (backslash continuations joined,
trailing ``# comments`` dropped), its ``python`` and ``yaml`` blocks, and the ``examples:`` section of every CLI
epilog. Each runs in a fresh temporary folder that holds small fixtures under the file names the commands use
(``tweets.csv``, ``pairs.jsonl``, ``articles/``, ...) and copies of the repository's ``seeds/`` and ``recipes/``:

- ``stancekit ...`` runs in-process through :func:`stancekit.cli.main` (no interpreter start-up per command; the
  shipped models are loaded once per test module), must exit 0 and must write every output it names;
- a pipeline (``cat F | stancekit ... | head -n 2``, ``stancekit ... < F | jq FILTER``) runs the same way, stdin
  read from the file, ``head`` / ``jq`` applied to what the command printed;
- ``python -m stancekit ...`` and ``python -c CODE`` run in-process too; README ``python`` snippets are executed
  with the names their prose assumes (``clf``, ``df``, ...); ``yaml`` blocks are read as training recipes.

What cannot run in a test (hours of training, a GPU, a Ray cluster, a network fetch, a whole test split) is listed
in ``NOT_RUN`` with its reason, and is still checked statically: its arguments are parsed by the real parser (a
renamed option fails), ``make`` targets and variables must exist in the Makefile, ``pip`` extras in
pyproject.toml, recipes must load as a ``TrainingConfig``, corpora and splits must be registered. A new example
is run automatically (and fails if the runner cannot run it: then run it, or excuse it in ``NOT_RUN``); a
``NOT_RUN`` entry that no longer matches any example fails too. Commands quoted inline in the README's prose are
checked statically.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from stancekit.cli import build_parser, main
from stancekit.data import DATASETS
from stancekit.fitting.config import TrainingConfig
from stancekit.model.classifier import Classifier
from stancekit.model.folder import MODEL_NAMES
from tests.conftest import REPO, make_tiny, requires_models, shipped

README = REPO / "README.md"
SHELL_LANGS = {"bash", "sh", "shell", "console"}
PROGRAMS = ("stancekit", "make", "python", "python3", "pip", "cat", "curl")

# ------------------------------------------------------------------------------------------- what is not run
# Keys are prefixes of an example's text (as extracted: continuations joined, comments dropped). Reviewed reasons.
NOT_RUN: dict[str, str] = {
    "make ": "make targets create a virtualenv, install, run the whole suite or train for hours; each target and "
    "variable named is checked to exist in the Makefile",
    "pip install": "installs packages; the extras named are checked to exist in pyproject.toml",
    "stancekit train ": "training takes minutes to hours; parsed, and the recipe is read and validated by "
    "TrainingConfig.from_yaml (my-recipe.yaml / my.yaml are the README's example recipe)",
    "stancekit evaluate --model stance --dataset semeval2016 --split test": "scores a whole test split (1,249 "
    "tweets, ~35 s of CPU, over this test's budget); parsed, corpus and split checked in the registry; the same "
    "evaluation is the SemEval floor of tests/integration/test_shipped_models.py",
    "stancekit experts --model models/my-stance": "needs models/my-stance, a model trained by `stancekit train` "
    "with the corpora of its recipe, and fits SVMs for minutes; parsed",
    "stancekit calibrate ": "needs models/my-stance (a trained model) and the validation corpora; parsed, corpora "
    "checked in the registry",
    "stancekit score pairs.jsonl --target-column topic -o scored.jsonl --device cuda": "needs a CUDA GPU: run "
    "where torch.cuda.is_available() (RUN_IF), else parsed",
    "stancekit score data/tweets/ --model sentiment --engine ray --num-workers 4": "starts a local Ray (tens of "
    "seconds before the first row); the Ray engine is tested on a local ray.init in tests/unit/test_distributed.py; "
    "parsed",
    "stancekit score lake/ --model sentiment --engine ray": "starts a local Ray, as above; parsed",
    "stancekit score data/tweets/ --model sentiment --engine ray --address auto": "needs a running Ray cluster "
    "(--address auto) and a shared /shared/out; parsed",
    "curl ": "fetches a URL; the same analysis of stdin runs as the README's "
    "`stancekit analyze - --target CSTO --json < article.txt | jq ...`; the stancekit part is parsed",
    "import ray": "needs a Ray cluster (address='auto') and s3 buckets; compiled only",
}
# NOT_RUN entries that do run where what they need is there.
RUN_IF: dict[str, Callable[[], bool]] = {
    "stancekit score pairs.jsonl --target-column topic -o scored.jsonl --device cuda": torch.cuda.is_available,
}
# Inline code in the README's prose that names a command (or quotes an error message) rather than giving one.
INLINE_PROSE = {
    "pip install",
    "stancekit train",
    "stancekit score",
    "stancekit score --engine ray",
    "stancekit COMMAND --help",
    "stancekit export MODEL DIR",
}


# ----------------------------------------------------------------------------------------------- extraction
@dataclass(frozen=True)
class Example:
    text: str  # a command (continuations joined, comment dropped) or a whole snippet
    kind: str  # "shell", "python", "yaml" or "inline" (a command in prose: checked, never run)
    where: str  # README.md:LINE or "stancekit COMMAND --help"

    @property
    def id(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return f"{self.where} {first[:70]}"


def _quote_state(text: str) -> str | None:
    """The quote still open at the end of ``text`` (shell rules), or None."""
    quote: str | None = None
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote is None and ch in "'\"":
            quote = ch
        elif ch == quote:
            quote = None
    return quote


def _strip_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` outside quotes, at the start or after a space)."""
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote is None and ch in "'\"":
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def split_commands(body: str) -> list[tuple[int, str]]:
    """The commands of a shell block, each with the index of its first line: comment lines skipped, ``\\``
    continuations joined with a space, a quote left open continued on the next line (joined with a newline, as the
    shell keeps it)."""
    commands: list[tuple[int, str]] = []
    pending = ""
    first = 0
    for i, raw in enumerate(body.splitlines()):
        if not pending:
            first = i
        if pending and _quote_state(pending):
            pending += "\n" + raw.strip()
        else:
            line = _strip_comment(raw.strip())
            if not line and not pending:
                continue
            pending = f"{pending} {line}".strip() if pending else line
        if pending.endswith("\\") and not _quote_state(pending):
            pending = pending[:-1].rstrip()
            continue
        if _quote_state(pending):
            continue
        pending = _strip_comment(pending)
        if pending:
            commands.append((first, pending))
        pending = ""
    assert not pending, f"unterminated command: {pending!r}"
    return commands


def readme_blocks(text: str) -> list[tuple[str, int, str]]:
    """(language, first line number, dedented body) of each fenced block of a Markdown text."""
    blocks: list[tuple[str, int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*```\s*([\w+-]*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        blocks.append((m.group(1).lower(), start + 1, textwrap.dedent("\n".join(lines[start:j]))))
        i = j + 1
    return blocks


def readme_examples() -> list[Example]:
    examples: list[Example] = []
    for lang, line, body in readme_blocks(README.read_text(encoding="utf-8")):
        where = f"README.md:{line}"
        starts_like_shell = any(ln.strip().startswith(p + " ") for ln in body.splitlines() for p in PROGRAMS)
        if lang in SHELL_LANGS or (lang == "" and starts_like_shell):
            examples += [Example(cmd, "shell", f"README.md:{line + i}") for i, cmd in split_commands(body)]
        elif lang in {"python", "py"}:
            examples.append(Example(body.strip(), "python", where))
        elif lang in {"yaml", "yml"}:
            examples.append(Example(body.strip(), "yaml", where))
    return examples


def inline_spans() -> list[str]:
    """The inline code spans of the README's prose (outside fenced blocks), whitespace normalised."""
    text = README.read_text(encoding="utf-8")
    prose = re.sub(r"^\s*```.*?^\s*```\s*$", "", text, flags=re.S | re.M).replace("\n", " ")
    return [re.sub(r"\s+", " ", m.group(1)).strip() for m in re.finditer(r"`([^`]+)`", prose)]


def inline_commands() -> list[Example]:
    """Commands quoted inline in the README's prose: spans of two words or more that start with a program."""
    found: list[Example] = []
    for span in inline_spans():
        words = [w for w in span.split() if not re.match(r"^[A-Z_]+=", w)]  # VAR=value before the program
        if len(words) < 2 or words[0] not in PROGRAMS or span in INLINE_PROSE or ": error:" in span:
            continue
        found.append(Example(span, "inline", "README.md (prose)"))
    return list(dict.fromkeys(found))


def help_epilogs() -> list[tuple[str, str]]:
    parser = build_parser()
    epilogs = [("stancekit --help", parser.epilog or "")]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            epilogs += [(f"stancekit {name} --help", sub.epilog or "") for name, sub in action.choices.items()]
    return epilogs


def help_examples() -> list[Example]:
    examples: list[Example] = []
    for where, epilog in help_epilogs():
        m = re.search(r"^examples:\n(.*?)(?=^\S|\Z)", epilog, re.S | re.M)
        if m:
            examples += [Example(cmd, "shell", where) for _, cmd in split_commands(textwrap.dedent(m.group(1)))]
    return examples


def all_examples() -> list[Example]:
    """README and --help examples, each text once (the first place it appears names it)."""
    seen: dict[tuple[str, str], Example] = {}
    for ex in readme_examples() + help_examples():
        seen.setdefault((ex.kind, ex.text), ex)
    return list(seen.values())


EXAMPLES = all_examples()
INLINE = inline_commands()


def excuse(ex: Example) -> str | None:
    """The NOT_RUN reason that covers ``ex``, if any."""
    return next((reason for key, reason in NOT_RUN.items() if ex.text.startswith(key)), None)


def runs(ex: Example) -> bool:
    if ex.kind in {"yaml", "inline"}:
        return False  # yaml blocks are checked statically (they are recipes); inline spans are never run
    key = next((k for k in NOT_RUN if ex.text.startswith(k)), None)
    return key is None or (key in RUN_IF and RUN_IF[key]())


# ------------------------------------------------------------------------------------------------ fixtures
TWEETS = ["What a great day", "This is awful", "Armenia might leave the CSTO, Pashinyan said."]
FIXTURES: dict[str, str] = {
    "tweets.csv": "tweet_id,tweet\n1,What a great day\n2,This is awful\n3,I love peace\n",
    "tweets.jsonl": "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(TWEETS)),
    "big.jsonl": "".join(json.dumps({"text": t}) + "\n" for t in TWEETS),
    "pairs.jsonl": "".join(
        json.dumps({"text": t, "topic": topic}) + "\n" for t, topic in zip(TWEETS, ["CSTO", "Russia", "CSTO"])
    ),
    "docs.jsonl": "".join(
        json.dumps({"id": f"doc-{i}", "text": t}) + "\n"
        for i, t in enumerate(["Armenia might leave the CSTO. Moscow is silent.", "Russia praised the bloc."])
    ),
    "quotes.csv": "text,target,speaker,topic\n"
    '"Armenia might leave the CSTO, Pashinyan said.",CSTO,Armenia,CSTO\n'
    '"Moscow criticised Yerevan.",Armenia,Russia,Armenia\n',
    "article.txt": "Armenia might leave the CSTO, Pashinyan said. Moscow called the bloc vital. Yerevan disagreed.\n",
    "articles/first.txt": "Armenia might leave the CSTO, Pashinyan said. The Kremlin was silent.\n",
    "articles/second.txt": "Yerevan asked the bloc for help. Moscow refused.\n",
    "targets.yaml": "targets:\n  CSTO: [the bloc]\n  Russia: [Moscow, Kremlin]\nholders:\n  Armenia: [Pashinyan, "
    "Yerevan]\n",
    "data/tweets/part-0.jsonl": "".join(json.dumps({"text": t}) + "\n" for t in TWEETS),
    "lake/part-0.jsonl": "".join(json.dumps({"text": t}) + "\n" for t in TWEETS),
}


def readme_recipe() -> str:
    """The README's example training recipe (its first yaml block with an output_dir): my-recipe.yaml, my.yaml."""
    for ex in EXAMPLES:
        if ex.kind == "yaml" and "output_dir" in (yaml.safe_load(ex.text) or {}):
            return ex.text + "\n"
    raise AssertionError("README.md has no example recipe (a yaml block with output_dir)")


def make_workdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, content in {**FIXTURES, "my-recipe.yaml": readme_recipe(), "my.yaml": readme_recipe()}.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content, encoding="utf-8")
    for repo_dir in ("seeds", "recipes"):  # copies (small): a command writing there must not touch the repository
        shutil.copytree(REPO / repo_dir, path / repo_dir)
    return path


# ------------------------------------------------------------------------------------------ static checks
def _makefile() -> tuple[set[str], set[str]]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w./$()-]+)\s*:(?!=)", text, re.M))
    variables = set(re.findall(r"^(\w+)\s*[?:+]?=", text, re.M))
    return targets, variables


def _extras() -> set[str]:
    """The extras of pyproject.toml (read by pattern: tomllib is Python 3.11+)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[project\.optional-dependencies\]\n(.*?)(?=^\[)", text, re.S | re.M)
    assert section, "pyproject.toml has no [project.optional-dependencies]"
    return set(re.findall(r"^([\w-]+)\s*=", section.group(1), re.M))


def _tokens(command: str) -> list[str]:
    lex = shlex.shlex(command, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = ""
    return list(lex)


def _stages(command: str) -> list[list[str]]:
    """A command line cut at ``|`` and ``&&`` (argument lists, redirections kept as tokens)."""
    stages: list[list[str]] = [[]]
    for token in _tokens(command):
        if token in {"|", "&&"}:
            stages.append([])
        else:
            stages[-1].append(token)
    return stages


def _without_redirections(argv: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in {"<", ">", ">>", "2>"}:
            skip = True
        else:
            out.append(token)
    return out


def parse_stancekit(argv: list[str]) -> argparse.Namespace | None:
    """``argv`` (after ``stancekit``) parsed by the real parser; None for --help / --version (exit 0)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            return build_parser().parse_args(argv)
        except SystemExit as stop:
            assert stop.code == 0, f"stancekit {shlex.join(argv)}: {err.getvalue().strip()}"
            return None


def check_stancekit(argv: list[str], cwd: Path) -> None:
    args = parse_stancekit(argv)
    if args is None:
        return
    if args.command in {"evaluate", "calibrate"}:
        named = args.dataset if isinstance(args.dataset, list) else [args.dataset]
        unknown = [name for name in named if name not in DATASETS]
        assert not unknown, f"not registered corpora: {unknown} (see `stancekit datasets`)"
    if args.command == "evaluate":
        assert args.split in DATASETS[args.dataset].splits, f"{args.dataset} has no split {args.split!r}"
    if args.command == "train":
        config = args.config if args.config.is_absolute() else cwd / args.config
        assert config.is_file(), f"{args.config}: no such recipe"
        TrainingConfig.from_yaml(config)


def check_statically(command: str, cwd: Path) -> None:
    """Parse or check every stage of a command line without running it."""
    targets, variables = _makefile()
    for stage in _stages(command):
        argv = _without_redirections(stage)
        while argv and re.match(r"^[A-Z_]+=", argv[0]):  # VAR=value before the program
            argv = argv[1:]
        assert argv, f"empty stage in {command!r}"
        program, rest = os.path.basename(argv[0]), argv[1:]
        if program == "stancekit":
            check_stancekit(rest, cwd)
        elif program == "make":
            for word in rest:
                if "=" in word:
                    assert word.split("=")[0] in variables, f"make: no variable {word.split('=')[0]} in the Makefile"
                else:
                    assert word in targets, f"make: no target {word!r} in the Makefile"
        elif program == "pip":
            assert rest[:1] == ["install"], f"pip {shlex.join(rest)}"
            for req in rest[1:]:
                m = re.match(r"^stancekit\[([\w,\s-]+)\]$", req)
                if m:
                    unknown = {e.strip() for e in m.group(1).split(",")} - _extras()
                    assert not unknown, f"pyproject.toml has no extra {sorted(unknown)}"
        elif program in {"python", "python3"}:
            if rest[:2] == ["-m", "stancekit"]:
                check_stancekit(rest[2:], cwd)
            elif rest[:1] == ["-c"]:
                compile(rest[1], command, "exec")
            elif rest[:1] == ["-m"]:
                assert rest[1] in {"venv", "pip", "pytest"}, f"python -m {rest[1]}"
            else:
                assert (REPO / rest[0]).is_file(), f"python {rest[0]}: no such script"
        else:
            assert program in {"cat", "head", "jq", "curl"}, f"{program}: the docs test does not know this program"


# ------------------------------------------------------------------------------------------------- runners
@dataclass
class Result:
    status: int
    out: bytes
    err: str


@contextlib.contextmanager
def _stdio(stdin: Path | None) -> Iterator[tuple[io.TextIOWrapper, io.StringIO]]:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="", write_through=True)
    err = io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    src = stdin.open("rb") if stdin is not None else io.BytesIO()
    sys.stdin = io.TextIOWrapper(src, encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        src.close()


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    """contextlib.chdir (Python 3.11+)."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_stancekit(argv: list[str], stdin: Path | None = None) -> Result:
    with _stdio(stdin) as (out, err):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse: --help, --version, a usage error
            status = int(stop.code or 0)
        out.flush()
        assert isinstance(out.buffer, io.BytesIO)
        return Result(status, out.buffer.getvalue(), err.getvalue())


def _jq(filter_: str, data: bytes) -> bytes:
    if shutil.which("jq"):
        done = subprocess.run(["jq", filter_], input=data, capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, f"jq {filter_}: {done.stderr.decode()}"
        return done.stdout
    value: Any = json.loads(data)  # no jq here: the path filters the docs use (.a[0].b)
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", filter_):
        value = value[name] if name else value[int(index)]
    return (json.dumps(value) + "\n").encode()


def run_shell(command: str, cwd: Path) -> Result:
    """Run a command line the way a shell would, for the shapes the docs use; fails on any other shape."""
    stages = _stages(command)
    assert "&&" not in _tokens(command), f"cannot run {command!r}: add it to NOT_RUN with a reason"
    stdin: Path | None = None
    if stages[0][:1] == ["cat"]:
        assert len(stages[0]) == 2, command
        stdin = cwd / stages.pop(0)[1]
    argv = stages.pop(0)
    if "<" in argv:
        at = argv.index("<")
        stdin = cwd / argv[at + 1]
        argv = argv[:at] + argv[at + 2 :]
    if argv[0] == "stancekit":
        result = run_stancekit(argv[1:], stdin)
        check_outputs(argv[1:], cwd, result)
    elif argv[0] in {"python", "python3"} and argv[1:3] == ["-m", "stancekit"]:
        result = _run_module(argv[3:])
        assert result.status == 0 and result.out, f"{command} exited {result.status}:\n{result.err[-3000:]}"
    elif argv[0] in {"python", "python3"} and argv[1:2] == ["-c"] and len(argv) == 3 and not stages:
        exec(compile(argv[2], command, "exec"), {"__name__": "__main__"})
        return Result(0, b"", "")
    else:
        raise AssertionError(f"the docs test cannot run {command!r}: teach run_shell, or add it to NOT_RUN")
    for stage in stages:  # what the command printed, through the rest of the pipeline
        if stage[:2] == ["head", "-n"]:
            result.out = b"".join(result.out.splitlines(keepends=True)[: int(stage[2])])
            assert result.out.count(b"\n") == int(stage[2]), f"{command}: fewer than {stage[2]} lines"
        elif stage[:1] == ["jq"] and len(stage) == 2:
            result.out = _jq(stage[1], result.out)
            assert result.out.strip() not in {b"", b"null"}, f"{command}: jq found nothing"
        else:
            raise AssertionError(f"the docs test cannot run the stage {shlex.join(stage)!r} of {command!r}")
    return result


def _run_module(argv: list[str]) -> Result:
    """``python -m stancekit ARGV`` in-process (stancekit/__main__.py, as written)."""
    saved = sys.argv
    sys.argv = ["stancekit", *argv]
    with _stdio(None) as (out, err):
        try:
            runpy.run_module("stancekit", run_name="__main__", alter_sys=True)
            status = 0
        except SystemExit as stop:
            status = int(stop.code or 0)
        finally:
            sys.argv = saved
        assert isinstance(out.buffer, io.BytesIO)
        return Result(status, out.buffer.getvalue(), err.getvalue())


def check_outputs(argv: list[str], cwd: Path, result: Result) -> None:
    """Exit status 0, and every file the command names as an output is there."""
    assert result.status == 0, f"stancekit {shlex.join(argv)} exited {result.status}:\n{result.err[-3000:]}"
    args = parse_stancekit(argv)
    if args is None:
        assert result.out, "--help / --version printed nothing"
        return
    outputs = [getattr(args, name, None) for name in ("output", "report", "png", "summary", "json")]
    for path in outputs:
        if isinstance(path, Path) and str(path) != "-":
            assert (cwd / path).exists(), f"stancekit {shlex.join(argv)} did not write {path}"
    if args.command == "export":
        assert (cwd / args.output / "config.json").is_file()
    if (getattr(args, "output", None) is not None and str(args.output) == "-") or args.command == "datasets":
        assert result.out, f"stancekit {shlex.join(argv)} printed nothing"


# ----------------------------------------------------------------------------------- setup of some examples
def _tiny_model(cwd: Path) -> None:
    (cwd / "tmp-tiny").mkdir()
    make_tiny(cwd / "tmp-tiny", "stance").save_pretrained(cwd / "models" / "my-stance", compact=False)


SETUP: dict[str, Callable[[Path, Path], None]] = {  # prefix -> step(cwd, shipped export folder)
    "stancekit export models/my-stance": lambda cwd, _: _tiny_model(cwd),
    'python -c "from transformers import pipeline': lambda cwd, ex: _link_export(cwd, ex),
    "from transformers import pipeline": lambda cwd, ex: _link_export(cwd, ex),
}


def _link_export(cwd: Path, exported: Path) -> None:
    (cwd / "exports").mkdir()
    (cwd / "exports" / "stance-minilm").symlink_to(exported, target_is_directory=True)


def snippet_namespace() -> dict[str, Any]:
    """Names the README's snippets take from their prose: a stance model ``clf``, a holder-aware ``news``, a
    DataFrame ``df``, ``texts``, ``text1`` / ``text2``, and the ``datasets`` library."""
    import datasets
    import pandas as pd

    import stancekit

    df = pd.DataFrame({"text": TWEETS[:2], "topic": ["CSTO", "Russia"], "speaker": ["Armenia", None]})
    return {"__name__": "__main__", "stancekit": stancekit, "datasets": datasets, "pd": pd, "df": df,
            "clf": stancekit.load("stance"), "news": stancekit.load("directed"), "texts": TWEETS[:2],
            "text1": TWEETS[2], "text2": "Moscow praised the bloc."}  # fmt: skip


# ---------------------------------------------------------------------------------------------------- tests
def test_examples_are_found() -> None:
    """Every place examples live gives some (so that a change to the extraction cannot silently test nothing)."""
    where = {ex.where.split(":")[0] if ex.where.startswith("README") else ex.where for ex in EXAMPLES}
    assert {"README.md", "stancekit --help", "stancekit analyze --help", "stancekit export --help"} <= where
    assert sum(ex.kind == "shell" for ex in EXAMPLES) >= 30
    assert {ex.kind for ex in EXAMPLES} == {"shell", "python", "yaml"}


def test_split_commands() -> None:
    block = textwrap.dedent("""\
        make demo   # a comment
                    # a comment line
        stancekit analyze doc.txt --holder Armenia \\
            --target "CSTO=the bloc # not a comment" --report r.html   # a comment
        python -c "print(1,
          2)"
        """)
    assert split_commands(block) == [
        (0, "make demo"),
        (2, 'stancekit analyze doc.txt --holder Armenia --target "CSTO=the bloc # not a comment" --report r.html'),
        (4, 'python -c "print(1,\n2)"'),
    ]


def test_every_not_run_entry_matches_an_example() -> None:
    texts = [ex.text for ex in EXAMPLES]
    stale = [key for key in NOT_RUN if not any(t.startswith(key) for t in texts)]
    assert not stale, f"NOT_RUN entries that match no README / --help example any more: {stale}"
    assert set(RUN_IF) <= set(NOT_RUN)
    unused = [key for key in SETUP if not any(t.startswith(key) for t in texts)]
    assert not unused, f"SETUP entries that match no example any more: {unused}"
    gone = INLINE_PROSE - set(inline_spans())
    assert not gone, f"INLINE_PROSE names spans no longer in the README: {sorted(gone)}"
    assert INLINE, "no inline commands found in the README's prose"


def test_every_example_is_run_or_excused() -> None:
    """A shell example that is not excused must be of a shape run_shell runs (checked without running it)."""
    for ex in EXAMPLES:
        if ex.kind != "shell" or not runs(ex):
            continue
        stages = _stages(ex.text)
        assert "&&" not in _tokens(ex.text), f"{ex.where}: {ex.text!r}: run it, or excuse it in NOT_RUN"
        stages = stages[1:] if stages[0][:1] == ["cat"] else stages
        head = stages[0][:3]
        assert head[:1] == ["stancekit"] or head[:2] in (["python", "-m"], ["python", "-c"]), (
            f"{ex.where}: the docs test cannot run {ex.text!r}: teach run_shell, or add it to NOT_RUN with a reason"
        )
        for stage in stages[1:]:
            assert stage[:2] == ["head", "-n"] or stage[:1] == ["jq"], f"{ex.where}: cannot run {shlex.join(stage)}"


@pytest.mark.parametrize("ex", [ex for ex in EXAMPLES + INLINE if ex.kind in {"shell", "inline"}], ids=lambda e: e.id)
def test_example_parses(ex: Example, tmp_path: Path) -> None:
    """Every command, run or not: the real parser accepts its arguments; targets, extras, recipes, corpora exist."""
    check_statically(ex.text, make_workdir(tmp_path / "work"))


@pytest.mark.parametrize("ex", [ex for ex in EXAMPLES if ex.kind == "python"], ids=lambda e: e.id)
def test_python_snippet_compiles(ex: Example) -> None:
    compile(ex.text, ex.where, "exec")


@pytest.mark.parametrize("ex", [ex for ex in EXAMPLES if ex.kind == "yaml"], ids=lambda e: e.id)
def test_yaml_block_is_a_valid_recipe(ex: Example, tmp_path: Path) -> None:
    """A full recipe (it has output_dir) loads as a TrainingConfig; a fragment does, added to the full example."""
    data = yaml.safe_load(ex.text)
    if "output_dir" not in data:
        data = {**yaml.safe_load(readme_recipe()), **data}
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    TrainingConfig.from_yaml(path)


# ------------------------------------------------------------------------------------ running (shipped models)
@pytest.fixture(scope="module")
def shared_models() -> Iterator[None]:
    """Each shipped model is loaded once for the whole module (the commands run in one process)."""
    original = Classifier.from_pretrained
    cache: dict[tuple[Any, ...], Classifier] = {}

    def cached(cls: type[Classifier], name_or_path: Any, options: Any = None, *, task: Any = None, **kw: Any) -> Any:
        if not (isinstance(name_or_path, str) and name_or_path in MODEL_NAMES):
            return original(name_or_path, options, task=task, **kw)
        key = (name_or_path, repr(options), task, tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = original(name_or_path, options, task=task, **kw)
        return cache[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Classifier, "from_pretrained", classmethod(cached))
        yield


@pytest.fixture(scope="module")
def exported(shared_models: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped stance model exported once (by the README's own command), for the examples that read it."""
    cwd = tmp_path_factory.mktemp("export")
    with _chdir(cwd):
        result = run_stancekit(["export", "stance", "exports/stance-minilm"])
    assert result.status == 0, result.err
    return cwd / "exports" / "stance-minilm"


@pytest.mark.integration
@requires_models
@pytest.mark.skipif(not (shipped("directed-minilm") / "config.json").is_file(), reason="no models/directed-minilm")
@pytest.mark.parametrize("ex", [ex for ex in EXAMPLES if runs(ex)], ids=lambda e: e.id)
def test_example_runs(
    ex: Example, shared_models: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets")  # not the user's cache
    cwd = make_workdir(tmp_path / "work")
    for key, step in SETUP.items():
        if ex.text.startswith(key):
            step(cwd, request.getfixturevalue("exported"))
    with _chdir(cwd):
        if ex.kind == "python":
            exec(compile(ex.text, ex.where, "exec"), snippet_namespace())
        else:
            run_shell(ex.text, cwd)
