"""Labels for generated images, so labelled directions can be fitted in w (InterFaceGAN-style).

Fashion-MNIST: the shipped domain classifier's ten classes. Emoji: groups read from the
glyph names (flags, faces, people, the rest) and a small classifier trained on the real
glyphs with those groups — the generator only gives images, so something must label them.
The same classifier's features give the emoji model's Fréchet distance.
"""

from __future__ import annotations

from pathlib import Path

import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.evaluation import DomainClassifier, load_classifier, train_classifier

CLASSIFIER_SIZE = 32
EMOJI_GROUPS = ("flag", "face", "person", "other")
_PEOPLE = {"woman", "man", "person", "girl", "boy", "family", "people", "men", "women", "baby"}


def emoji_group(caption: str) -> str:
    """'flag Japan' → flag, 'grinning face' → face, 'woman cook' → person, 'red apple' → other."""
    words = set(caption.lower().split())
    if caption.startswith("flag"):
        return "flag"
    if "face" in words:
        return "face"
    return "person" if words & _PEOPLE else "other"


def with_emoji_groups(dataset: ImageCaptionDataset) -> ImageCaptionDataset:
    labels = torch.tensor([EMOJI_GROUPS.index(emoji_group(c)) for c in dataset.captions], dtype=torch.int64)
    return ImageCaptionDataset(dataset.images, dataset.captions, labels, list(EMOJI_GROUPS), dataset.name)


def emoji_group_classifier(
    dataset: ImageCaptionDataset, epochs: int = 4, seed: int = 0
) -> tuple[DomainClassifier, float]:
    """Train the group classifier on 85 % of the glyphs; returns it and its accuracy on the rest.

    Load the glyphs at 32 px (``CLASSIFIER_SIZE``): a quarter of the cost at 64 px, and groups
    are told apart by coarse shape and colour; generated images are pooled to that size.
    """
    labelled = with_emoji_groups(dataset)
    labels = labelled.labels
    assert labels is not None  # with_emoji_groups labels every glyph
    test = labelled.subset(len(labelled) * 15 // 100, seed=seed)
    held_out = set(test.captions)
    keep = torch.tensor([c not in held_out for c in labelled.captions])
    train = ImageCaptionDataset(
        labelled.images[keep],
        [c for c, k in zip(labelled.captions, keep, strict=False) if k],
        labels[keep],
        labelled.class_names,
        labelled.name,
    )
    return train_classifier(train, test, epochs=epochs, seed=seed)


def fashion_classifier(folder: Path) -> DomainClassifier:
    return load_classifier(folder)
