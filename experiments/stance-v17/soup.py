"""Rule 2 of README.md: the soup of greedy7 (stance-v16 + stance-v9) with stance-v16 replaced by its refit, v17.

Builds the mean of stance-v17 and stance-v9 exactly as greedy.py builds its soups (experts refitted on the
stance-v4 recipe, weight chosen on SemEval-2016 and P-Stance validation), writes the model folder and compares its
SemEval-2016 / P-Stance validation F_avg (with experts) with the greedy7 soup's. VAST validation is training data
for v17, so the VAST figure make_soup records is marked as such and plays no part. No test split is read.

    STANCEKIT_DATA=../shared/data python experiments/stance-v17/soup.py --out experiments/stance-v17/out-soup
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stance-soup"))

from soup import make_soup, without_experts, write_metrics  # noqa: E402

HERE = Path(__file__).parent
PARENTS = [Path("experiments/stance-v17/out-model"), Path("experiments/stance-v9/out-model")]
GREEDY7 = Path("experiments/stance-soup/greedy7.json")
ALLOWED_DROP = 0.003  # rule 2: neither SemEval-2016 nor P-Stance validation F_avg (with experts) may fall more


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out-soup")
    parser.add_argument("--json", type=Path, default=HERE / "soup.json")
    args = parser.parse_args(argv)
    record = make_soup(PARENTS, args.out)
    record["vast_note"] = "VAST validation is training data for stance-v17: its figures here are not held out"
    before = json.loads(GREEDY7.read_text())["soup"]["with_experts_f_avg"]
    after = record["with_experts_f_avg"]
    drops = {k: round(before[k] - after[k], 4) for k in before}
    adopted = all(d <= ALLOWED_DROP for d in drops.values())
    parents = {str(p): json.loads((p / "metrics.json").read_text())["validation"] for p in PARENTS}
    write_metrics(args.out, PARENTS, record, parents)
    result = {
        "parents": [str(p) for p in PARENTS],
        "soup": without_experts(record),
        "greedy7_soup_with_experts": before,
        "drop": drops,
        "rule_2_met": adopted,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    for k in before:
        print(f"{k}: greedy7 soup {100 * before[k]:.1f}, v17 + v9 {100 * after[k]:.1f}")
    print(f"rule 2 {'met' if adopted else 'NOT met'}: drops {drops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
