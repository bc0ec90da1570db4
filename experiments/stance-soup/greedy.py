"""Greedy model soup of stance models, chosen on validation only (Wortsman et al. 2022, "greedy soup").

Scores every candidate alone (its network with the n-gram experts refitted on the stance-v4 recipe, exactly as
``soup.py`` does for a soup), sorts them by the selection figure (mean validation F_avg over SemEval-2016, P-Stance
and VAST of the shipped system, network + experts; VAST has no expert), then walks down the list adding each
candidate to the soup (uniform mean of the ingredients' weights) only if the soup's selection figure does not fall.
Writes the final soup to ``--out`` and every score to ``--json``. No test split is read. Run from the repo root:

    STANCEKIT_DATA=../shared/data python experiments/stance-soup/greedy.py --out <folder> --json <file> \
        --candidates experiments/stance-soup/out-model experiments/stance-v6/out-model ...
    STANCEKIT_DATA=../shared/data stancekit calibrate --model <folder> --no-experts \
        --dataset semeval2016 --dataset pstance --dataset vast --write
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from soup import make_soup, without_experts, write_metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=Path, nargs="+", required=True, help="model folders")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write (the final soup)")
    parser.add_argument("--json", type=Path, required=True, help="where to write the validation record")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        alone = {str(c): without_experts(make_soup([c], Path(tmp) / "model")) for c in args.candidates}
        for name, r in alone.items():
            print(f"{name}: alone {r['selection_with_experts']:.4f} (network {r['selection_network']:.4f})")
        order = sorted(args.candidates, key=lambda c: alone[str(c)]["selection_with_experts"], reverse=True)
        ingredients, best = [order[0]], alone[str(order[0])]["selection_with_experts"]
        steps: list[dict[str, Any]] = []
        for c in order[1:]:
            trial = without_experts(make_soup([*ingredients, c], Path(tmp) / "model"))
            kept = trial["selection_with_experts"] >= best
            steps.append({"add": str(c), "ingredients": [str(i) for i in [*ingredients, c]], "kept": kept, **trial})
            print(f"+ {c}: {trial['selection_with_experts']:.4f} vs {best:.4f} -> {'kept' if kept else 'dropped'}")
            if kept:
                ingredients, best = [*ingredients, c], trial["selection_with_experts"]
    record = make_soup(ingredients, args.out)
    write_metrics(args.out, ingredients, record, {str(i): alone[str(i)] for i in ingredients})
    result = {"candidates": alone, "order": [str(c) for c in order], "steps": steps, "soup": without_experts(record)}
    result["ingredients"] = [str(i) for i in ingredients]
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"soup of {len(ingredients)}: {record['selection_with_experts']:.4f} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
