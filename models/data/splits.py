"""The one train/test split every trainer and evaluation uses, so a model is scored on images it never saw.

Fashion-MNIST has an official test split; every other set (emoji, your own folder) holds out a
fixed random share, the same one for training and for evaluation.
"""

from __future__ import annotations

import torch

HOLDOUT_FRACTION, HOLDOUT_SEED = 0.2, 0  # sets without a test split: this random share is held out


def split_data(source: str, *, size: int | None, limit: int | None):
    """(train, test, how the test set was chosen): the real test split, else a fixed random hold-out."""
    from gencanvas.models.data import ImageCaptionDataset, load_dataset

    if source == "fashion-mnist":
        train = load_dataset(source, split="train", size=size, limit=limit)
        test = load_dataset(source, split="test", size=size, limit=limit)
        return train, test, f"the official test split ({len(test)} images)"
    full = load_dataset(source, size=size, limit=limit)
    order = torch.randperm(len(full), generator=torch.Generator().manual_seed(HOLDOUT_SEED))
    n_test = max(2, round(HOLDOUT_FRACTION * len(full)))

    def take(indices: torch.Tensor, part: str) -> ImageCaptionDataset:
        return full.select(indices.sort().values, f"{full.name}-{part}")

    note = (
        f"a fixed random hold-out of {n_test} of {len(full)} images (torch.randperm seed {HOLDOUT_SEED}, "
        f"first {HOLDOUT_FRACTION:.0%} of the permutation)"
    )
    return take(order[n_test:], "train"), take(order[:n_test], "test"), note
