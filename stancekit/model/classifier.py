"""Classifier: a stance or sentiment model with a scikit-learn-style API over plain transformers objects."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, overload

import numpy as np
from transformers import PreTrainedModel

from stancekit.core.errors import ConfigError, InputError
from stancekit.core.hashing import sha256_file, tensors_sha256
from stancekit.core.inputs import InputTypeError, text_list
from stancekit.core.labels import first_segment
from stancekit.core.text import TermLike, as_term, mark_entities, term_rows
from stancekit.model import checks, folder
from stancekit.model.experts import NgramExperts
from stancekit.model.export import export_folder
from stancekit.model.head import head_proba, softmax
from stancekit.model.options import LoadOptions
from stancekit.model.spec import ModelSpec
from stancekit.runtime.batching import Scores, iter_network_scores
from stancekit.runtime.device import default_budget, dtype_name, prepare_model, resolve_device, resolve_dtype
from stancekit.runtime.engines import engine_is_current, make_engine, resolve_backend

# Windows of at least this many rows get their n-gram experts scored on a thread beside the engine; smaller ones
# (a single text) score them after the forward passes (measured: benchmarks/README.md, notes).
EXPERTS_THREAD_MIN_ROWS = 64

Item = tuple[str, str | None]  # (text, first segment: the target, or "holder [SEP] target"; None for sentiment)


class Classifier:
    """A stance (target-conditioned) or sentiment classifier.

    Attributes:
        model: the ``transformers`` sequence-classification model.
        tokenizer: its tokenizer.
        spec: the :class:`~stancekit.model.spec.ModelSpec` (task, labels, max_length, backbone, calibration).
        options: the :class:`~stancekit.model.options.LoadOptions` it was built with.
        device, dtype: where and in which precision inference runs.
        backend: the engine that runs the network: ``"openvino"`` (OpenVINO, the default for bfloat16 on CPUs
            that multiply it natively), ``"onnx"`` (ONNX Runtime, the CPU default for float32 and int8) or
            ``"torch"``. The ONNX and OpenVINO engines are built from ``model`` at the first prediction (and
            cached on disk by a hash of the weights) and again whenever ``model``'s weights change.
        experts: the model's n-gram experts (:class:`~stancekit.model.experts.NgramExperts`), fused with the
            network for the targets they cover, or None (set it to None to score with the network alone).
        batch_size, max_tokens: the batch budget, rows and padded tokens per forward pass (defaults per device:
            :data:`stancekit.runtime.device.DEFAULT_BUDGETS`).
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: Any,
        spec: ModelSpec,
        *,
        options: LoadOptions | None = None,
        **overrides: Any,
    ) -> None:
        """``overrides`` are :class:`LoadOptions` fields (``device="cpu"``, ``dtype="float32"``, ...)."""
        self.options = LoadOptions.from_any(options, **overrides)
        self.spec = spec
        self.tokenizer = tokenizer
        self.device = resolve_device(self.options.device)
        self.dtype = resolve_dtype(self.options.dtype, self.device)
        self.backend = resolve_backend(self.options.backend, self.device, self.dtype)
        self.model = prepare_model(model, self.device, self.dtype)
        default_rows, default_tokens = default_budget(self.device, self.backend)
        self.batch_size = self.options.batch_size or default_rows
        self.max_tokens = self.options.max_tokens or default_tokens
        self._engine: Any = None
        self.experts: NgramExperts | None = None
        self.path: Path | None = None  # the folder it was loaded from, if any
        hf_config: Any = model.config
        id2label = [hf_config.id2label[i] for i in range(hf_config.num_labels)]
        if tuple(id2label) != tuple(spec.labels):
            raise ConfigError(f"config id2label {id2label} does not match the stancekit labels {list(spec.labels)}")

    # ----------------------------------------------------------------------------------------------- loading/saving
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        options: LoadOptions | None = None,
        *,
        task: str | None = None,
        **overrides: Any,
    ) -> Classifier:
        """Load a model folder written by :meth:`save_pretrained`, by training or by :meth:`export`, or a plain
        Hugging Face sequence-classification folder (no network access).

        A plain folder (a ``config.json`` without a ``stancekit`` block) takes its labels from ``id2label`` and
        its task from their names (favor / against / none: stance; negative / neutral / positive: sentiment; any
        case and order), or from ``task`` where the names do not tell (``LABEL_0``, ...); it is refused otherwise.

        Only safetensors weights are read, and never code: a folder carrying pickle files (``pytorch_model.bin``,
        ``*.pkl``, ...) is refused unless ``allow_pickle=True`` (and even then a pickle is read with torch's
        weights-only unpickler, and only when no safetensors weights exist); a config asking for custom code
        (``auto_map``) is refused. Every tensor of the network must come from the folder (or, for a compact
        folder, its backbone package): a half-loaded model is an error, as is a weights file whose SHA-256
        differs from the one recorded at save time. So are NaN or inf weights (a diverged training run), missing
        tokenizer files, and a tokenizer that does not fit the network's embedding table
        (:mod:`stancekit.model.checks`).

        Args:
            name_or_path: a shipped name (``"stance"``), a folder name under the models folder, or a path.
            options: how it runs (:class:`LoadOptions`); ``overrides`` change single fields.
            task: ``"stance"`` or ``"sentiment"``: the task of a plain Hugging Face folder whose labels do not
                tell it; for any other folder, a check (a different task is a :class:`ConfigError`).

        Raises:
            ModelNotFoundError: no such model, or the folder is neither a stancekit model nor a Hugging Face
                sequence-classification model.
            ConfigError: ``task`` contradicts the folder, or a plain folder's task cannot be told without it.
            UnsafeModelError: pickle files without ``allow_pickle``, or custom code.
            ModelLoadError: truncated, corrupted or incomplete weights; NaN or inf in the network's weights (a
                diverged training run); tokenizer files missing, or a tokenizer whose vocabulary does not fit the
                network's embedding table.
        """
        opts = LoadOptions.from_any(options, **overrides)
        path = folder.resolve_model_path(name_or_path)
        spec, config = folder.read_spec(path, allow_pickle=opts.allow_pickle, task=task)
        tokenizer = folder.read_tokenizer(path, spec)
        model = folder.read_network(path, spec, config, allow_pickle=opts.allow_pickle)
        checks.check_vocabulary(path, model, tokenizer)
        clf = cls(model, tokenizer, spec, options=opts)
        clf.experts = folder.read_experts(path, spec) if opts.experts else None
        clf.path = path
        return clf

    def save_pretrained(
        self, directory: str | os.PathLike[str], *, compact: bool | None = None, low_rank: bool = False
    ) -> Path:
        """Write the model folder: config.json (id2label + stancekit block), weights, tokenizer, experts.

        Args:
            directory: created if missing.
            compact: store only the tensors that differ from the backbone, in float16 (a few MB instead of
                ~90 MB). Defaults to True when the model has a registered backbone. A non-compact folder has
                full weights that ``AutoModelForSequenceClassification`` loads, but plain ``transformers`` ignores
                the temperature, label bias and n-gram experts kept beside them: :meth:`export` writes a folder
                whose plain-``transformers`` probabilities are stancekit's.
            low_rank: in a compact folder, store a matrix whose change has low rank (a LoRA run's) as two
                factors, so a fine-tuned all-mpnet-base-v2 takes a few MB.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        compact = bool(self.spec.backbone) if compact is None else compact
        spec = ModelSpec.from_dict({**self.spec.to_dict(), "weights": "delta" if compact else "full"})
        model: Any = self.model.float().cpu()
        weights_file = folder.write_weights(model, out, spec, compact=compact, low_rank=low_rank)
        self.model = prepare_model(model, self.device, self.dtype)
        self.tokenizer.save_pretrained(out)
        folder.write_experts(out, self.experts)
        spec.weights_sha256 = sha256_file(out / weights_file)
        folder.update_json(out / "config.json", {"stancekit": spec.to_dict()})
        return out

    def export(self, directory: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write a standalone Hugging Face folder that plain ``transformers`` loads offline
        (``AutoModelForSequenceClassification``, ``pipeline("text-classification")``).

        The folder has ``model.safetensors`` (every tensor, float32), ``config.json`` (the network's architecture,
        ``id2label``), the tokenizer and a model card (``README.md``: metadata carried over from this model's card,
        how to feed it, what did not travel). The temperature and the label bias are folded into the classifier
        layer, so the export's softmax equals :meth:`predict_proba` without n-gram experts (the network path,
        ``experts=False``); the experts cannot travel. Load the model with ``dtype="float32"`` to export its exact
        weights. See :mod:`stancekit.model.export`; ``stancekit export MODEL DIR`` on the command line.

        Args:
            directory: the output folder, created if missing.
            force: write into a folder that is not empty.

        Raises:
            OutputExistsError: the folder is not empty and ``force`` is False.
        """
        return export_folder(
            self.model, self.tokenizer, self.spec, Path(directory), source=self.path, experts=self.experts, force=force
        )

    # ------------------------------------------------------------------------------------------------- properties
    @property
    def labels(self) -> tuple[str, ...]:
        """Label names, in the column order of :meth:`predict_proba`."""
        return self.spec.labels

    @property
    def classes_(self) -> np.ndarray:
        """scikit-learn's name for :attr:`labels` (as an array, as in scikit-learn)."""
        return np.asarray(self.spec.labels)

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def engine(self) -> Any:
        """What runs the forward pass (:mod:`stancekit.runtime.engines`), rebuilt when ``model``'s weights change."""
        if self._engine is None or not engine_is_current(self._engine, self.model):
            self._engine, self.backend = make_engine(
                self.model, self.backend, self.device, self.dtype, tokenizer=self.tokenizer
            )
        return self._engine

    def fingerprint(self) -> str:
        """SHA-256 over everything that changes a score: the spec (labels, temperature, label bias, max length),
        how it runs (dtype, backend, batch budget), the experts' files and every weight of the network."""
        experts = "none" if self.experts is None else repr((self.experts.weight, self.experts.temperature))
        expert_tensors = {} if self.experts is None else self.experts.tensors()
        extra = [repr(sorted(self.spec.to_dict().items())), dtype_name(self.dtype), self.backend, experts]
        extra += [f"batch={self.batch_size}", f"tokens={self.max_tokens}"]
        return tensors_sha256({**self.model.state_dict(), **expert_tensors}, extra)

    def fingerprint_fields(self) -> dict[str, Any]:
        """What :meth:`fingerprint` covers, field by field (so that a refused resume can name what differs):
        the network's weights, the experts (off, or their weight, temperature and tensors), each spec field
        (temperature, label bias, max length, markers, ...), device, dtype, backend as resolved, batch budget
        (bf16 results depend on the batch shapes)."""
        experts = "off" if self.experts is None else tensors_sha256(
            self.experts.tensors(), [repr((self.experts.weight, self.experts.temperature))]
        )  # fmt: skip
        spec = {f"spec.{key}": value for key, value in sorted(self.spec.to_dict().items())}
        return {
            "weights": tensors_sha256(dict(self.model.state_dict()), []),
            "experts": experts,
            **spec,
            "device": str(self.device),
            "dtype": dtype_name(self.dtype),
            "backend": self._resolved_backend(),
            "batch_size": self.batch_size,
            "max_tokens": self.max_tokens,
        }

    def _resolved_backend(self) -> str:
        """The engine's backend, after ``auto`` is resolved (building the engine if it is not built yet)."""
        _ = self.engine
        return str(self.backend)

    # ------------------------------------------------------------------------------------------------- prediction
    def check_inputs(self, *, targets: bool, holders: bool) -> None:
        """Refuse targets for a sentiment model, no targets for a stance model, holders for a holder-blind one.

        Raises:
            InputError: the message says what to pass instead.
        """
        if holders and not self.spec.uses_holder:
            raise InputError(
                "this model was not trained with holders (who holds the stance); holder-aware scoring needs a "
                "model trained with them, such as stancekit.load('directed'). Score without holders=..."
            )
        if self.spec.is_pair and not targets:
            raise InputError("a stance model needs targets=: one target for all texts or one per text")
        if not self.spec.is_pair and targets:
            raise InputError("a sentiment model takes no targets")

    def items(
        self,
        texts: str | Sequence[str],
        targets: TermLike | Sequence[TermLike] | None = None,
        holders: TermLike | Sequence[TermLike | None] | None = None,
    ) -> list[Item]:
        """Checked ``(text, first segment)`` items for :meth:`iter_scores` (the first segment carries target and
        holder: see :func:`stancekit.core.labels.first_segment`; a model trained with entity markers gets the
        mentions marked in the text: :meth:`item`)."""
        _refuse_tables(texts, targets, holders)
        text_rows, _ = text_list(texts)
        target_rows = term_rows(targets, len(text_rows), "targets")
        holder_rows = term_rows(holders, len(text_rows), "holders", allow_none=True)
        self.check_inputs(
            targets=target_rows is not None, holders=holder_rows is not None and any(h is not None for h in holder_rows)
        )
        if target_rows is None:
            return [(t, None) for t in text_rows]
        if holder_rows is None:
            holder_rows = [None] * len(text_rows)
        return [self.item(t, tg, h) for t, tg, h in zip(text_rows, target_rows, holder_rows)]

    def item(self, text: str, target: TermLike | None, holder: TermLike | None = None) -> Item:
        """The model input of one row: ``(text, first segment)``, the text with the holder's and the target's
        mentions (name or alias) marked when the model was trained with entity markers
        (:func:`stancekit.core.text.mark_entities`)."""
        if target is None or not self.spec.is_pair:
            return (text, None)
        tgt = as_term(target, "target")
        hold = None if holder is None else as_term(holder, "holder")
        first = first_segment(tgt.name, None if hold is None else hold.name)
        if self.spec.entity_markers:
            text = mark_entities(text, hold, tgt)
        return (text, first)

    def iter_scores(
        self, items: Iterable[Item], *, progress: Any = False, total: int | None = None
    ) -> Iterator[Scores]:
        """Stream ``(text, first segment)`` items through the inference core and the head; yields probabilities
        and truncation flags in input order, a window at a time.

        Rows whose target an n-gram expert covers get the network fused with the expert (see
        :mod:`stancekit.model.head`); the model's temperature and label bias apply to every row.
        """
        experts = self.experts if self.spec.is_pair and not self.spec.uses_holder else None
        if experts is None:
            for part in self._iter_logits(items, progress=progress, total=total):
                yield Scores(head_proba(part.values, self.spec), part.truncated)
            return
        # The experts (TF-IDF + linear SVM, a tenth of a stance window's time) score a large window on a thread
        # while the engine runs the same window's forward passes; a small one (a single text) after them, in this
        # thread: on two cores a thread beside the engine's own costs more than the experts' work itself
        # (benchmarks/README.md, notes: "n-gram experts on a thread").
        pool: ThreadPoolExecutor | None = None

        def start_experts(rows: list[Item]) -> tuple[list[str], list[str | None], Future[np.ndarray] | None]:
            nonlocal pool
            texts, firsts = [t for t, _ in rows], [g for _, g in rows]
            # weight 0: no scores needed (head_proba skips them); a small window: scored inline by head_proba
            if not experts.weight or len(rows) < EXPERTS_THREAD_MIN_ROWS:
                return texts, firsts, None
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancekit-experts")
            return texts, firsts, pool.submit(experts.scores, texts, firsts)

        try:
            for part in self._iter_logits(items, progress=progress, total=total, prepare=start_experts):
                texts, firsts, expert_scores = part.extra
                scores = None if expert_scores is None else expert_scores.result()
                proba = head_proba(part.values, self.spec, experts, texts, firsts, scores)
                yield Scores(proba, part.truncated)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _iter_logits(
        self, items: Iterable[Item], *, progress: Any, total: int | None, prepare: Any = None
    ) -> Iterator[Scores]:
        return iter_network_scores(
            self.engine,
            self.tokenizer,
            items,
            max_length=self.spec.max_length,
            device=self.device,
            pair=self.spec.is_pair,
            batch_size=self.batch_size,
            max_tokens=self.max_tokens,
            progress=progress,
            total=total,
            prepare=prepare,
        )

    def predict_scores(
        self,
        texts: str | Sequence[str],
        targets: TermLike | Sequence[TermLike] | None = None,
        holders: TermLike | Sequence[TermLike | None] | None = None,
        *,
        progress: bool = False,
    ) -> Scores:
        """Probabilities (``.values``, ``(n, len(labels))``) and truncation flags (``.truncated``) for every text,
        in input order (arguments as in :meth:`predict_proba`)."""
        items = self.items(texts, targets, holders)
        parts = list(self.iter_scores(items, progress=progress, total=len(items)))
        return Scores.concat(parts, len(self.labels))

    def score(
        self,
        texts: Sequence[str],
        y: Sequence[str] | None = None,
        *,
        targets: TermLike | Sequence[TermLike] | None = None,
        holders: TermLike | Sequence[TermLike | None] | None = None,
        sample_weight: Sequence[float] | None = None,
        progress: bool = False,
    ) -> float:
        """Mean accuracy of :meth:`predict` against the gold labels ``y``, as scikit-learn's ``score(X, y)``.

        Targets and holders are keyword-only, so gold labels can never be read as targets:
        ``clf.score(texts, gold, targets="CSTO")``. (Probabilities with truncation flags: :meth:`predict_scores`.)

        Raises:
            InputError: no ``y``, ``y`` of another length than ``texts``, or a gold label that is not one of
                :attr:`labels` (a target passed where the gold labels go, say).
        """
        if y is None:
            raise InputError(
                "score(texts, y) is mean accuracy against the gold labels y (as in scikit-learn); for probabilities "
                "and truncation flags use predict_scores(texts, targets=...)"
            )
        _refuse_tables(texts, targets, holders)
        texts = [texts] if isinstance(texts, str) else texts
        gold = [y] if isinstance(y, str) else list(y)
        if len(gold) != len(texts):
            raise InputError(f"got {len(gold)} gold labels for {len(texts)} texts; pass one label per text")
        for i, label in enumerate(gold):
            if label not in self.labels:
                raise InputError(
                    f"y[{i}] is {label!r}, not one of the labels {list(self.labels)}: y holds the gold labels; "
                    "targets and holders go in targets= and holders="
                )
        pred = self.predict(texts, targets, holders, progress=progress)
        hits = np.asarray([p == g for p, g in zip(pred, gold)], dtype=np.float64)
        return float(np.average(hits, weights=None if sample_weight is None else np.asarray(sample_weight)))

    def network_proba(
        self,
        texts: Sequence[str],
        targets: TermLike | Sequence[TermLike] | None = None,
        holders: TermLike | Sequence[TermLike | None] | None = None,
        *,
        progress: bool = False,
    ) -> np.ndarray:
        """The network's own probabilities: temperature 1, no n-gram experts, no label bias.

        What a teacher gives for knowledge distillation (``DataSpec.teacher``); for scoring use
        :meth:`predict_proba`, which applies the model's calibration and experts.
        """
        items = self.items(texts, targets, holders)
        parts = [
            Scores(softmax(p.values), p.truncated)
            for p in self._iter_logits(items, progress=progress, total=len(items))
        ]
        return Scores.concat(parts, len(self.labels)).values

    @overload
    def predict_proba(
        self, texts: str, targets: TermLike | None = ..., holders: TermLike | None = ..., *, progress: bool = ...
    ) -> np.ndarray: ...
    @overload
    def predict_proba(
        self,
        texts: Sequence[str],
        targets: TermLike | Sequence[TermLike] | None = ...,
        holders: TermLike | Sequence[TermLike | None] | None = ...,
        *,
        progress: bool = ...,
    ) -> np.ndarray: ...
    def predict_proba(self, texts, targets=None, holders=None, *, progress=False):
        """Class probabilities.

        Args:
            texts: one string or a sequence of strings.
            targets: stance models only: one target for every text, or one per text; a name, a
                :class:`~stancekit.core.text.Target` with aliases (``Target("Russia", ["Kremlin"])``) or a
                one-entry mapping ``{"Russia": ["Kremlin"]}``.
            holders: who holds the stance toward the target (holder-aware models such as ``"directed"``): one
                holder for every text, or one per text, where None scores that text without a holder (the
                stance the text itself expresses). Given like targets, with aliases:
                ``Target("Armenia", ["Pashinyan", "Yerevan"])``. A model trained with entity markers marks the
                holder's and the target's mentions (name or alias) in the text; the aliases change nothing else.
            progress: show a progress bar.

        Returns:
            Array of shape ``(n, len(self.labels))`` (``(len(labels),)`` for a single string), rows summing to 1.
        """
        proba = self.predict_scores(texts, targets, holders, progress=progress).values
        return proba[0] if isinstance(texts, str) else proba

    @overload
    def predict(  # type: ignore[overload-overlap]  # a str is also a Sequence[str]; str wins
        self, texts: str, targets: TermLike | None = ..., holders: TermLike | None = ..., *, progress: bool = ...
    ) -> str: ...
    @overload
    def predict(
        self,
        texts: Sequence[str],
        targets: TermLike | Sequence[TermLike] | None = ...,
        holders: TermLike | Sequence[TermLike | None] | None = ...,
        *,
        progress: bool = ...,
    ) -> list[str]: ...
    def predict(self, texts, targets=None, holders=None, *, progress=False):
        """Most probable label per text; a single string in gives a single label out."""
        proba = self.predict_proba(texts, targets, holders, progress=progress)
        if isinstance(texts, str):
            return self.labels[int(np.argmax(proba))]
        return [self.labels[i] for i in np.argmax(proba, axis=1)]

    def __repr__(self) -> str:
        return (
            f"Classifier(task={self.spec.task!r}, labels={self.labels}, backbone={self.spec.backbone!r}, "
            f"device={str(self.device)!r}, dtype={dtype_name(self.dtype)!r}, backend={self.backend!r})"
        )


def _table_kind(value: Any) -> str | None:
    """``"pandas DataFrame"`` / ``"datasets.Dataset"`` / ``"mapping"`` for what must not be read as a list of
    strings (iterating one gives its column names, rows as dicts, or its keys), else None."""
    module = type(value).__module__.split(".")[0]
    if module == "pandas" and hasattr(value, "columns"):
        return "pandas DataFrame"
    if module == "datasets" and hasattr(value, "column_names"):
        return f"datasets.{type(value).__name__}"
    if isinstance(value, Mapping):
        return "mapping"
    return None


def _refuse_tables(texts: Any, targets: Any, holders: Any) -> None:
    """A table handed to ``predict*`` is refused, with where to go instead (:func:`stancekit.score_frame`)."""
    kind = _table_kind(texts)
    if kind is not None:
        raise InputTypeError(
            f"texts is a {kind}, not a list of strings (iterating it gives "
            f"{'its keys' if kind == 'mapping' else 'column names or rows'}, not texts). To score a table, use "
            "stancekit.score_frame(clf, df, text='text', target='topic'): it returns the table with label and "
            "p_<label> columns added (a DataFrame or a datasets.Dataset); or pass df['text'].tolist()"
        )
    for what, value in (("targets", targets), ("holders", holders)):
        kind = _table_kind(value)
        if kind is not None and kind != "mapping":  # {name: [aliases]} is a valid target
            raise InputTypeError(
                f"{what} is a {kind}; pass one {what[:-1]} for all texts or a list (a column such as df['topic']), "
                "or score the table with stancekit.score_frame(clf, df, text='text', target='topic')"
            )


def load(
    name_or_path: str | os.PathLike[str] = "stance",
    options: LoadOptions | None = None,
    *,
    task: str | None = None,
    **overrides: Any,
) -> Classifier:
    """Load a shipped model by name (``"stance"``, ``"sentiment"``, ``"directed"``) or a model folder by path: a
    stancekit folder, or a plain Hugging Face sequence-classification folder (labels from ``id2label``; ``task``
    where their names do not tell it).

    ``options`` (a :class:`LoadOptions`) or keyword overrides of its fields choose how it runs: ``device``
    (auto/cpu/cuda), ``dtype`` (auto/float32/bfloat16/float16/int8), ``backend`` (auto/torch/onnx),
    ``batch_size``, ``max_tokens``, ``allow_pickle``, ``experts``. The defaults are the fastest settings that keep
    float32's labels (>= 99.5% agreement: bfloat16 PyTorch on CUDA and on CPUs that multiply bf16 natively, ONNX
    Runtime float32 on other CPUs). See :meth:`Classifier.from_pretrained` for what is refused (pickles, custom
    code, damaged weights). ``experts=False`` leaves out the model's n-gram experts, if it has any, so that every
    row is scored by the network alone.

    Example:
        >>> clf = load("stance")                                              # doctest: +SKIP
        >>> clf.predict("Armenia might leave the CSTO.", targets="CSTO")      # doctest: +SKIP
        'against'
    """
    return Classifier.from_pretrained(name_or_path, options, task=task, **overrides)
