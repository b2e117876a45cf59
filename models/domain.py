"""What a shipped model knows, and whether a picture belongs to it: for honest plugins.

Every own model is trained on one small domain (64-px emoji glyphs, 32-px Fashion-MNIST
garments). The app says so under each plugin's title (:func:`model_summary`, from the
model's config.json: plain json, no torch), and warns when a canvas is far from that
domain (:func:`off_domain_message`). The domain is the model folder's name without its
family prefix ("vae-emoji" → "emoji"); its classifier folder ("emoji-classifier") holds
``domain.json``: per-pixel statistics of the training images and the score 99 % of the
held-out images stay below. (The classifier's top-class confidence was tried first and
cannot tell: the bundled astronaut photo gets 0.55 from the emoji classifier, above what
5 % of real emoji get; the pixel statistics put it 10× beyond the threshold.)
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

FAMILY_PREFIXES = ("vae-", "stylegan-", "pix2pix-")
DOMAINS = {  # domain → what an artist should read
    "emoji": "emoji glyphs from Noto Color Emoji, centred on white",
    "emoji-faces": "emoji faces (Unicode's face smileys) from Noto Color Emoji, centred on white",
    "fashion": "Fashion-MNIST garments and shoes, greyscale on black",
}
MEASURED_BY = {"emoji-faces": "emoji"}  # a narrower domain → the domain whose classifier and statistics it uses
DOMAIN_FILE = "domain.json"  # beside the domain classifier: per-pixel statistics of the training images
THUMB = 16  # side of the thumbnails compared: layout and colour, not detail
SPREAD_FLOOR = 0.05
THRESHOLD_QUANTILE = 0.99  # held-out images of the domain scoring below the threshold


def domain_of(folder: Path) -> str:
    """ "vae-emoji" → "emoji"; a diffusion folder is named after its domain already."""
    name = Path(folder).name
    for prefix in FAMILY_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@functools.cache
def _config(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def known_captions(folder: Path) -> list[str]:
    """The prompts a text-conditioned model was trained on (its config's ``captions``), else []."""
    captions = _config(Path(folder)).get("captions")
    return [str(c) for c in captions] if isinstance(captions, list) else []


def model_summary(folder: Path) -> str | None:
    """ "Knows: emoji glyphs … · 64×64 RGB · 1,886 prompts" from config.json; None if the model is absent."""
    config = _config(Path(folder))
    if not config:
        return None
    domain = domain_of(folder)
    size = config.get("image_size")
    # Image channels: StyleGAN's "channels" is its feature maps per resolution, so "channels_out" comes first.
    channels = next(
        (config[k] for k in ("channels_out", "out_channels", "channels") if isinstance(config.get(k), int)), None
    )
    parts = [f"Knows: {DOMAINS.get(domain, domain)}"]
    if size:
        parts.append(f"{size}×{size} {'greyscale' if channels == 1 else 'RGB'}")
    captions, classes = known_captions(folder), config.get("class_names")
    if captions:
        parts.append(f"{len(captions):,} known prompts")
    elif isinstance(classes, list) and classes:
        parts.append(f"{len(classes)} classes")
    elif config.get("kind") in ("vae", "stylegan"):
        parts.append("no prompts or classes (draws from a learned latent space)")
    return " · ".join(parts)


def classifier_folder(model_folder: Path) -> Path:
    """Where the domain's classifier and its ``domain.json`` live: ``<weights>/<domain>-classifier``.

    A narrower domain (emoji faces) has too few images to train a classifier of its own and uses its
    parent's: a photo is as far from emoji faces as from emoji.
    """
    domain = domain_of(model_folder)
    return Path(model_folder).parent / f"{MEASURED_BY.get(domain, domain)}-classifier"


def _thumbnail(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W, C) → float (N, 16, 16, C) in [0, 1] by block averaging (sides divisible by 16)."""
    n, h, w, c = images.shape
    if h % THUMB or w % THUMB:
        raise ValueError(f"{h}x{w} images do not block-average to {THUMB}x{THUMB}")
    blocks = images.reshape(n, THUMB, h // THUMB, THUMB, w // THUMB, c).astype(np.float64) / 255
    return blocks.mean(axis=(2, 4))


def _fit_to(pixels: np.ndarray, size: int, channels: int) -> np.ndarray:
    """uint8 (H, W, 1 or 3) → (size, size, channels): box-resized and grey/colour matched to the domain."""
    from PIL import Image

    mode = "L" if pixels.shape[2] == 1 else "RGB"
    image = Image.fromarray(pixels[..., 0] if mode == "L" else pixels[..., :3], mode)
    image = image.convert("L" if channels == 1 else "RGB")
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BOX)
    return np.asarray(image, dtype=np.uint8).reshape(size, size, channels)


def pixel_scores(stats: dict[str, Any], images: np.ndarray) -> np.ndarray:
    """Mean squared z-score of each (N, H, W, C) uint8 image's 16×16 thumbnail under the domain's per-pixel
    mean and spread: about 1 for an image of the domain, far more for a photo where glyphs have white."""
    mean, spread = np.asarray(stats["mean"]), np.asarray(stats["std"])
    return (((_thumbnail(images) - mean) / spread) ** 2).mean(axis=(1, 2, 3))


@functools.cache
def _stats(folder: Path) -> dict[str, Any] | None:
    try:
        stats = json.loads((folder / DOMAIN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stats if isinstance(stats, dict) else None


def off_domain_message(model_folder: Path, pixels: np.ndarray, where: str = "The canvas") -> str | None:
    """A notice when ``pixels`` (uint8 H, W, C) lie further from the model's domain than 99 % of its own
    held-out images (the ``threshold`` in the domain's ``domain.json``); None when in the domain or unknown."""
    stats = _stats(classifier_folder(model_folder))
    if stats is None:
        return None
    size, channels = int(stats["size"]), int(stats["channels"])
    score = float(pixel_scores(stats, _fit_to(pixels, size, channels)[None])[0])
    if score <= stats["threshold"]:
        return None
    domain = domain_of(model_folder)
    return (
        f"{where} looks unlike anything the {domain} model knows ({DOMAINS.get(domain, domain)}): it is "
        f"{score / stats['threshold']:.0f}× further from its training images than nearly all of its own test "
        "images, so expect noise. For photos use Inpaint (classical) or a Stable Diffusion checkpoint."
    )


def fit_domain_stats(train: np.ndarray, test: np.ndarray) -> dict[str, Any]:
    """Per-pixel mean/spread of the training thumbnails and the score 99 % of ``test`` images stay below.

    (N, H, W, C) uint8. The spread gets a floor of 0.05 so pixels that are always white in the
    training set (glyph backgrounds) do not make a faint shadow look alien.
    """
    thumbs = _thumbnail(train)
    stats: dict[str, Any] = {
        "size": int(train.shape[1]),
        "channels": int(train.shape[3]),
        "mean": thumbs.mean(axis=0).round(5).tolist(),
        "std": (thumbs.std(axis=0) + SPREAD_FLOOR).round(5).tolist(),
    }
    stats["threshold"] = float(np.quantile(pixel_scores(stats, test), THRESHOLD_QUANTILE))
    stats["quantile"] = THRESHOLD_QUANTILE
    return stats


def write_domain_stats(folder: Path, data: str) -> float:
    """Fit :func:`fit_domain_stats` on ``data`` at the classifier's size and write ``domain.json`` into ``folder``.

    ``python -m gencanvas.models.domain CLASSIFIER_FOLDER DATA`` (the classifier CLI does it after training).
    """
    from gencanvas.models.data.splits import split_data

    config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    train, test, _ = split_data(data, size=int(config["image_size"]), limit=None)
    stats = fit_domain_stats(*(d.images.permute(0, 2, 3, 1).numpy() for d in (train, test)))
    stats["data"] = data
    (Path(folder) / DOMAIN_FILE).write_text(json.dumps(stats), encoding="utf-8")
    _stats.cache_clear()
    return float(stats["threshold"])


if __name__ == "__main__":
    import sys

    print(f"domain threshold {write_domain_stats(Path(sys.argv[1]), sys.argv[2]):.3f}")
