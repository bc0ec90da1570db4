"""One loader per corpus in the shared data folder, plus the registry that names them."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import datasets

from stancekit.core.errors import ConfigError, DataNotFoundError, UnknownDatasetError
from stancekit.core.labels import SENTIMENT_LABELS

_FEATURES = datasets.Features(
    {
        "text": datasets.Value("string"),
        "target": datasets.Value("string"),
        "holder": datasets.Value("string"),
        "label": datasets.Value("string"),
        "group": datasets.Value("string"),
    }
)


@dataclass(frozen=True)
class DatasetInfo:
    """What a registered corpus is and which splits it has."""

    name: str
    task: str  # "stance" or "sentiment"
    splits: tuple[str, ...]
    description: str
    loader: Callable[[Path, str], list[dict[str, str | None]]]
    metric: str = ""  # the headline score its benchmark reports; empty: f_avg for stance, macro_recall for sentiment
    reported: tuple[str, ...] = ()  # splits other than test* that are reported as held-out figures (SST-2's dev)

    @property
    def headline(self) -> str:
        """The metric this corpus is reported with (a key of :func:`stancekit.core.metrics.classification_scores`)."""
        return self.metric or ("f_avg" if self.task == "stance" else "macro_recall")

    def held_out(self, part: str) -> bool:
        """Whether a split part is held out for evaluation only (``test*``, or a reported split such as GLUE dev)."""
        return part.startswith("test") or part in self.reported


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the corpus folder: ``data_dir`` if given, else ``$STANCEKIT_DATA``.

    Raises:
        DataNotFoundError: neither is set, or the folder does not exist.
    """
    raw = data_dir if data_dir is not None else os.environ.get("STANCEKIT_DATA")
    if not raw:
        raise DataNotFoundError(
            "No data folder: set STANCEKIT_DATA to the folder holding the corpora "
            "(e.g. export STANCEKIT_DATA=../shared/data) or pass data_dir=..."
        )
    root = Path(raw).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"STANCEKIT_DATA={str(raw)!r} is not a folder")
    return root


def _need(path: Path) -> Path:
    if not path.is_file():
        raise DataNotFoundError(f"corpus file not found: {path}")
    return path


def _row(text: str, label: str, target: str | None = None, group: str | None = None) -> dict[str, str | None]:
    return {"text": text, "target": target, "holder": None, "label": label, "group": group}


def _stable_fraction(key: str) -> float:
    """A deterministic number in [0, 1) for a key: splits that do not depend on any RNG or row order."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 0x100000000


# --------------------------------------------------------------------------------- SemEval-2016 Task 6

_SEMEVAL_VALIDATION_FRACTION = 0.1


def _read_semeval_file(path: Path) -> list[dict[str, str | None]]:
    raw = _need(path).read_bytes()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:  # the training file is cp1252
        content = raw.decode("cp1252", errors="replace")
    rows = []
    reader = csv.reader(content.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader)  # header: ID, Target, Tweet, Stance, Opinion towards, Sentiment
    for rec in reader:
        if not rec:
            continue
        target = rec[1].strip()
        text = rec[2].replace("#SemST", "").strip()
        rows.append(_row(text, rec[3].strip().lower(), target, target))
    return rows


def _load_semeval2016(root: Path, split: str) -> list[dict[str, str | None]]:
    base = root / "semeval2016_task6"
    if split == "test":
        return _read_semeval_file(base / "testdata-taskA-all-annotations.txt")
    if split == "test_b":
        return _read_semeval_file(base / "testdata-taskB-all-annotations.txt")
    rows = _read_semeval_file(base / "trainingdata-all-annotations.txt")
    rows += _read_semeval_file(base / "trialdata-all-annotations.txt")
    # No official validation split: hold out a fixed 10% of train+trial, chosen by a hash of the text.
    is_val = [_stable_fraction(f"{r['target']}|{r['text']}") < _SEMEVAL_VALIDATION_FRACTION for r in rows]
    return [r for r, v in zip(rows, is_val) if v == (split == "validation")]


# -------------------------------------------------------------------------------------------- P-Stance

_PSTANCE_FILES = {"trump": "Donald Trump", "biden": "Joe Biden", "bernie": "Bernie Sanders"}


def _load_pstance(root: Path, split: str) -> list[dict[str, str | None]]:
    part = {"train": "train", "validation": "val", "test": "test"}[split]
    rows = []
    for key in _PSTANCE_FILES:
        path = _need(root / "pstance" / f"raw_{part}_{key}.csv")
        with path.open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                target = rec["Target"].strip()
                rows.append(_row(rec["Tweet"].strip(), rec["Stance"].strip().lower(), target, target))
    return rows


# ------------------------------------------------------------------------------------------------ VAST

_VAST_LABELS = {"0": "against", "1": "favor", "2": "none"}
_VAST_VALIDATION_FRACTION = 0.1


def _load_vast(root: Path, split: str) -> list[dict[str, str | None]]:
    base = root / "vast"
    if split == "test":
        paths = [base / "vast_test.compact.csv"]
    else:
        paths = [base / f"vast_train.compact.part{i}.csv" for i in (1, 2, 3)]
    records: list[dict[str, str]] = []
    for path in paths:
        with _need(path).open(encoding="utf-8", newline="") as fh:
            records.extend(csv.DictReader(fh))
    # VAST's synthetic neutral rows (type_idx 4) pair a comment with a topic taken from another comment: that topic
    # is in topic_str only (new_topic keeps the comment's own topic, which would label the comment's real topic
    # "none"). topic_str is lowercased, lemmatised and stop-word-free, so it is mapped back to the crowd-written
    # new_topic it comes from (the most frequent among the other rows read), keeping every topic natural text.
    natural: dict[str, Counter[str]] = {}
    for rec in records:
        if rec["type_idx"].strip() != "4":
            natural.setdefault(rec["topic_str"].strip(), Counter())[rec["new_topic"].strip()] += 1
    rows = []
    for rec in records:
        topic = rec["new_topic"].strip()
        if rec["type_idx"].strip() == "4":
            swapped = rec["topic_str"].strip()
            topic = natural[swapped].most_common(1)[0][0] if swapped in natural else swapped
        if split == "test":
            group = "few-shot" if rec["seen?"].strip() == "1" else "zero-shot"
        else:
            # No dev split was found: hold out ~10% of the topics, so validation topics are unseen in training.
            is_val = _stable_fraction(topic) < _VAST_VALIDATION_FRACTION
            if is_val != (split == "validation"):
                continue
            group = "vast"
        rows.append(_row(rec["post"].strip(), _VAST_LABELS[rec["label"].strip()], topic, group))
    return rows


# ------------------------------------------------------------------------------------- tweet sentiment

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_USER = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")


def _unescape(text: str) -> str:
    """Undo the ``\\uXXXX`` escapes of the older SemEval files (surrogate pairs included)."""
    if "\\u" not in text:
        return text
    out = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return out.encode("utf-16", "surrogatepass").decode("utf-16", errors="replace")


def normalize_tweet(text: str) -> str:
    """TweetEval's convention: user mentions become ``@user``."""
    return _USER.sub("@user", text)


def _dedup_key(text: str) -> str:
    text = _URL.sub("", normalize_tweet(text)).lower()
    return " ".join(text.split())


def _read_tweeteval(root: Path, split: str) -> list[dict[str, str | None]]:
    base = root / "tweeteval_sentiment"
    part = {"validation": "val", "test": "test"}[split]
    texts = _need(base / f"{part}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = _need(base / f"{part}_labels.txt").read_text(encoding="utf-8").split()
    texts = texts[: len(labels)]
    return [_row(t.strip(), SENTIMENT_LABELS[int(y)], group="tweeteval") for t, y in zip(texts, labels)]


def _read_semeval2017_tsv(path: Path) -> list[tuple[str, str, str]]:
    out = []
    with _need(path).open(encoding="utf-8", newline="") as fh:
        for line in fh:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3:
                continue
            out.append((parts[0], parts[1].strip().lower(), _unescape(parts[2]).strip()))
    return out


def _load_semeval2017(root: Path, split: str) -> list[dict[str, str | None]]:
    if split == "validation":
        return _read_tweeteval(root, "validation")
    base = root / "semeval2017_task4a"
    if split == "test":
        rows = _read_semeval2017_tsv(base / "gold" / "SemEval2017-task4-test.subtask-A.english.txt")
        return [_row(normalize_tweet(text), label, group="semeval2017") for _, label, text in rows]
    # The 2013-2016 pool, de-duplicated, minus every tweet that is also in TweetEval's validation or test split.
    held_out = {_dedup_key(str(r["text"])) for r in _read_tweeteval(root, "validation")}
    held_out |= {_dedup_key(str(r["text"])) for r in _read_tweeteval(root, "test")}
    seen: set[str] = set()
    out = []
    for path in sorted((base / "downloaded").glob("twitter-*-A.tsv")):
        for tweet_id, label, text in _read_semeval2017_tsv(path):
            key = _dedup_key(text)
            if tweet_id in seen or key in seen or key in held_out or not key:
                continue
            seen.update((tweet_id, key))
            out.append(_row(normalize_tweet(text), label, group="semeval2017"))
    if not out:
        raise DataNotFoundError(f"no tweets found under {base / 'downloaded'}")
    return out


# ----------------------------------------------------------------------------------------------- SST-2


def _read_sst(path: Path) -> list[dict[str, str | None]]:
    rows = []
    with _need(path).open(encoding="utf-8", newline="") as fh:
        next(fh)
        for line in fh:
            sentence, _, label = line.rstrip("\r\n").rpartition("\t")
            if not label:
                continue
            rows.append(_row(sentence.strip(), "positive" if label.strip() == "1" else "negative", group="sst2"))
    return rows


def _load_sst2(root: Path, split: str) -> list[dict[str, str | None]]:
    base = root / "sst2"
    paths = {
        "train": base / "glue_train_resplit_alps" / "train.tsv",
        "validation": base / "glue_train_resplit_alps" / "dev.tsv",
        "dev": base / "glue" / "dev.tsv",
        "test": base / "sst_test_labeled" / "test-labeled.tsv",
    }
    return _read_sst(paths[split])


def _load_financial_phrasebank(root: Path, split: str) -> list[dict[str, str | None]]:
    path = _need(root / "financial_phrasebank" / "FinancialPhraseBank-v1.0" / "Sentences_AllAgree.txt")
    rows = []
    for line in path.read_bytes().decode("latin-1").splitlines():
        sentence, sep, label = line.rpartition("@")
        if sep:
            rows.append(_row(sentence.strip(), label.strip().lower(), group="financial_phrasebank"))
    return rows


# ---------------------------------------------------------------------------- directed sentiment in news

# Labels of "Who Blames or Endorses Whom?" (Park, Pan & Joo 2021), from the corpus repo's dse2qa.py.
DIRECTED_LABELS = {
    "0": "neutral",
    "1": "ent1->ent2 positive",
    "2": "ent2->ent1 positive",
    "3": "ent1->ent2 negative",
    "4": "ent2->ent1 negative",
}
# What each 5-class label says about the two directions (holder -> target): (ent1 -> ent2, ent2 -> ent1).
DIRECTED_STANCE = {
    "0": ("none", "none"),
    "1": ("favor", "none"),
    "2": ("none", "favor"),
    "3": ("against", "none"),
    "4": ("none", "against"),
}
_BRACKETS = re.compile(r"[\[\]]")


def read_directed_news(root: Path, split: str) -> list[tuple[str, str, str, str]]:
    """The corpus's sentences as ``(sentence, ent1, ent2, label 0-4)``; the ``[...]`` entity marks removed.

    Users' sentences carry no marks, so the model is trained and tested on unmarked text.
    """
    name = {"train": "train", "validation": "valid", "test": "test"}[split]
    out = []
    with _need(root / "directed_sentiment_news" / f"{name}.txt").open(encoding="utf-8", newline="") as fh:
        for line_no, line in enumerate(fh, 1):
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 4 or parts[3] not in DIRECTED_STANCE:
                raise ValueError(f"{fh.name}, line {line_no}: expected sentence, ent1, ent2, label 0-4")
            sentence = " ".join(_BRACKETS.sub("", parts[0]).split())
            ent1, ent2 = (_whole_mention(parts[0], i, parts[1 + i].strip()) for i in (0, 1))
            out.append((sentence, ent1, ent2, parts[3]))
    return out


_BRACKETED = re.compile(r"\[([^\[\]]+)\](\w*)")


def _whole_mention(marked: str, index: int, given: str) -> str:
    """The entity as the sentence writes it: the corpus's brackets sometimes close inside a word ("[Los Angele]s",
    "[Congre]ss"), and its ent1/ent2 columns copy the cut name; the word is completed, a possessive dropped."""
    spans = _BRACKETED.findall(marked)
    if len(spans) != 2 or spans[index][0].strip() != given:
        return given
    inner, rest = spans[index]
    whole = (inner + rest).strip()
    whole = re.sub(r"['’]s?$", "", whole) if rest else whole
    return whole if any(c.isalnum() for c in whole) else given


def _load_directed_news(root: Path, split: str) -> list[dict[str, str | None]]:
    """Each sentence twice, once per direction: holder ent1 toward target ent2, and ent2 toward ent1."""
    rows: list[dict[str, str | None]] = []
    for sentence, ent1, ent2, label in read_directed_news(root, split):
        forward, backward = DIRECTED_STANCE[label]
        for holder, target, stance, group in (
            (ent1, ent2, forward, "ent1->ent2"),
            (ent2, ent1, backward, "ent2->ent1"),
        ):
            rows.append({"text": sentence, "target": target, "holder": holder, "label": stance, "group": group})
    return rows


# ------------------------------------------------------------------------------------------- NewsMTSC

_NEWSMTSC_LABELS = {2.0: "against", 4.0: "none", 6.0: "favor"}  # negative / neutral / positive toward the target
_NEWSMTSC_VALIDATION_FRACTION = 0.1


def _load_newsmtsc(root: Path, split: str) -> list[dict[str, str | None]]:
    """Sentiment toward a named target in a news sentence, as stance labels (negative = against, ...).

    No holder: the sentence's own attitude to the target. ``test_mt`` / ``test_rw`` are the corpus's
    devtest_mt (several targets per sentence) and devtest_rw (real-world distribution) sets; validation is a
    fixed hash-based 10% of the training sentences.
    """
    name = {"train": "train", "validation": "train", "test_mt": "devtest_mt", "test_rw": "devtest_rw"}[split]
    rows = []
    with _need(root / "newsmtsc" / f"{name}.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            sentence = rec["sentence_normalized"].strip()
            if split in ("train", "validation"):
                is_val = _stable_fraction(sentence) < _NEWSMTSC_VALIDATION_FRACTION
                if is_val != (split == "validation"):
                    continue
            for tgt in rec["targets"]:
                rows.append(
                    _row(sentence, _NEWSMTSC_LABELS[float(tgt["polarity"])], tgt["mention"].strip(), "newsmtsc")
                )
    return rows


# ----------------------------------------------------------------------------------- FNC-1 and ARC

# FNC-1's four stances as stancekit labels; the original label is kept in ``group``.
FNC_STANCE = {"agree": "favor", "disagree": "against", "discuss": "none", "unrelated": "none"}
_FNC_FILES = {  # corpus -> folder, {split: stances file}, {split: bodies file}
    "fnc1": (
        "fnc1",
        {"train": "train_stances.csv", "test": "competition_test_stances.csv"},
        {"train": "train_bodies.csv", "test": "competition_test_bodies.csv"},
    ),
    "arc": (
        "arc",
        {"train": "arc_stances_train.csv", "test": "arc_stances_test.csv"},
        {"train": "arc_bodies.csv", "test": "arc_bodies.csv"},
    ),
}
_FNC_VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class FncPair:
    """One FNC-1-format pair: a headline (the claim), the article body it is judged against, the 4-way stance."""

    headline: str
    body_id: int
    body: str
    stance: str  # agree / disagree / discuss / unrelated


def read_fnc(root: Path, corpus: str, split: str) -> list[FncPair]:
    """The raw pairs of ``fnc1`` or ``arc`` (``train``, ``validation`` or ``test``), bodies joined by Body ID.

    Neither corpus has a validation split: 10% of the training bodies, chosen by a hash of the Body ID, are held
    out, so no body is in both train and validation (in ARC the test pairs still reuse training bodies, as published).
    """
    if corpus not in _FNC_FILES:
        raise ConfigError(f"read_fnc reads 'fnc1' or 'arc', not {corpus!r}")
    folder, stances, bodies = _FNC_FILES[corpus]
    part = "test" if split == "test" else "train"
    with _need(root / folder / bodies[part]).open(encoding="utf-8", newline="") as fh:
        body_of = {int(rec["Body ID"]): rec["articleBody"].strip() for rec in csv.DictReader(fh)}
    pairs = []
    with _need(root / folder / stances[part]).open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            body_id = int(rec["Body ID"])
            if part == "train":
                is_val = _stable_fraction(str(body_id)) < _FNC_VALIDATION_FRACTION
                if is_val != (split == "validation"):
                    continue
            pairs.append(FncPair(rec["Headline"].strip(), body_id, body_of[body_id], rec["Stance"].strip()))
    return pairs


def _fnc_rows(root: Path, corpus: str, split: str) -> list[dict[str, str | None]]:
    return [_row(p.body, FNC_STANCE[p.stance], p.headline, p.stance) for p in read_fnc(root, corpus, split)]


def _load_fnc1(root: Path, split: str) -> list[dict[str, str | None]]:
    """FNC-1: the article body's stance toward the headline; agree = favor, disagree = against, discuss and
    unrelated = none (``group`` keeps the 4-way label). Test is the competition test; validation is 10% of the
    training bodies by a hash of the Body ID."""
    return _fnc_rows(root, "fnc1", split)


def _load_arc(root: Path, split: str) -> list[dict[str, str | None]]:
    """ARC in FNC-1 format (user posts vs debate claims), mapped as FNC-1; validation is 10% of the training bodies
    by a hash of the Body ID."""
    return _fnc_rows(root, "arc", split)


# -------------------------------------------------------------------------------------------- Emergent

_EMERGENT_LABELS = {"for": "favor", "against": "against", "observing": "none"}
_EMERGENT_VALIDATION_FRACTION = 0.1


def _load_emergent(root: Path, split: str) -> list[dict[str, str | None]]:
    """Emergent: a news headline's stance toward a claim; for = favor, against = against, observing = none.

    Test is the published test file; validation is 10% of the training claims by a hash of the claimId (no claim
    in both). ``group`` is the claimId.
    """
    part = "test" if split == "test" else "train"
    path = _need(root / "emergent" / f"url-versions-2015-06-14-clean-{part}.csv")
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            claim_id = rec["claimId"].strip()
            if part == "train":
                is_val = _stable_fraction(claim_id) < _EMERGENT_VALIDATION_FRACTION
                if is_val != (split == "validation"):
                    continue
            label = _EMERGENT_LABELS[rec["articleHeadlineStance"].strip()]
            rows.append(_row(rec["articleHeadline"].strip(), label, rec["claimHeadline"].strip(), claim_id))
    return rows


# ----------------------------------------------------------------------------------------- PERSPECTRUM

_PERSPECTRUM_LABELS = {"SUPPORT": "favor", "UNDERMINE": "against"}


def _load_perspectrum(root: Path, split: str) -> list[dict[str, str | None]]:
    """PERSPECTRUM: a perspective's stance toward a claim; SUPPORT = favor, UNDERMINE = against (no none class).

    Every perspective of every cluster is one claim-perspective pair; splits are the corpus's own
    (dataset_split_v1.0.json: train / dev = validation / test, by claim).
    """
    base = root / "perspectrum"
    part = {"train": "train", "validation": "dev", "test": "test"}[split]
    with _need(base / "dataset_split_v1.0.json").open(encoding="utf-8") as fh:
        split_of: dict[str, str] = json.load(fh)
    with _need(base / "perspective_pool_v1.0.json").open(encoding="utf-8") as fh:
        perspective = {int(rec["pId"]): rec["text"].strip() for rec in json.load(fh)}
    with _need(base / "perspectrum_with_answers_v1.0.json").open(encoding="utf-8") as fh:
        claims = json.load(fh)
    rows = []
    for claim in claims:
        if split_of[str(claim["cId"])] != part:
            continue
        for cluster in claim["perspectives"]:
            label = _PERSPECTRUM_LABELS[cluster["stance_label_3"]]
            for pid in cluster["pids"]:
                rows.append(_row(perspective[int(pid)], label, claim["text"].strip(), "perspectrum"))
    return rows


# ------------------------------------------------------------------------- UKP Sentential Argument Mining

_UKP_TOPICS = (
    "abortion",
    "cloning",
    "death_penalty",
    "gun_control",
    "marijuana_legalization",
    "minimum_wage",
    "nuclear_energy",
    "school_uniforms",
)
_UKP_LABELS = {"Argument_for": "favor", "Argument_against": "against", "NoArgument": "none"}


def _load_ukp_sentential(root: Path, split: str) -> list[dict[str, str | None]]:
    """UKP Sentential Argument Mining: a web sentence's stance toward its topic; Argument_for = favor,
    Argument_against = against, NoArgument = none. Splits are the ``set`` column (val = validation); ``group`` is
    the topic (for leave-one-topic-out)."""
    part = {"train": "train", "validation": "val", "test": "test"}[split]
    rows = []
    for name in _UKP_TOPICS:
        with _need(root / "ukp_sentential_am" / f"{name}.tsv").open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                if rec["set"].strip() != part:
                    continue
                topic = rec["topic"].strip()
                rows.append(_row(rec["sentence"].strip(), _UKP_LABELS[rec["annotation"].strip()], topic, topic))
    return rows


# ------------------------------------------------------------------------------------------------- SEN

_SEN_LABELS = {"pos": "favor", "neg": "against", "neutr": "none"}  # "unk" rows are dropped


def _hash_split(key: str, train: float, validation: float) -> str:
    """``train`` / ``validation`` / ``test`` for a key, by :func:`_stable_fraction` (the rest is test)."""
    x = _stable_fraction(key)
    return "train" if x < train else "validation" if x < train + validation else "test"


def _sen_split(headline: str) -> str:
    return _hash_split(headline, 0.7, 0.1)


def _load_sen(root: Path, split: str) -> list[dict[str, str | None]]:
    """SEN (English): a political headline's sentiment toward a named entity, as stance; pos = favor, neg = against,
    neutr = none, unk dropped. Gold is the researchers' SEN_en_R.csv, split 70/10/20 by a hash of the headline;
    ``train_amt`` is the crowd-labelled SEN_en_AMT.csv, only the headlines that hash into train."""
    name, part = ("SEN_en_AMT.csv", "train") if split == "train_amt" else ("SEN_en_R.csv", split)
    rows = []
    with _need(root / "sen" / name).open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):  # columns: (index), headline, topic, sentiment
            headline, label = rec["headline"].strip(), rec["sentiment"].strip()
            if label not in _SEN_LABELS or _sen_split(headline) != part:
                continue
            entity = rec["topic"].strip()
            rows.append(_row(headline, _SEN_LABELS[label], entity, entity))
    return rows


# --------------------------------------------------------------------------------------------- SEntFiN

_SENTFIN_LABELS = {"positive": "favor", "negative": "against", "neutral": "none"}


def _sentfin_split(headline: str) -> str:
    return _hash_split(headline, 0.8, 0.1)


def _load_sentfin(root: Path, split: str) -> list[dict[str, str | None]]:
    """SEntFiN 1.0: a financial headline's sentiment toward each entity of its ``Decisions``, as stance; positive =
    favor, negative = against, neutral = none. No published split: 80/10/10 by a hash of the headline (all the
    entities of a headline go the same way)."""
    rows = []
    with _need(root / "sentfin" / "dataset_1.csv").open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):  # columns: S No., Title, Decisions (JSON entity -> label), Words
            headline = rec["Title"].strip()
            if _sentfin_split(headline) != split:
                continue
            for entity, label in json.loads(rec["Decisions"]).items():
                rows.append(_row(headline, _SENTFIN_LABELS[label.strip()], entity.strip(), "sentfin"))
    return rows


# ------------------------------------------------------------------------------------- synthetic news templates


def _load_news_templates(root: Path, split: str) -> list[dict[str, str | None]]:
    """Synthetic news sentences from :mod:`stancekit.data.templates` (seed 0), generated here: ``root`` is unused.

    Splits are by template (80/10/10), so no template is in two splits; ``group`` is the template family.
    """
    from stancekit.data.templates import generate

    keys = ("text", "target", "holder", "label", "group")
    return [{k: row[k] for k in keys} for row in generate(0) if row["split"] == split]


DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            "semeval2016",
            "stance",
            ("train", "validation", "test", "test_b"),
            "SemEval-2016 Task 6 stance tweets, 5 targets (test_b: Donald Trump, zero-shot)",
            _load_semeval2016,
        ),
        DatasetInfo(
            "pstance", "stance", ("train", "validation", "test"), "P-Stance (Trump/Biden/Sanders)", _load_pstance
        ),
        DatasetInfo(
            "vast",
            "stance",
            ("train", "validation", "test"),
            "VAST zero/few-shot stance on open topics",
            _load_vast,
            "macro_f1",
        ),
        DatasetInfo(
            "directed-news",
            "stance",
            ("train", "validation", "test"),
            "who -> whom sentiment in news (Park et al. 2021), each sentence in both directions, with holders",
            _load_directed_news,
            "macro_f1",
        ),
        DatasetInfo(
            "newsmtsc",
            "stance",
            ("train", "validation", "test_mt", "test_rw"),
            "NewsMTSC target sentiment in news as stance (negative=against); test_mt/test_rw = devtest_mt/rw",
            _load_newsmtsc,
            "macro_f1",
        ),
        DatasetInfo(
            "fnc1",
            "stance",
            ("train", "validation", "test"),
            "FNC-1 article body vs headline (agree=favor, disagree=against, discuss/unrelated=none; group: 4-way)",
            _load_fnc1,
            "macro_f1",
        ),
        DatasetInfo(
            "arc",
            "stance",
            ("train", "validation", "test"),
            "ARC user posts vs debate claims in FNC-1 format, mapped as fnc1 (group: 4-way label)",
            _load_arc,
            "macro_f1",
        ),
        DatasetInfo(
            "emergent",
            "stance",
            ("train", "validation", "test"),
            "Emergent news headline vs claim (for/against/observing = favor/against/none; group: claimId)",
            _load_emergent,
            "accuracy",
        ),
        DatasetInfo(
            "perspectrum",
            "stance",
            ("train", "validation", "test"),
            "PERSPECTRUM perspective vs claim (SUPPORT=favor, UNDERMINE=against; no none)",
            _load_perspectrum,
            "accuracy",
        ),
        DatasetInfo(
            "ukp-sentential",
            "stance",
            ("train", "validation", "test"),
            "UKP Sentential Argument Mining, web sentences vs 8 topics (NoArgument=none; group: topic)",
            _load_ukp_sentential,
            "macro_f1",
        ),
        DatasetInfo(
            "sen",
            "stance",
            ("train", "validation", "test", "train_amt"),
            "SEN entity sentiment in political headlines as stance (researcher labels; train_amt: crowd labels)",
            _load_sen,
            "macro_f1",
        ),
        DatasetInfo(
            "sentfin",
            "stance",
            ("train", "validation", "test"),
            "SEntFiN entity sentiment in financial headlines as stance (positive=favor, negative=against)",
            _load_sentfin,
            "macro_f1",
        ),
        DatasetInfo(
            "news-templates",
            "stance",
            ("train", "validation", "test"),
            "synthetic news templates: membership, hedging, requests refused, accusations and praise in both "
            "directions, third parties (stancekit.data.templates)",
            _load_news_templates,
            "macro_f1",
        ),
        DatasetInfo(
            "semeval2017",
            "sentiment",
            ("train", "validation", "test"),
            "SemEval-2017 4A: 2013-2016 pool (train), TweetEval val (validation), 2017 test",
            _load_semeval2017,
        ),
        DatasetInfo(
            "tweeteval-sentiment",
            "sentiment",
            ("validation", "test"),
            "TweetEval sentiment (its train texts are missing upstream: train on 'semeval2017', TweetEval's source)",
            _read_tweeteval,
        ),
        DatasetInfo(
            "sst2",
            "sentiment",
            ("train", "validation", "dev", "test"),
            "SST-2 (binary: negative/positive); dev = GLUE dev",
            _load_sst2,
            "accuracy",
            ("dev",),
        ),
        DatasetInfo(
            "financial-phrasebank",
            "sentiment",
            ("test",),
            "Financial PhraseBank, AllAgree (out-of-domain check only)",
            _load_financial_phrasebank,
            "accuracy",
        ),
    )
}


def list_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`."""
    return sorted(DATASETS)


def load_dataset(name: str, split: str = "test", data_dir: str | os.PathLike[str] | None = None) -> datasets.Dataset:
    """Load one split of a registered corpus.

    Args:
        name: a registry name, see :func:`list_datasets`.
        split: ``train``, ``validation`` or ``test`` (plus corpus-specific ones such as ``sst2``'s ``dev``), or
            several joined by ``+`` (``"train+validation"``: the rows of each, in that order), as in
            Hugging Face ``datasets``.
        data_dir: the corpus folder; defaults to ``$STANCEKIT_DATA``.

    Returns:
        A dataset with columns ``text``, ``target``, ``holder``, ``label``, ``group``.
    """
    info = dataset_info(name)
    parts = split_parts(split)
    for part in parts:
        if part not in info.splits:
            raise ConfigError(
                f"dataset {name!r} has no split {part!r}; splits: {', '.join(info.splits)} ({info.description})"
            )
    if len(set(parts)) != len(parts):
        raise ConfigError(f"split {split!r} names a part twice")
    root = data_root(data_dir)
    rows = [row for part in parts for row in info.loader(root, part)]
    return datasets.Dataset.from_list(rows, features=_FEATURES)


def split_parts(split: str) -> list[str]:
    """The parts of a split name: ``"train+validation"`` -> ``["train", "validation"]``."""
    return [part.strip() for part in split.split("+")]


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry of a corpus.

    Raises:
        ConfigError: no corpus of that name (the message lists the known ones).
    """
    info = DATASETS.get(name)
    if info is None:
        raise UnknownDatasetError(f"unknown dataset {name!r}; known: {', '.join(list_datasets())}")
    return info
