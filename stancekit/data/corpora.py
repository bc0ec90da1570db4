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
            out.append((sentence, parts[1].strip(), parts[2].strip(), parts[3]))
    return out


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
