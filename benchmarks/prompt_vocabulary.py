"""The MiniLM cosine below which a prompt counts as outside a model's vocabulary.

For every held-out emoji caption (the 20 % hold-out the models never trained on), its best
cosine to any training caption: real, unseen prompts of the domain. The threshold the
text-to-image plugin uses sits below nearly all of them, so in-domain prompts pass and
prompts of another world ("a red sports car" for garments) get a notice.
``python benchmarks/prompt_vocabulary.py``.
"""

from __future__ import annotations

import torch

from gencanvas.models.data.splits import split_data
from gencanvas.models.diffusion.text import TextEncoder

PROBES = {
    "fashion": ["a red sports car", "a cat", "mountain landscape", "long sleeve shirt", "boots", "handbag", "jacket"],
    "emoji": ["a red sports car", "astronaut on the moon", "Fashion-MNIST trouser", "a bowl of ramen"],
}
FASHION = ["ankle boot", "bag", "coat", "dress", "pullover", "sandal", "shirt", "sneaker", "t-shirt", "trouser"]


def best_cosines(encoder: TextEncoder, prompts: list[str], known: list[str]) -> torch.Tensor:
    a = torch.nn.functional.normalize(encoder.encode(prompts).float(), dim=1)
    b = torch.nn.functional.normalize(encoder.encode(known).float(), dim=1)
    return (a @ b.T).max(dim=1).values


def main() -> None:
    torch.set_num_threads(1)
    train, test, note = split_data("emoji", size=16, limit=None)
    encoder = TextEncoder("cpu")
    held_out = best_cosines(encoder, test.captions, train.captions)
    print(f"emoji hold-out ({note}): {len(held_out)} captions, best cosine to a training caption")
    for q in (0.0, 0.01, 0.02, 0.05, 0.1, 0.5):
        print(f"  quantile {q:.2f}: {torch.quantile(held_out, q):.3f}")
    for name, known in (("fashion", FASHION), ("emoji", train.captions + test.captions)):
        for probe, value in zip(PROBES[name], best_cosines(encoder, PROBES[name], known).tolist(), strict=True):
            print(f"  {name:8s} {probe!r}: {value:.3f}")


if __name__ == "__main__":
    main()
