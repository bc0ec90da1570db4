import time, copy, sys, numpy as np, torch
import stancekit
from stancekit.inference import iter_proba
from stancekit.data import load_dataset
import torch._inductor.config as ic
mode = sys.argv[1]
if "freeze" in mode: ic.freezing = True
d = load_dataset("semeval2016", "test"); n=1024
items = list(zip(d["text"][:n], d["target"][:n]))
clf = stancekit.load("stance", dtype="float32", backend="torch")
def run(model, dt, bs=256, mt=1024):
    return np.concatenate([c.proba for c in iter_proba(model, clf.tokenizer, items, max_length=clf.spec.max_length, device=torch.device("cpu"), dtype=dt, pair=True, batch_size=bs, max_tokens=mt)])
ref = run(clf.model, torch.float32)
m = clf.model
if "bf16w" in mode: m = copy.deepcopy(m).to(torch.bfloat16)
if "compile" in mode:
    m = torch.compile(m, dynamic=True)
t=time.perf_counter(); p=run(m, torch.bfloat16); print(mode, "first call", round(time.perf_counter()-t,1), "s", flush=True)
ts=[]
for _ in range(5):
    t=time.perf_counter(); p=run(m, torch.bfloat16); ts.append(time.perf_counter()-t)
print(mode, round(n/np.median(ts)), "rows/s", f"agree {(p.argmax(1)==ref.argmax(1)).mean():.4f} maxdp {np.abs(p-ref).max():.4f}", flush=True)
