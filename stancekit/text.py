"""Text handling: sentence splitting with a maintained segmenter (Wikimedia's sentencex)."""

from __future__ import annotations

import sentencex


def split_sentences(document: str, language: str = "en") -> list[str]:
    """Split a document into sentences, stripped, empty ones dropped.

    Uses ``sentencex`` (rule-based, abbreviation-aware, ~300 languages). A document without sentence-ending
    punctuation comes back as one sentence per line (or one sentence).

    Raises:
        TypeError: ``document`` is not a string.
    """
    if not isinstance(document, str):
        raise TypeError(f"document must be a string, got {type(document).__name__}")
    out: list[str] = []
    for paragraph in document.splitlines():
        if paragraph.strip():
            out.extend(s.strip() for s in sentencex.segment(language, paragraph) if s.strip())
    return out
