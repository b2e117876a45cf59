"""The CLIP tokenizer built offline from the BPE merge list OpenAI published with CLIP.

Single-file checkpoints carry no tokenizer, and diffusers would fetch one from the hub.
GenCanvas ships instead the original gzipped merge list (MIT, OpenAI CLIP; the copy
distributed with open_clip) and rebuilds the exact ``vocab.json``/``merges.txt`` that
SD 1.x, SD 2.x and SDXL's tokenizers use: 256 byte symbols, the same with ``</w>``, the
48,894 merges in order, then the two special tokens (49,408 ids).
"""

from __future__ import annotations

import functools
import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

CLIP_MERGES = 49152 - 256 - 2  # merges used by CLIP (the file lists a few more)
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte → printable-character table that CLIP's BPE works on."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes), strict=False))


@functools.lru_cache(maxsize=4)
def clip_vocab(bpe_file: Path, merges_limit: int = CLIP_MERGES) -> tuple[dict[str, int], tuple[str, ...]]:
    """(vocab, merges) as in CLIP's vocab.json and merges.txt; fewer merges give a tiny test vocabulary."""
    lines = gzip.decompress(bpe_file.read_bytes()).decode("utf-8").split("\n")
    merges = tuple(lines[1 : 1 + min(merges_limit, CLIP_MERGES)])
    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges] + [BOS, EOS]
    return {token: index for index, token in enumerate(tokens)}, merges


def build_clip_tokenizer(
    bpe_file: Path, *, pad_token: str = EOS, merges_limit: int = CLIP_MERGES, max_length: int = 77
) -> Any:
    """A transformers CLIPTokenizer from the merge list alone (no network).

    SD 1.x pads with ``<|endoftext|>``; SD 2.x and SDXL's second tokenizer pad with ``!``.
    transformers 5 builds it in memory; older versions read ``vocab.json``/``merges.txt``,
    which are then written to a temporary folder.
    """
    import transformers
    from transformers import CLIPTokenizer

    vocab, merges = clip_vocab(Path(bpe_file), merges_limit)
    if int(transformers.__version__.split(".")[0]) >= 5:
        # The tokenizers backend takes (a, b) pairs, although transformers annotates strings.
        pairs: list[Any] = [tuple(m.split()) for m in merges]
        return CLIPTokenizer(
            vocab=dict(vocab),
            merges=pairs,
            pad_token=pad_token,
            model_max_length=max_length,
        )
    folder = Path(tempfile.mkdtemp(prefix="gencanvas-clip-"))
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return CLIPTokenizer(
        str(folder / "vocab.json"), str(folder / "merges.txt"), pad_token=pad_token, model_max_length=max_length
    )
