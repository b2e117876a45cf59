"""Textual-inversion embeddings, used by writing their file name in the prompt, as in A1111.

Only the embeddings a job's prompts name are loaded (diffusers' ``load_textual_inversion``),
once per text encoder: an SD 1.x/2.x file holds one tensor (``emb_params`` in A1111's
files), an SDXL file a ``clip_l``/``clip_g`` pair, one for each of SDXL's two encoders
under the same token. Embeddings made for another base are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from gencanvas.models.sd.importer import ModelInfo


def mentioned(name: str, texts: Iterable[str]) -> bool:
    """Whether ``name`` appears as a whole word (not inside another word) in any of ``texts``."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return any(pattern.search(text) for text in texts)


def used_embeddings(models: Iterable[ModelInfo], family: str, texts: Iterable[str]) -> list[ModelInfo]:
    texts = list(texts)
    return [m for m in models if m.kind == "embedding" and m.family == family and mentioned(m.name, texts)]


def load_embeddings(pipe: Any, embeddings: Iterable[ModelInfo]) -> None:
    """Load each embedding into ``pipe``'s tokenizer(s) and text encoder(s) unless already there."""
    from safetensors.torch import load_file

    loaded: set[str] = pipe.text_encoder.__dict__.setdefault("_gencanvas_embeddings", set())
    for info in embeddings:
        if info.name in loaded:
            continue
        state = load_file(str(info.path))
        if info.family == "sdxl":
            pairs = [("clip_l", pipe.text_encoder, pipe.tokenizer), ("clip_g", pipe.text_encoder_2, pipe.tokenizer_2)]
            for key, encoder, tokenizer in pairs:
                pipe.load_textual_inversion(
                    {info.name: state[key]}, token=info.name, text_encoder=encoder, tokenizer=tokenizer
                )
        else:
            (vectors,) = state.values()
            pipe.load_textual_inversion({info.name: vectors}, token=info.name)
        loaded.add(info.name)
