"""Sentence embeddings from a registered backbone (all-MiniLM-L6-v2 is a sentence-transformers model: mean
pooling over its last layer, L2-normalised), used to judge how relevant a sentence is to a claim."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from stancekit.core.progress import make_progress
from stancekit.model.backbones import DEFAULT_BACKBONE, backbone_path


class SentenceEmbedder:
    """``embed(texts)`` -> ``(n, dim)`` unit vectors; cosine similarity is then a dot product."""

    def __init__(self, backbone: str = DEFAULT_BACKBONE, *, max_length: int = 128, batch_size: int = 64) -> None:
        path = backbone_path(backbone)
        self.tokenizer: Any = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model: Any = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.max_length, self.batch_size = max_length, batch_size

    @torch.inference_mode()
    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        bar = make_progress(progress, len(texts))
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            enc = self.tokenizer(
                [texts[i] for i in idx], truncation=True, max_length=self.max_length, padding=True,
                return_tensors="pt",
            )  # fmt: skip
            hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[idx] = torch.nn.functional.normalize(pooled, dim=-1).float().numpy()
            bar.update(len(idx))
        bar.close()
        return out
