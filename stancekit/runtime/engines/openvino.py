"""OpenVINO engine: the whole network compiled for this CPU by OpenVINO's CPU plugin.

The float32 PyTorch network is converted once per set of weights (``openvino.convert_model``) and kept in the
cache beside the ONNX exports (one folder per entry, renamed into place whole), keyed by a hash of every weight,
the network's config and the converter's version (for int8 also NNCF's version, the calibration's size and seed and
the tokenizer's vocabulary).
The CPU plugin then compiles it with its inference precision:

- ``bf16`` where the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX): the plugin fuses the attention,
  LayerNorm and GELU around bf16 matrix products, which eager PyTorch runs op by op;
- ``f32`` elsewhere (or when float32 is asked for);
- ``int8`` (opt-in, ``dtype="int8"``): NNCF's post-training quantization of the matrix products (int8 weights
  and activations, the transformer preset that keeps the softmax and LayerNorm in floating point), calibrated on
  300 synthetic inputs drawn from the tokenizer's vocabulary with a fixed seed, so that the same weights always
  give the same int8 network and no user data is needed.

It implements the :class:`~stancekit.runtime.engines.Engine` protocol. Two inference requests alternate, so that
the next batch is padded while the current one computes (the plugin releases the GIL; with the LATENCY hint there
is one stream, so the forward passes themselves do not run in parallel). Each thread gets its own requests. Measured
speed and label agreement: ``benchmarks/README.md`` ("Speed").
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stancekit.core.deps import available as _available
from stancekit.core.deps import require
from stancekit.core.errors import MissingDependencyError
from stancekit.core.hashing import tensors_sha256
from stancekit.runtime.engines.exported import (
    Logits,
    WeightsWatch,
    cache_dir,
    example_inputs,
    input_names,
    int64_inputs,
    use_cache,
)

logger = logging.getLogger(__name__)

CONVERT_FORMAT = "1"  # bump when the conversion recipe changes, so that old cache entries are not reused
PRECISIONS = ("bf16", "f32", "int8")
CALIBRATION_ROWS = 300
CALIBRATION_SEED = 0


def _import_without_telemetry(name: str) -> None:
    """Import ``name`` with ``openvino_telemetry`` hidden, so that it binds its telemetry stub (OpenVINO's
    converter and NNCF fall back to one when the package is missing)."""
    if name in sys.modules:
        return
    hidden = {k: sys.modules.get(k) for k in ("openvino_telemetry", "openvino_telemetry.backend")}
    for key in hidden:
        sys.modules[key] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # not installed: require() says so where it is needed
    finally:
        for key, module in hidden.items():
            if module is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = module


def require_openvino(purpose: str) -> Any:
    """``import openvino`` (which imports its converter, and that sends a telemetry event at import) with the
    telemetry stubbed; :class:`~stancekit.core.errors.MissingDependencyError` naming the extra when missing."""
    _import_without_telemetry("openvino")
    return require("openvino", "openvino", purpose=purpose)


@contextlib.contextmanager
def no_telemetry() -> Iterator[None]:
    """OpenVINO's converter and NNCF send usage telemetry unless the user has opted out: each event forks the
    process (700 MB of pages shared, counted again in every memory figure) to try the network. stancekit's calls to
    them run with their stubs: imported first by stancekit, they bind the stubs for the process; imported before by
    the user, their telemetry objects are swapped for stubs during the call and put back afterwards."""
    _import_without_telemetry("openvino.tools.ovc")
    _import_without_telemetry("nncf")
    patches: list[tuple[Any, str, Any]] = []
    with contextlib.suppress(ImportError):
        from openvino.tools.ovc import convert_impl, telemetry_stub, telemetry_utils

        patches += [(convert_impl, "tm", telemetry_stub), (telemetry_utils, "tm", telemetry_stub)]
    with contextlib.suppress(ImportError):
        import nncf.telemetry.decorator as decorator
        from nncf.telemetry.wrapper import NNCFTelemetryStub

        patches.append((decorator, "telemetry", NNCFTelemetryStub()))
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches if hasattr(module, name)]
    for module, name, value in patches:
        setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def available() -> bool:
    """Whether OpenVINO can be imported here."""
    return _available("openvino")


class OpenVinoEngine:
    """The network compiled by OpenVINO's CPU plugin.

    Args:
        model: a float32 ``transformers`` sequence-classification model on the CPU.
        precision: ``"bf16"``, ``"f32"`` or ``"int8"`` (see the module's text).
        threads: inference threads (default: ``torch.get_num_threads()``, so one setting governs every backend).
        tokenizer: the model's tokenizer (needed for ``int8``: its calibration inputs).
        requests: inference requests in flight at once in :meth:`run_many`.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        *,
        precision: str = "f32",
        tokenizer: Any = None,
        threads: int | None = None,
        requests: int = 2,
    ) -> None:
        ov = require_openvino("the OpenVINO engine")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        if precision == "int8" and tokenizer is None:
            raise ValueError("precision='int8' needs the tokenizer, to build its calibration inputs")
        self.tokenizer = tokenizer
        self.config: Any = getattr(model, "config")  # noqa: B009  (a transformers config)
        self.num_labels = int(self.config.num_labels)
        self.input_names = input_names(model)
        self.precision = precision
        self.weights = WeightsWatch(model)
        core = ov.Core()
        network = self._cached(core, model)
        properties: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" else "f32",
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": int(threads or torch.get_num_threads()),
        }
        self.compiled = core.compile_model(network, "CPU", properties)
        self._n_requests = max(1, requests)
        self._local = threading.local()  # each thread its own requests: one engine may serve several threads
        self._ports = {n: self.compiled.input(n) for n in self.input_names}

    @property
    def requests(self) -> list[Any]:
        """This thread's inference requests (created at its first use)."""
        requests: list[Any] | None = getattr(self._local, "requests", None)
        if requests is None:
            requests = [self.compiled.create_infer_request() for _ in range(self._n_requests)]
            self._local.requests = requests
        return requests

    # -------------------------------------------------------------------------------------------- conversion

    def _cached(self, core: Any, model: torch.nn.Module) -> Any:
        """The converted network, read from the cache when these exact weights were converted before.

        A cache that cannot be written is skipped (the network is converted in memory each time).
        """
        ov = require_openvino("the OpenVINO engine")
        versions: tuple[str, ...] = (CONVERT_FORMAT, torch.__version__, ov.__version__, ",".join(self.input_names))
        if self.precision == "int8":  # the calibration decides the int8 network too
            _import_without_telemetry("nncf")
            nncf = require("nncf", "openvino", purpose="dtype='int8' on the OpenVINO backend")
            vocab = hashlib.sha256(repr(sorted(self.tokenizer.get_vocab().items())).encode()).hexdigest()
            versions += (nncf.__version__, str(CALIBRATION_ROWS), str(CALIBRATION_SEED), vocab)
        key = tensors_sha256(model.state_dict(), (*versions, repr(self.config.to_dict())))[:32]
        folder = cache_dir() / "openvino" / f"{key}{'-int8' if self.precision == 'int8' else ''}"
        xml = folder / "model.xml"
        if use_cache() and xml.is_file() and xml.with_suffix(".bin").is_file():
            try:
                return core.read_model(str(xml))
            except Exception as exc:  # a damaged cache entry is converted again
                logger.info("cannot read the cached OpenVINO network %s (%s); converting again", folder, exc)
        network = self._convert(model)
        if self.precision == "int8":
            network = self._quantize(network)
        if use_cache():
            self._store(ov, network, folder)
        return network

    @staticmethod
    def _store(ov: Any, network: Any, folder: Path) -> None:
        """Write the network's .xml and .bin into a private temporary folder, then rename that folder into place:
        a reader sees the whole pair or nothing, and two writers of the same entry never share a file."""
        tmp: Path | None = None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
            ov.save_model(network, str(tmp / "model.xml"), compress_to_fp16=False)
            if folder.exists():  # a damaged entry (it could not be read): replace it
                shutil.rmtree(folder, ignore_errors=True)
            os.rename(tmp, folder)
            tmp = None
        except Exception as exc:  # a cache that cannot be written is skipped
            if folder.is_dir() and (folder / "model.xml").is_file():
                logger.debug("another process cached %s first", folder)
            else:
                logger.info("cannot cache the OpenVINO network in %s: %s", folder.parent, exc)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _convert(self, model: torch.nn.Module) -> Any:
        ov = require_openvino("the OpenVINO engine")
        example = example_inputs(self.input_names)
        was_training = model.training
        model.eval()
        try:
            with warnings.catch_warnings(), torch.no_grad(), no_telemetry():
                warnings.simplefilter("ignore")  # tracer notes are not the user's
                network = ov.convert_model(
                    Logits(model, self.input_names),
                    example_input=example,
                    input=[(ov.PartialShape([-1, -1]), ov.Type.i64) for _ in self.input_names],
                )
        finally:
            model.train(was_training)
        for port, name in zip(network.inputs, self.input_names):
            port.get_tensor().set_names({name})
        network.outputs[0].get_tensor().set_names({"logits"})
        return network

    def calibration_inputs(
        self, rows: int = CALIBRATION_ROWS, seed: int = CALIBRATION_SEED
    ) -> list[dict[str, np.ndarray]]:
        """Deterministic calibration inputs: random words of the tokenizer's vocabulary, as (target, text) pairs
        for half the rows and single texts for the other half, 8-60 words long."""
        rng = np.random.default_rng(seed)
        vocab = sorted(w for w in self.tokenizer.get_vocab() if w.isalpha() and len(w) > 2)
        if not vocab:
            raise ValueError("the tokenizer's vocabulary has no whole words to calibrate int8 with")
        out = []
        for i in range(rows):
            text = " ".join(rng.choice(vocab, size=int(rng.integers(8, 60))))
            args = (" ".join(rng.choice(vocab, size=int(rng.integers(1, 4)))), text) if i % 2 else (text,)
            enc = self.tokenizer(*args, truncation=True, max_length=128)
            out.append(
                {
                    n: np.asarray([enc[n] if n in enc else [0] * len(enc["input_ids"])], dtype=np.int64)
                    for n in self.input_names
                }
            )
        return out

    def _quantize(self, network: Any) -> Any:
        """int8 matrix products by NNCF's post-training quantization (transformer preset), calibrated on
        :meth:`calibration_inputs`."""
        _import_without_telemetry("nncf")
        nncf = require("nncf", "openvino", purpose="dtype='int8' on the OpenVINO backend")
        logger.warning("quantizing the network to int8 for OpenVINO (once for these weights; about half a minute)")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # NNCF's progress notes go to the root logger
        nncf_logger = logging.getLogger("nncf")
        nncf_level = nncf_logger.level
        nncf_logger.setLevel(logging.ERROR)
        try:
            # NNCF's progress bars write to stdout, which may be the scores ('-o -'): send them to stderr.
            with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr), no_telemetry():
                warnings.simplefilter("ignore")
                data = self.calibration_inputs()
                return nncf.quantize(
                    network, nncf.Dataset(data), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(data)
                )
        finally:
            root.setLevel(level)
            nncf_logger.setLevel(nncf_level)

    # ------------------------------------------------------------------------------------------------- running

    def _feed(self, inputs: dict[str, torch.Tensor]) -> dict[Any, np.ndarray]:
        arrays = int64_inputs(inputs, self.input_names)
        return {port: arrays[name] for name, port in self._ports.items()}

    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        request = self.requests[0]
        request.infer(self._feed(inputs))
        return torch.from_numpy(request.get_output_tensor(0).data.copy())

    def run_many(self, batches: Any) -> Any:
        """Logits of each batch of an iterable of input dicts, in order, with the requests in flight together.

        The next batch is padded (by the caller's generator) and submitted while the previous ones compute.
        """
        pending: deque[Any] = deque()
        free = deque(self.requests)
        try:
            for inputs in batches:
                if not free:
                    request = pending.popleft()
                    request.wait()
                    logits = torch.from_numpy(request.get_output_tensor(0).data.copy())
                    free.append(request)
                    yield logits
                request = free.popleft()
                request.start_async(self._feed(inputs))
                pending.append(request)
            while pending:
                request = pending.popleft()
                request.wait()
                logits = torch.from_numpy(request.get_output_tensor(0).data.copy())
                free.append(request)
                yield logits
        finally:  # a consumer that stops early (an error, Ctrl-C) leaves no request running into the next call
            for request in pending:
                request.wait()


def build(model: torch.nn.Module, *, precision: str, tokenizer: Any = None) -> OpenVinoEngine | None:
    """An :class:`OpenVinoEngine` for ``model``, or ``None`` (with a warning) when the conversion fails."""
    try:
        return OpenVinoEngine(model, precision=precision, tokenizer=tokenizer)
    except MissingDependencyError:
        raise
    except Exception as exc:  # any converter/plugin failure falls back, loudly
        if precision == "int8":
            raise RuntimeError(f"dtype='int8' on OpenVINO needs the conversion, which failed: {exc}") from exc
        logger.warning("OpenVINO conversion failed (%s); scoring with PyTorch instead (backend='torch')", exc)
        return None


def cached_networks() -> list[Path]:
    """The converted networks in the cache (their ``model.xml``), for housekeeping and tests."""
    folder = cache_dir() / "openvino"
    return sorted(p for p in folder.glob("*/model.xml") if not p.parent.name.startswith(".")) if folder.is_dir() else []
