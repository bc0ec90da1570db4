import time, numpy as np, torch
import stancekit
from stancekit.inference import iter_proba
from stancekit.data import load_dataset
d = load_dataset("semeval2016", "test"); n=1024
items = list(zip(d["text"][:n], d["target"][:n]))
clf = stancekit.load("stance", dtype="float32", backend="torch")
def run(dt, bs=256, mt=1024):
    return np.concatenate([c.proba for c in iter_proba(clf.model, clf.tokenizer, items, max_length=clf.spec.max_length, device=torch.device("cpu"), dtype=dt, pair=True, batch_size=bs, max_tokens=mt)])
run(torch.bfloat16)
for bs, mt in [(256,1024),(128,512),(64,256),(256,1536)]:
    ts=[]
    for _ in range(3):
        t=time.perf_counter(); run(torch.bfloat16,bs,mt); ts.append(time.perf_counter()-t)
    print(bs, mt, n/np.median(ts), flush=True)
from torch.profiler import profile, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU]) as prof:
    run(torch.bfloat16)
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
