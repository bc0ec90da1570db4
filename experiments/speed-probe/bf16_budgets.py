import time, sys, copy
import numpy as np, torch
import stancekit
from stancekit.inference import iter_proba
from stancekit.data import load_dataset

def run(model, tok, items, dtype, pair, max_len, bs, mt):
    out = [c.proba for c in iter_proba(model, tok, items, max_length=max_len, device=torch.device("cpu"), dtype=dtype, pair=pair, batch_size=bs, max_tokens=mt)]
    return np.concatenate(out)

def timeit(fn, reps=3):
    ts=[]
    for _ in range(reps):
        t=time.perf_counter(); r=fn(); ts.append(time.perf_counter()-t)
    return float(np.median(ts)), r

for name, ds, pair in [("stance", "semeval2016", True), ("sentiment", "tweeteval-sentiment", False)]:
    d = load_dataset(ds, "test")
    n = 1024
    items = list(zip(d["text"][:n], d["target"][:n] if pair else [None]*n))
    clf = stancekit.load(name, dtype="float32", backend="torch")
    m32 = clf.model; tok = clf.tokenizer; ml = clf.spec.max_length
    ref = run(m32, tok, items, torch.float32, pair, ml, 256, 1024)
    t32,_ = timeit(lambda: run(m32, tok, items, torch.float32, pair, ml, 256, 1024))
    print(name, "fp32 torch", n/t32, flush=True)
    ta,pa = timeit(lambda: run(m32, tok, items, torch.bfloat16, pair, ml, 256, 1024))
    print(name, "autocast 1024", n/ta, (pa.argmax(1)==ref.argmax(1)).mean(), np.abs(pa-ref).max(), flush=True)
    mb = copy.deepcopy(m32).to(torch.bfloat16)
    for bs, mt in [(256,1024),(256,2048),(512,4096),(512,8192)]:
        tb,pb = timeit(lambda: run(mb, tok, items, torch.float32, pair, ml, bs, mt))
        print(name, f"bf16 weights {bs}/{mt}", n/tb, (pb.argmax(1)==ref.argmax(1)).mean(), np.abs(pb-ref).max(), flush=True)
