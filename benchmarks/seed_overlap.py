"""The seed article is an example, never data: how close any training or validation text of the directed recipe
(or, with ``--all``, of every recipe) comes to a seed sentence (exact matches, seed sentences contained in a
text, and the highest word-set Jaccard overlap, a paraphrase detector).

    STANCEKIT_DATA=../shared/data python benchmarks/seed_overlap.py [--all]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from stancekit.core.errors import ConfigError
from stancekit.core.text import split_sentences
from stancekit.data.corpora import load_dataset
from stancekit.fitting.config import TrainingConfig

REPO = Path(__file__).resolve().parent.parent


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="every recipe's stages, not only directed-minilm's")
    args = parser.parse_args(argv)
    seed = split_sentences((REPO / "seeds" / "armenia-csto-news.txt").read_text(encoding="utf-8"))
    texts: set[str] = set()
    pattern = "*/*.yaml" if args.all else "directed-minilm/*.yaml"
    for stage in sorted((REPO / "recipes").glob(pattern)):
        try:
            config = TrainingConfig.from_yaml(stage)
        except ConfigError:  # a stage that trains nothing (a weight soup) has no data
            continue
        for spec in config.train + config.validation:
            texts.update(load_dataset(str(spec.name), spec.split)["text"])
    best, pair = 0.0, ("", "")
    seed_words = [(s, _words(s)) for s in seed]
    for text in texts:
        words = _words(text)
        for sentence, sw in seed_words:
            score = len(words & sw) / len(words | sw) if words | sw else 0.0
            if score > best:
                best, pair = score, (sentence, text)
    print(f"{len(texts)} training/validation texts, {len(seed)} seed sentences")
    print(f"seed sentences found verbatim: {sum(s in texts for s in seed)}")
    print(f"seed sentences contained in a text: {sum(any(s.strip() in t for t in texts) for s in seed)}")
    print(f"highest word-set Jaccard overlap: {best:.2f}\n  seed: {pair[0][:100]}\n  data: {pair[1][:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
