#!/usr/bin/env bash
# The mpnet document model and its distillation into MiniLM, for a session that is lent a GPU (the `device` tool):
# about 10-15 minutes on one H200, hours on a 2-core CPU. Run from the repository root with the corpora in
# STANCEKIT_DATA and the backbone unpacked (`make backbones`); metrics are copied to $OUT (or build/) for the note.
set -euo pipefail
OUT="${OUT:-build/gpu-news-mpnet}"
mkdir -p "$OUT"
BIN="${BIN:-.venv/bin}"
"$BIN/stancekit" train experiments/news-mpnet/document-mpnet.yaml --force 2>&1 | tail -n 40 | tee "$OUT/document-mpnet.log"
cp runs/experiments/document-mpnet/metrics.json "$OUT/document-mpnet.metrics.json"
"$BIN/stancekit" train experiments/news-mpnet/distill-minilm.yaml --force 2>&1 | tail -n 40 | tee "$OUT/distill.log"
cp runs/experiments/directed-distilled/metrics.json "$OUT/directed-distilled.metrics.json"
