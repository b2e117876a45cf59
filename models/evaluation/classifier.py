"""A small domain classifier whose 128-d features replace Inception in FID/KID.

Inception-v3 features are trained on ImageNet photos and say little about 32 px grey
garments or 64 px emoji; they are also a 100 MB download we cannot make offline. A CNN
trained on the very domain being generated gives features that separate what matters
there (garment type, glyph shape) and trains in minutes on a CPU.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from gencanvas.models.data.dataset import ImageCaptionDataset
from gencanvas.models.weight_files import load_model, save_model

FEATURE_DIM = 128
WIDTHS = (32, 64, 128)


@dataclass
class ClassifierConfig:
    """What rebuilds the network; stored as ``config.json`` beside ``model.safetensors``."""

    in_channels: int = 1
    image_size: int = 32
    num_classes: int = 10
    class_names: list[str] | None = None
    test_accuracy: float | None = None  # measured at training time, so a folder documents itself
    min_subgroup: int | None = None  # emoji: Unicode subgroups this size became classes (None: other labels)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ClassifierConfig:
        return cls(**json.loads((Path(folder) / "config.json").read_text(encoding="utf-8")))


class DomainClassifier(nn.Module):
    """Three conv blocks (32/64/128, BatchNorm, GELU, max-pool), a 128-d feature layer, a head.

    One conv per block keeps a Fashion-MNIST epoch under two minutes on one CPU core; one
    extra 128-wide conv at the coarsest scale (cheap there) adds ~1 point of accuracy.
    Pooling to 4x4 (not 1x1) before the feature layer keeps the coarse layout that tells
    a shirt from a coat. Inputs are images in [-1, 1], like the generators'.
    """

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        channels = config.in_channels
        for width in WIDTHS:
            layers += [
                nn.Conv2d(channels, width, 3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.GELU(),
                nn.MaxPool2d(2),
            ]
            channels = width
        layers += [nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.GELU()]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.embed = nn.Sequential(nn.Linear(channels * 16, FEATURE_DIM), nn.GELU())
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(FEATURE_DIM, config.num_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 128) features: the layer FD and KID compare."""
        return self.embed(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, num_classes) logits."""
        return self.head(self.features(x))


def save_classifier(model: DomainClassifier, folder: Path) -> None:
    """Write ``config.json`` + ``model.safetensors`` (never a pickle: weights must be safe to open)."""
    save_model(model, folder)


def load_classifier(folder: Path, device: torch.device | str = "cpu") -> DomainClassifier:
    """The classifier saved in ``folder``, in eval mode on ``device``."""
    return load_model(DomainClassifier, ClassifierConfig, folder, "domain classifier", device)


def kmeans(points: torch.Tensor, k: int, *, seed: int = 0, iterations: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """Deterministic k-means (k-means++ seeding, Lloyd steps): (labels (N,), centroids (k, D))."""
    points = points.to(torch.float64)
    k = min(k, len(points))
    generator = torch.Generator().manual_seed(seed)
    centroids = points[torch.randint(len(points), (1,), generator=generator)]
    while len(centroids) < k:  # k-means++: next centre far from the chosen ones
        weights = torch.cdist(points, centroids).min(dim=1).values ** 2
        pick = torch.multinomial(weights, 1, generator=generator) if weights.sum() > 0 else weights.argmax().view(1)
        centroids = torch.cat([centroids, points[pick]])
    labels = torch.cdist(points, centroids).argmin(dim=1)
    for _ in range(iterations):
        for j in range(k):
            members = points[labels == j]
            if len(members):  # an emptied cluster keeps its centre instead of becoming NaN
                centroids[j] = members.mean(dim=0)
        new_labels = torch.cdist(points, centroids).argmin(dim=1)
        if torch.equal(new_labels, labels):
            break
        labels = new_labels
    return labels, centroids.to(torch.float32)


def pseudo_labels(captions: list[str], k: int = 20, seed: int = 0) -> torch.Tensor:
    """Cluster ids (int64) for captions, from k-means on their MiniLM sentence embeddings.

    Unlabelled sets (emoji, user folders) still need a supervised signal to shape a
    feature extractor; caption clusters ("faces", "flags", "animals", ...) group images
    that should look alike, so predicting them teaches the features the domain's shapes.
    """
    from gencanvas.models.diffusion.text import TextEncoder  # heavy (transformers); only unlabelled data needs it

    embeddings = TextEncoder("cpu").encode(list(captions)).cpu()
    return kmeans(embeddings, k, seed=seed)[0].to(torch.int64)


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate every image by its own random offset up to ``max_shift`` px (edge pixels repeat)."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, mode="replicate")
    dy, dx = (torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)).to(x.device)
    rows = (torch.arange(h, device=x.device) + dy[:, None])[:, :, None]  # (N, H, 1)
    cols = (torch.arange(w, device=x.device) + dx[:, None])[:, None, :]  # (N, 1, W)
    return padded[torch.arange(n, device=x.device)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)


def labels_for(
    train: ImageCaptionDataset, test: ImageCaptionDataset, k: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Real labels when both sets have them, else caption clusters fitted on both at once (same ids).

    The evaluation calls it again to recover the classes a shipped classifier was trained on.
    """
    if train.labels is not None and test.labels is not None:
        count = int(max(train.labels.max(), test.labels.max())) + 1 if len(train) else 0
        names = train.class_names or [str(i) for i in range(count)]
        return train.labels, test.labels, list(names)
    captions = train.captions + test.captions
    labels = pseudo_labels(captions, k=k, seed=seed)
    names = [f"cluster {j}: {captions[int((labels == j).nonzero()[0])]}" for j in range(int(labels.max()) + 1)]
    return labels[: len(train)], labels[len(train) :], names


def _as_input(images: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    return images.to(device=device, dtype=torch.float32) / 127.5 - 1.0


@torch.no_grad()
def accuracy(model: DomainClassifier, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 500) -> float:
    """Share of uint8 ``images`` whose arg-max class is ``labels``."""
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    for start in range(0, len(images), batch_size):
        logits = model(_as_input(images[start : start + batch_size], device))
        correct += int((logits.argmax(1).cpu() == labels[start : start + batch_size]).sum())
    return correct / max(len(images), 1)


def train_classifier(
    train: ImageCaptionDataset,
    test: ImageCaptionDataset,
    *,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    device: torch.device | str = "cpu",
    pseudo_k: int = 20,
) -> tuple[DomainClassifier, float]:
    """Train on ``train`` (AdamW, cosine LR, random shifts); return (model in eval mode, test accuracy).

    Shifts of up to 1/16 of the side teach the features to ignore exact placement, which
    generated images rarely match to the pixel.
    """
    torch.manual_seed(seed)
    train_labels, test_labels, names = labels_for(train, test, pseudo_k, seed)
    config = ClassifierConfig(train.channels, train.size, len(names), names)
    model = DomainClassifier(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    steps_per_epoch = math.ceil(len(train) / batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs * steps_per_epoch, 1))
    generator = torch.Generator().manual_seed(seed)
    max_shift = max(1, train.size // 16)
    progress = tqdm(total=epochs * steps_per_epoch, desc="classifier", unit="batch")
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        for start in range(0, len(train), batch_size):
            picked = order[start : start + batch_size]
            x = random_shift(_as_input(train.images[picked], device), max_shift, generator)
            loss = F.cross_entropy(model(x), train_labels[picked].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            progress.update()
            progress.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
    progress.close()
    test_accuracy = accuracy(model, test.images, test_labels)
    model.config.test_accuracy = test_accuracy
    return model.eval(), test_accuracy
