"""The one test-split guard: no held-out split reaches training, validation, calibration, experts or selection.

Every fitting step calls :func:`refuse_held_out` on the registered sources it reads, so ``--split
validation+test`` is refused everywhere, as is a corpus's reported split (SST-2's GLUE dev).
"""

from __future__ import annotations

from collections.abc import Iterable

from stancekit.core.errors import ConfigError, LeakageError
from stancekit.data.corpora import dataset_info, split_parts


def held_out_parts(name: str, split: str) -> list[str]:
    """The parts of ``split`` that corpus ``name`` holds out for evaluation (empty: none)."""
    info = dataset_info(name)
    return [part for part in split_parts(split) if info.held_out(part)]


def refuse_held_out(name: str, split: str, purpose: str) -> None:
    """Raise :class:`LeakageError` if ``name:split`` contains a held-out part.

    Args:
        name, split: a registered corpus and a split (``"train+validation"`` joins parts).
        purpose: what the rows would be used for, e.g. ``"calibration"`` (named in the message).
    """
    held = held_out_parts(name, split)
    if held:
        raise LeakageError(
            f"{name}:{split}: {'+'.join(held)} is held out for evaluation and may not be used for {purpose}; "
            "use a validation split"
        )


def refuse_task_mismatch(names: Iterable[str], task: str) -> None:
    """Raise :class:`ConfigError` if a corpus is not of ``task``."""
    for name in names:
        info = dataset_info(name)
        if info.task != task:
            raise ConfigError(f"dataset {name!r} is a {info.task} corpus but the model is a {task} model")
