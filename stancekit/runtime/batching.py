"""The one batched inference loop: every entry point (Python API, CLI, evaluation, benchmarks) goes through
:func:`iter_network_scores`.

1. take the input stream a *window* at a time (memory stays bounded however long the stream is);
2. tokenize the window (target/text pairs for stance), truncating over-long inputs and flagging them;
3. sort it by length and cut it into *batches* under a token budget (rows x padded length);
4. pad each batch only to its own longest row and run the engine (:mod:`stancekit.runtime.engines`); on CUDA the
   inputs travel through pinned memory asynchronously and results are fetched once per window, so the CPU
   prepares the next batch while the GPU computes; an engine with ``run_many`` (OpenVINO) takes the window's
   batches as a stream and keeps more than one in flight;
5. restore the input order and yield the window's float32 logits.

The logits become probabilities in the model layer (:mod:`stancekit.model.head`: temperature, n-gram experts,
label bias, in that order).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from stancekit.core.errors import ConfigError

DEFAULT_WINDOW = 4096
MAX_CHARS_PER_TOKEN = 128


@dataclass
class Scores:
    """Results for consecutive rows, in input order: logits or probabilities, and truncation flags."""

    values: np.ndarray  # (n, n_labels) float32
    truncated: np.ndarray  # (n,) bool: the input was longer than max_length and was cut
    extra: Any = None  # what iter_network_scores' ``prepare`` returned for this window, if one was given

    @classmethod
    def concat(cls, parts: Sequence[Scores], n_labels: int) -> Scores:
        """All parts as one (an empty one for no parts)."""
        if not parts:
            return cls(np.zeros((0, n_labels), dtype=np.float32), np.zeros(0, dtype=bool))
        return cls(np.concatenate([p.values for p in parts]), np.concatenate([p.truncated for p in parts]))


def encode(
    tokenizer: Any, texts: Sequence[str], firsts: Sequence[str] | None, max_length: int
) -> tuple[list[list[int]], list[list[int]] | None, np.ndarray]:
    """Tokenize without padding; cut inputs longer than ``max_length`` and flag them.

    Inputs are tokenized to ``max_length + 1`` so that "exactly max_length" and "longer" can be told apart;
    a longer one keeps its first ``max_length - 1`` tokens and its closing special token.
    """
    # A 10 MB text would be tokenized whole before truncation: cut it first. No token covers more than
    # MAX_CHARS_PER_TOKEN characters in practice (WordPiece turns longer words into one [UNK]).
    cap = max_length * MAX_CHARS_PER_TOKEN
    cut = np.array([len(t) > cap for t in texts], dtype=bool)
    if cut.any():
        texts = [t[:cap] if c else t for t, c in zip(texts, cut)]
    args = (list(firsts), list(texts)) if firsts is not None else (list(texts),)
    enc = tokenizer(*args, truncation=True, max_length=max_length + 1, padding=False)
    ids: list[list[int]] = enc["input_ids"]
    types: list[list[int]] | None = enc.get("token_type_ids")
    flags = cut.copy()
    for i, row in enumerate(ids):
        if len(row) > max_length:
            flags[i] = True
            ids[i] = row[: max_length - 1] + row[-1:]
            if types is not None:
                types[i] = types[i][: max_length - 1] + types[i][-1:]
    return ids, types, flags


def plan_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> list[np.ndarray]:
    """Group row indices into batches, longest first, each under ``batch_size`` rows and ``max_tokens``
    padded tokens (a single row longer than the budget gets a batch of its own)."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = lengths[order[start]]
        rows = max(1, min(batch_size, max_tokens // max(longest, 1)))
        batches.append(order[start : start + rows])
        start += rows
    return batches


def pad_batch(
    batch: np.ndarray, ids: list[list[int]], types: list[list[int]] | None, lengths: list[int], pad_id: int
) -> dict[str, torch.Tensor]:
    """The keyword tensors of one batch, padded to its longest row.

    Built in one int64 array per input (each row written by numpy from its token list, the mask from the
    lengths by broadcasting): a tenth of the time of a tensor per row, which matters once the engine runs a
    window of tweets in well under a second.
    """
    width = lengths[batch[0]]
    n = len(batch)
    input_ids = np.full((n, width), pad_id, dtype=np.int64)
    row_lengths = np.fromiter((lengths[i] for i in batch), dtype=np.int64, count=n)
    mask = (np.arange(width) < row_lengths[:, None]).astype(np.int64)
    type_ids = np.zeros((n, width), dtype=np.int64) if types is not None else None
    for row, idx in enumerate(batch):
        k = lengths[idx]
        input_ids[row, :k] = ids[idx]
        if type_ids is not None and types is not None:
            type_ids[row, :k] = types[idx]
    inputs = {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(mask)}
    if type_ids is not None:
        inputs["token_type_ids"] = torch.from_numpy(type_ids)
    return inputs


@dataclass(frozen=True)
class _Plan:
    max_length: int
    batch_size: int
    max_tokens: int
    pair: bool
    device: torch.device


def _window_logits(engine: Any, tokenizer: Any, window: list[tuple[str, str | None]], plan: _Plan, bar: Any) -> Scores:
    """Logits of one window of ``(text, first segment)`` items, in input order."""
    texts = [t for t, _ in window]
    firsts = [str(g) for _, g in window] if plan.pair else None
    ids, types, truncated = encode(tokenizer, texts, firsts, plan.max_length)
    lengths = [len(r) for r in ids]
    out = np.empty((len(ids), engine.num_labels), dtype=np.float32)
    on_gpu = plan.device.type == "cuda"
    pending: list[tuple[np.ndarray, torch.Tensor]] = []
    batches = plan_batches(lengths, plan.batch_size, plan.max_tokens)
    pad_id = tokenizer.pad_token_id or 0
    run_many = getattr(engine, "run_many", None)
    if run_many is not None and not on_gpu:  # an engine that keeps several batches in flight (OpenVINO)
        padded = (pad_batch(batch, ids, types, lengths, pad_id) for batch in batches)
        for batch, logits in zip(batches, run_many(padded), strict=True):
            out[batch] = logits.float().numpy()
            bar.update(len(batch))
        return Scores(out, truncated)
    for batch in batches:
        inputs = pad_batch(batch, ids, types, lengths, pad_id)
        if on_gpu:  # pinned, asynchronous copies: the next batch is built while this one runs
            inputs = {k: v.pin_memory().to(plan.device, non_blocking=True) for k, v in inputs.items()}
        logits = engine(inputs).float()
        if on_gpu:  # no synchronisation per batch: results come back once per window
            pending.append((batch, logits))
            continue
        out[batch] = logits.numpy()
        bar.update(len(batch))
    for batch, logits in pending:
        out[batch] = logits.cpu().numpy()
        bar.update(len(batch))
    return Scores(out, truncated)


def iter_network_scores(
    engine: Any,
    tokenizer: Any,
    items: Iterable[tuple[str, str | None]],
    *,
    max_length: int,
    device: torch.device,
    pair: bool,
    batch_size: int,
    max_tokens: int,
    window: int = DEFAULT_WINDOW,
    progress: Any = False,
    total: int | None = None,
    prepare: Callable[[list[tuple[str, str | None]]], Any] | None = None,
) -> Iterator[Scores]:
    """Stream ``(text, first segment)`` items through ``engine``, a window at a time, in input order.

    Args:
        engine: an :class:`~stancekit.runtime.engines.Engine`.
        tokenizer: its (fast) tokenizer.
        items: ``(text, first segment)`` tuples; the first segment (the target, or ``holder [SEP] target``) is
            ignored unless ``pair``.
        max_length: tokens per input; longer inputs are cut and flagged in ``Scores.truncated``.
        device: where the engine's inputs go.
        pair: encode (first segment, text) pairs (stance) rather than single texts (sentiment).
        batch_size: most rows per forward pass.
        max_tokens: most padded tokens (rows x longest row) per forward pass.
        window: rows tokenized, sorted and scored together; bounds memory for any stream length.
        progress: show a tqdm bar, or update the given bar (anything with ``update(n)``).
        total: number of items, for the progress bar.
        prepare: called with each window's items just before its forward passes start; what it returns comes
            back as that window's ``Scores.extra``. The classifier starts its n-gram experts on a thread here,
            so that they run while the engine computes (which releases the GIL).

    Yields:
        One :class:`Scores` of float32 logits, shape (n, n_labels), per ``window`` items.
    """
    if batch_size < 1 or max_tokens < 1 or window < 1:
        raise ConfigError("batch_size, max_tokens and window must be positive")
    own_bar = isinstance(progress, bool)
    bar: Any = tqdm(total=total, unit="row", desc="scoring", disable=not progress) if own_bar else progress
    plan = _Plan(max_length, batch_size, max_tokens, pair, device)
    stream = iter(items)
    try:
        while rows := list(itertools.islice(stream, window)):
            extra = prepare(rows) if prepare is not None else None
            scores = _window_logits(engine, tokenizer, rows, plan, bar)
            scores.extra = extra
            yield scores
    finally:
        if own_bar:
            bar.close()
