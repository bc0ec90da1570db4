"""Label vocabularies of the two tasks, and how a stance input's first segment carries target and holder."""

from __future__ import annotations

from typing import Literal

Task = Literal["stance", "sentiment"]
STANCE_LABELS: tuple[str, ...] = ("against", "favor", "none")
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
TASK_LABELS: dict[str, tuple[str, ...]] = {"stance": STANCE_LABELS, "sentiment": SENTIMENT_LABELS}
# A holder-aware model reads "holder [SEP] target" as the first segment of its input pair; without a holder the
# first segment is the target alone, exactly as for a holder-blind stance model (so one model serves both).
HOLDER_SEPARATOR = " [SEP] "
# Entity markers (models trained with ``entity_markers``): the holder's mentions in the text are wrapped in
# "<< ... >>" and the target's in "[[ ... ]]", plain punctuation every tokenizer already knows (the "typed
# entity marker (punct)" of Zhou & Chen 2022, without the type word), so no token is added to the vocabulary.
HOLDER_MARKERS = ("<<", ">>")
TARGET_MARKERS = ("[[", "]]")


def first_segment(target: str, holder: str | None = None) -> str:
    """The first segment of a stance input pair: the target, preceded by the holder when there is one."""
    return target if not holder else f"{holder}{HOLDER_SEPARATOR}{target}"
