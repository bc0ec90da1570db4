"""Options shared by several commands, and loading a model from them."""

from __future__ import annotations

import argparse
from pathlib import Path

from stancekit.core.errors import InputError
from stancekit.io.paths import check_output_file
from stancekit.io.tables import file_format
from stancekit.model import Classifier, LoadOptions, load


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (so that ``--chunk-rows -5`` stops before any work)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_load_options(p: argparse.ArgumentParser) -> None:
    """``--device``, ``--dtype``, ``--backend``, ``--batch-size``, ``--max-tokens``, ``--allow-pickle``,
    ``--no-experts``: the fields of :class:`~stancekit.model.options.LoadOptions`."""
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument(
        "--dtype",
        default="auto",
        help="auto (default: bfloat16 on CUDA and on CPUs with native bf16, else float32), float32, bfloat16, "
        "float16, or int8 (CPU, dynamic quantization: faster, ~2-3%% of labels differ from float32)",
    )
    p.add_argument(
        "--backend",
        default="auto",
        choices=["auto", "torch", "onnx", "openvino"],
        help="engine: auto (default: OpenVINO for bf16 on CPUs with native bf16, ONNX Runtime on CPU for "
        "float32/int8, PyTorch on CUDA or when those are not installed)",
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=None, help="most rows per forward pass (default 256 CPU, 512 CUDA)"
    )
    p.add_argument(
        "--max-tokens", type=positive_int, default=None, help="most padded tokens per pass (default 1024 / 32768)"
    )
    p.add_argument("--allow-pickle", action="store_true", help="load pickle files (they can run code: trusted only)")
    p.add_argument("--no-experts", action="store_true", help="score with the network alone, without n-gram experts")


def load_options(args: argparse.Namespace) -> LoadOptions:
    """The :class:`LoadOptions` the command line asked for."""
    return LoadOptions(
        device=args.device,
        dtype=args.dtype,
        backend=args.backend,
        allow_pickle=args.allow_pickle,
        experts=not args.no_experts,
        batch_size=args.batch_size,
        max_tokens=args.max_tokens,
    )


def load_model(args: argparse.Namespace, name: str) -> Classifier:
    return load(name, load_options(args))


def check_outputs(*paths: Path | None, force: bool, tables: tuple[Path | None, ...] = ()) -> None:
    """Every output path can be written (before any work): not a directory, its folder exists and is writable,
    it does not exist unless ``force``; no two are the same file; ``tables`` have a table format.

    Raises:
        InputError, OutputExistsError: naming the path.
    """
    given = [p for p in paths if p is not None]
    for path in given:
        check_output_file(path, force=force)
    for table in tables:
        if table is not None and file_format(table) == "txt":
            raise InputError(f"{table}: cannot write a table as .txt; use .csv, .jsonl or .parquet")
    resolved = [p.resolve() for p in given]
    twice = sorted({str(p) for p in resolved if resolved.count(p) > 1})
    if twice:
        raise InputError(f"{twice[0]}: given as two different outputs")
