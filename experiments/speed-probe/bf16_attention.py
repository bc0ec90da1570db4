import time, copy, numpy as np, torch
import stancekit
from stancekit.inference import iter_proba
from stancekit.data import load_dataset
from torch.nn.attention import sdpa_kernel, SDPBackend
for name, ds, pair in [("stance","semeval2016",True),("sentiment","tweeteval-sentiment",False)]:
    d = load_dataset(ds, "test"); n=1024
    items = list(zip(d["text"][:n], d["target"][:n] if pair else [None]*n))
    clf = stancekit.load(name, dtype="float32", backend="torch")
    def run(model, dt, bs=256, mt=1024):
        return np.concatenate([c.proba for c in iter_proba(model, clf.tokenizer, items, max_length=clf.spec.max_length, device=torch.device("cpu"), dtype=dt, pair=pair, batch_size=bs, max_tokens=mt)])
    ref = run(clf.model, torch.float32)
    def bench(label, fn):
        fn(); ts=[]
        for _ in range(5):
            t=time.perf_counter(); p=fn(); ts.append(time.perf_counter()-t)
        print(name, label, round(n/np.median(ts)), f"agree {(p.argmax(1)==ref.argmax(1)).mean():.4f} maxdp {np.abs(p-ref).max():.4f}", flush=True)
    bench("autocast sdpa(flash)", lambda: run(clf.model, torch.bfloat16))
    def mathsdpa():
        with sdpa_kernel(SDPBackend.MATH): return run(clf.model, torch.bfloat16)
    bench("autocast sdpa(math)", mathsdpa)
    eager = copy.deepcopy(clf.model); eager.set_attn_implementation("eager")
    bench("autocast eager", lambda: run(eager, torch.bfloat16))
    eb = copy.deepcopy(eager).to(torch.bfloat16)
    bench("bf16 weights eager", lambda: run(eb, torch.float32))
    bench("bf16 weights eager 256/2048", lambda: run(eb, torch.float32, 256, 2048))
    bench("fp32 ref torch", lambda: run(clf.model, torch.float32))
