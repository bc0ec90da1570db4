"""Optional dependencies: the one place that imports a package of an extra and says what to install when it is
missing.

``pip install stancekit`` (the core) scores files and frames and analyses documents with the shipped models on
PyTorch. Everything else is an extra, imported lazily (inside the function that needs it) through
:func:`require`, which raises :class:`~stancekit.core.errors.MissingDependencyError` naming the extra::

    train     accelerate, peft, jinja2     stancekit train (transformers' Trainer needs accelerate; LoRA needs peft;
                                           the model card is a Jinja template); the cards of soup and export
    report    jinja2, matplotlib           analyze --report / --png, write_report, heatmap_png
    onnx      onnxruntime, onnx            backend='onnx' and dtype='int8' (backend='auto' uses it when present)
    openvino  openvino, nncf               backend='openvino' (backend='auto' uses it for bfloat16 on CPUs with
                                           native bf16); nncf for its dtype='int8'
    ray       ray[data]                    score_ray / score --engine ray
    all       every extra above

:func:`available` answers whether a package can be imported without importing it, for choices that fall back
quietly (``backend='auto'`` without ONNX Runtime runs PyTorch).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from stancekit.core.errors import MissingDependencyError

#: The extras of the distribution (pyproject.toml [project.optional-dependencies]) and the packages each brings.
EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("accelerate", "peft", "jinja2"),
    "report": ("jinja2", "matplotlib"),
    "onnx": ("onnxruntime", "onnx"),
    "openvino": ("openvino", "nncf"),
    "ray": ("ray",),
}

#: Distribution names where they differ from the import name (for the message only).
_DISTRIBUTIONS = {"ray": "ray[data]"}


def install_hint(extra: str) -> str:
    """The command that installs ``extra``: ``pip install 'stancekit[extra]'``."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    return f"pip install 'stancekit[{extra}]'"


def available(module: str) -> bool:
    """Whether ``module`` can be imported here (found on the path, not imported; ``False`` for a module that
    ``sys.modules`` blocks with ``None``)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module without a spec
        return False


def require(module: str, extra: str, *, purpose: str | None = None) -> ModuleType:
    """Import ``module`` (``"onnxruntime"``, ``"matplotlib.figure"``, ...) of the optional ``extra``.

    Args:
        module: the dotted module to import.
        extra: the extra that installs it (a key of :data:`EXTRAS`).
        purpose: what needs it, for the message (``"backend='onnx'"``, ``"the HTML report"``).

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: the package is not installed, or is installed but fails to import; the message
            says ``pip install 'stancekit[extra]'``.
    """
    hint = install_hint(extra)
    top = module.partition(".")[0]
    package = _DISTRIBUTIONS.get(top, top)
    needs = f"{purpose} needs {package}" if purpose else f"{package} is needed"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(f"{exc.name}.")):
            raise MissingDependencyError(f"{needs}, which is not installed: {hint}") from exc
        raise MissingDependencyError(f"{needs}, which fails to import ({exc}): {hint}") from exc
    except ImportError as exc:  # installed, but broken or too old (a missing name, a binary that will not load)
        raise MissingDependencyError(f"{needs}, which fails to import ({exc}): {hint}") from exc
