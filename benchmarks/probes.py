"""The hand-written news probes (tests/fixtures/news_probes.jsonl) on one or more models: accuracy overall and per
category, written to ``benchmarks/results/probes-<label>.json``.

    python benchmarks/probes.py --label after directed
    python benchmarks/probes.py --label before /path/to/an/older/directed-minilm   # e.g. from `git archive`

The probes were written before the entity-marker model was trained and are never used to train, select or tune.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stancekit.fitting.evaluation import evaluate_probes
from stancekit.model import load

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import REPO, RESULTS, probes_table

PROBES = REPO / "tests" / "fixtures" / "news_probes.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="model names or folders")
    parser.add_argument("--label", required=True, help="results file name: probes-LABEL.json")
    parser.add_argument("--note", default="", help="what the models are (kept in the file)")
    args = parser.parse_args(argv)
    out: dict = {"note": args.note}
    for name in args.models:
        key = "directed" if Path(name).name == "directed-minilm" else Path(name).name
        out[key] = evaluate_probes(load(name, dtype="float32"), PROBES)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"probes-{args.label}.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(probes_table({k: v for k, v in out.items() if k != "note"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
