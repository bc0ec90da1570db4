"""Options shared by several commands, and loading a model from them."""

from __future__ import annotations

import argparse
from pathlib import Path

from stancekit.core.errors import OutputExistsError
from stancekit.model import Classifier, LoadOptions, load


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
        choices=["auto", "torch", "onnx"],
        help="engine: auto (default: ONNX Runtime on CPU for float32/int8, PyTorch for bf16 and on CUDA)",
    )
    p.add_argument(
        "--batch-size", type=int, default=None, help="most rows per forward pass (default 256 CPU, 512 CUDA)"
    )
    p.add_argument("--max-tokens", type=int, default=None, help="most padded tokens per pass (default 1024 / 32768)")
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


def refuse_existing(*paths: Path | None, force: bool) -> None:
    for path in paths:
        if path is not None and path.exists() and not force:
            raise OutputExistsError(f"{path} exists; pass --force to overwrite it")
