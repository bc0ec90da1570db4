"""Text handling: sentence splitting with a maintained segmenter (Wikimedia's sentencex), and target aliases."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sentencex
import yaml

from stancekit.core.errors import InputError
from stancekit.core.inputs import InputTypeError
from stancekit.core.labels import HOLDER_MARKERS, TARGET_MARKERS


def split_sentences(document: str, language: str = "en") -> list[str]:
    """Split a document into sentences, stripped, empty ones dropped.

    Uses ``sentencex`` (rule-based, abbreviation-aware, ~300 languages). A document without sentence-ending
    punctuation comes back as one sentence per line (or one sentence).

    Raises:
        TypeError: ``document`` is not a string.
    """
    if not isinstance(document, str):
        raise InputTypeError(f"document must be a string, got {type(document).__name__}")
    out: list[str] = []
    for paragraph in document.splitlines():
        if paragraph.strip():
            out.extend(s.strip() for s in sentencex.segment(language, paragraph) if s.strip())
    return out


# ------------------------------------------------------------------------------------------------ target aliases

# A term in capitals (an acronym such as "US", "EU", "CSTO") is matched case-sensitively so that "US" does not
# match the pronoun "us"; every other term is matched in any case.
_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9.&-]*$")
# After a term: an optional plural ("s"/"es") and an optional possessive ("'s", "’s", or a bare apostrophe).
_SUFFIX = r"(?:e?s)?(?:['’]s?)?"


@dataclass(frozen=True)
class Target:
    """A stance target and the other words a text may use for it.

    The model scores every sentence against ``name``; ``aliases`` only decide whether (and by which word) a
    sentence mentions the target. Matching is by whole word, so "Russian" is a mention of "Russia" only when
    it is listed as an alias; plurals and possessives ("Russia's", "sanctions") match their term.

    Example:
        >>> Target("Russia", ("Moscow", "Kremlin")).match("The Kremlin's reply came fast.")
        'Kremlin'
    """

    name: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"a target must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "name", self.name.strip())
        cleaned: list[str] = []
        for alias in self.aliases:
            if not isinstance(alias, str) or not alias.strip():
                raise InputError(f"target {self.name!r}: aliases must be non-empty strings, got {alias!r}")
            alias = alias.strip()
            if alias.casefold() != self.name.casefold() and alias not in cleaned:
                cleaned.append(alias)
        object.__setattr__(self, "aliases", tuple(cleaned))

    @property
    def terms(self) -> tuple[str, ...]:
        """The name and its aliases, in that order."""
        return (self.name, *self.aliases)

    def pattern(self) -> re.Pattern[str]:
        """The compiled pattern of the name alone (see :meth:`match` for name and aliases)."""
        return _pattern(self.name)

    def spans(self, sentence: str) -> list[tuple[int, int]]:
        """Every mention of the name or an alias in ``sentence`` as ``(start, end)``, in order, none overlapping
        (at one place the longer term wins)."""
        found = sorted(
            ((m.start(), m.end()) for _, pattern in _patterns(self.terms) for m in pattern.finditer(sentence)),
            key=lambda se: (se[0], -se[1]),
        )
        out: list[tuple[int, int]] = []
        for start, end in found:
            if not out or start >= out[-1][1]:
                out.append((start, end))
        return out

    def match(self, sentence: str) -> str | None:
        """The term (name or alias, as given) that ``sentence`` mentions first, or None."""
        best: tuple[int, int, str] | None = None
        for term, pattern in _patterns(self.terms):
            m = pattern.search(sentence)
            # Earliest mention first; at the same place, the longer term ("the Moscow-led bloc" over "Moscow").
            if m and (best is None or (m.start(), -len(term)) < (best[0], best[1])):
                best = (m.start(), -len(term), term)
        return None if best is None else best[2]


@functools.lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    body = r"\s+".join(words)
    flags = 0 if _ACRONYM.match(term.replace(" ", "")) and any(c.isalpha() for c in term) else re.IGNORECASE
    return re.compile(rf"(?<!\w){body}{_SUFFIX}(?!\w)", flags)


def _patterns(terms: Sequence[str]) -> list[tuple[str, re.Pattern[str]]]:
    return [(t, _pattern(t)) for t in terms]


TermLike = str | Target | Mapping[str, str | Sequence[str]]
TargetsLike = str | Target | Sequence[TermLike] | Mapping[str, str | Sequence[str]]


def as_term(value: TermLike, what: str = "target") -> Target:
    """One target or holder from a name, a :class:`Target`, or a one-entry mapping ``{name: [aliases]}``.

    Raises:
        InputError: an empty name, a mapping of more or fewer than one entry. InputTypeError: another type.
    """
    if isinstance(value, Target):
        return value
    if isinstance(value, str):
        if not value.strip():
            raise InputError(f"{what} must be a non-empty string, got {value!r}")
        return Target(value)
    if isinstance(value, Mapping):
        if len(value) != 1:
            raise InputError(f"a {what} given as a mapping needs exactly one entry {{name: [aliases]}}, got {value!r}")
        ((name, aliases),) = value.items()
        return Target(name, (aliases,) if isinstance(aliases, str) else tuple(aliases or ()))
    raise InputTypeError(f"{what} must be a string, a stancekit.Target or {{name: [aliases]}}, got {value!r}")


def term_rows(values: Any, n: int, what: str, *, allow_none: bool = False) -> list[Target | None] | None:
    """One target/holder for all ``n`` rows or one per row (see :func:`as_term`), as :class:`Target` objects.

    Raises:
        InputError: a sequence of the wrong length, an empty name. InputTypeError: an element of another type.
    """
    if values is None:
        return None
    one = what[:-1]
    if isinstance(values, (str, Target, Mapping)):
        return [as_term(values, one)] * n
    out = list(values)
    if len(out) != n:
        raise InputError(f"got {len(out)} {what} for {n} texts; pass one {one} or one per text")
    rows: list[Target | None] = []
    for i, v in enumerate(out):
        if v is None and allow_none:
            rows.append(None)
            continue
        try:
            rows.append(as_term(v, f"{what}[{i}]"))
        except InputError as exc:
            raise InputTypeError(f"{what}[{i}] must be a non-empty string or a stancekit.Target, got {v!r}") from exc
    return rows


def mark_entities(text: str, holder: Target | str | None = None, target: Target | str | None = None) -> str:
    """``text`` with the holder's mentions wrapped in ``<< >>`` and the target's in ``[[ ]]``.

    Mentions are found as in :meth:`Target.match` (name or alias, whole words, plurals and possessives). Where a
    holder and a target mention overlap the earlier (then the longer) one is kept. Nothing found: ``text`` as is,
    so the model reads the plain sentence and the ``holder [SEP] target`` segment, as without markers.

    Example:
        >>> mark_entities("Paris praised Berlin's plan.", Target("France", ("Paris",)), "Germany")
        "<< Paris >> praised Berlin's plan."
    """
    found: list[tuple[int, int, tuple[str, str]]] = []
    for who, markers in ((holder, HOLDER_MARKERS), (target, TARGET_MARKERS)):
        if isinstance(who, Target) or (isinstance(who, str) and who.strip()):
            term = who if isinstance(who, Target) else Target(who)
            found += [(start, end, markers) for start, end in term.spans(text)]
    if not found:
        return text
    found.sort(key=lambda f: (f[0], -f[1]))
    pieces: list[str] = []
    pos = 0
    for start, end, (left, right) in found:
        if start < pos:
            continue  # overlaps a mention already marked
        pieces += [text[pos:start], f"{left} {text[start:end]} {right}"]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def parse_target(spec: str) -> Target:
    """A target from the command-line form ``"Russia=Moscow,Kremlin"`` (aliases optional)."""
    name, sep, rest = spec.partition("=")
    aliases = tuple(a for a in (x.strip() for x in rest.split(",")) if a) if sep else ()
    if sep and not aliases:
        raise InputError(f"{spec!r}: no aliases after '='; write NAME=ALIAS1,ALIAS2 or just NAME")
    return Target(name, aliases)


def read_alias_file(path: str | os.PathLike[str]) -> list[Target]:
    """Targets and aliases from a YAML or JSON file: a mapping ``{target: [alias, ...]}`` (or a list of names).

    The file may instead have two sections, ``targets:`` (that mapping) and ``holders:`` (the same for holders,
    e.g. ``Armenia: [Pashinyan, Yerevan]``: see :func:`read_holder_aliases`).

    Raises:
        InputError: the file is not such a mapping (the message names the file and the offending entry).
    """
    p = Path(path)
    data = _alias_sections(p).get("targets")
    if data is None:
        raise InputError(f"{p}: has a 'holders:' section but no 'targets:' section")
    return _terms_from(p, data, "target")


def read_holder_aliases(path: str | os.PathLike[str]) -> list[Target]:
    """The holders and their aliases of an alias file's ``holders:`` section (none: an empty list)."""
    p = Path(path)
    data = _alias_sections(p).get("holders")
    return [] if data is None else _terms_from(p, data, "holder")


def _alias_sections(p: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{p}: cannot read the alias file: {exc}") from exc
    if (
        isinstance(data, dict)
        and data
        and set(data) <= {"targets", "holders"}
        and all(isinstance(v, (dict, list)) for v in data.values())
    ):
        return data
    return {"targets": data}


def _terms_from(p: Path, data: Any, what: str) -> list[Target]:
    if isinstance(data, list):
        bad = [x for x in data if not isinstance(x, str)]
        if bad:
            raise InputError(f"{p}: a list of {what}s must hold names only, got {bad[0]!r}")
        data = {name: [] for name in data}
    if not isinstance(data, dict) or not data:
        raise InputError(f"{p}: expected a mapping of {what} -> list of aliases, e.g. 'Russia: [Moscow, Kremlin]'")
    out = []
    for name, aliases in data.items():
        if aliases is None:
            aliases = []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(name, str) or not isinstance(aliases, list):
            raise InputError(f"{p}: entry {name!r}: expected a {what} name and a list of aliases")
        try:
            out.append(Target(name, tuple(aliases)))
        except ValueError as exc:
            raise InputError(f"{p}: {exc}") from exc
    return out


def merge_holder(alias_file: str | os.PathLike[str] | None = None, spec: str | None = None) -> Target | None:
    """The holder of a command line: ``--holder "Armenia=Pashinyan,Yerevan"`` (aliases optional) plus the aliases
    the alias file's ``holders:`` section gives that name. None without ``--holder``.

    Raises:
        InputError: a malformed spec or alias file.
    """
    if spec is None:
        return None
    named = parse_target(spec)
    known = {t.name.casefold(): t for t in read_holder_aliases(alias_file)} if alias_file else {}
    extra = known.get(named.name.casefold())
    return named if extra is None else Target(named.name, extra.aliases + named.aliases)


def parse_targets(targets: TargetsLike) -> list[Target]:
    """Normalise the ways a caller can name targets into a checked list of :class:`Target`.

    Accepts a name, a :class:`Target`, a list of either, or a mapping ``{name: [aliases]}``.

    Raises:
        ValueError: no target, an empty name, a target given twice, or one alias shared by two targets.
    """
    items: list[Target]
    if isinstance(targets, (str, Target)):
        items = [targets if isinstance(targets, Target) else Target(targets)]
    elif isinstance(targets, Mapping):
        items = [
            Target(name, (aliases,) if isinstance(aliases, str) else tuple(aliases or ()))
            for name, aliases in targets.items()
        ]
    else:
        items = [as_term(t, "target") for t in targets]
    if not items:
        raise InputError("give at least one target")
    folded = [t.name.casefold() for t in items]
    dup = sorted({t.name for t, f in zip(items, folded) if folded.count(f) > 1})
    if dup:
        raise InputError(f"target(s) given more than once: {dup}")
    owner: dict[str, str] = {}
    for t in items:
        for term in t.terms:
            other = owner.setdefault(term.casefold(), t.name)
            if other != t.name:
                raise InputError(
                    f"{term!r} is a name or alias of both {other!r} and {t.name!r}: a mention must point to one target"
                )
    return items


def merge_targets(alias_file: str | os.PathLike[str] | None = None, specs: Sequence[str] = ()) -> list[Target]:
    """Targets from an alias file and command-line specs (``"Russia=Moscow,Kremlin"``), merged.

    A target named in both keeps the file's aliases plus the spec's; one named twice among ``specs`` is an error.

    Raises:
        InputError: no target at all, a target given twice, an alias shared by two targets, or a bad file.
    """
    targets: dict[str, Target] = {t.name: t for t in read_alias_file(alias_file)} if alias_file else {}
    named = [parse_target(spec) for spec in specs]
    if named:
        parse_targets(named)  # a target named twice on the command line is an error
    for t in named:
        if t.name in targets and not t.aliases:
            continue  # named again on the command line, aliases from the file
        if t.name in targets:
            t = Target(t.name, targets[t.name].aliases + t.aliases)
        targets[t.name] = t
    if not targets:
        raise InputError("give at least one --target (or an --aliases file)")
    return parse_targets(list(targets.values()))
