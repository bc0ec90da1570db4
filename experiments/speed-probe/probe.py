import os, time, torch, numpy as np
from pathlib import Path
import stancekit
from transformers import pipeline
path = Path(os.environ["STANCEKIT_DATA"]) / "tweeteval_sentiment" / "test_text.txt"
texts=[t.strip() for t in path.read_text().splitlines()][:2048]
clf=stancekit.load("sentiment")
def timeit(f, reps=1):
    f(texts[:64]); t=time.perf_counter()
    for _ in range(reps): out=f(texts)
    return len(texts)*reps/(time.perf_counter()-t), out
pipe = pipeline("text-classification", model=clf.model, tokenizer=clf.tokenizer, batch_size=32, device="cpu", top_k=None)
r_pipe,_ = timeit(lambda x: pipe(list(x), truncation=True, max_length=256))
r_ref, ref = timeit(clf.predict_proba)
print(f"pipeline {r_pipe:.1f}/s  stancekit fp32 {r_ref:.1f}/s  ratio {r_ref/r_pipe:.2f}")
q = torch.ao.quantization.quantize_dynamic(clf.model, {torch.nn.Linear}, dtype=torch.qint8)
orig = clf.model; clf.model = q
r_q, pq_ = timeit(clf.predict_proba)
agree = (pq_.argmax(1)==ref.argmax(1)).mean()
print(f"int8 dynamic {r_q:.1f}/s ratio vs pipe {r_q/r_pipe:.2f} vs fp32 {r_q/r_ref:.2f} agreement {agree:.4f} maxdiff {np.abs(pq_-ref).max():.4f}")
clf.model = orig
for th in (1,2):
    torch.set_num_threads(th); r,_=timeit(clf.predict_proba); print("threads",th,f"{r:.1f}/s")
