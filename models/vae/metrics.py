"""Numbers for the model card: reconstruction error, KL and sample quality on held-out images.

Reconstructions decode the posterior mean (what the plugin shows for an encoded canvas),
so MSE/PSNR measure what an artist sees, not a noisy sample of it. FD compares prior
samples with real images on the shipped domain classifier where one exists for the data, beside
the FD of the held-out images' own reconstructions: no prior can draw better than its decoder
reconstructs, so that figure says whether a poor prior FD is the prior's fault or the decoder's.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.vae.network import ConvVAE


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


@torch.no_grad()
def reconstruction_metrics(
    model: ConvVAE, images: torch.Tensor, batch_size: int = 256, reconstructed: torch.Tensor | None = None
) -> dict[str, float]:
    """MSE and PSNR (pixels in [0, 1], after 8-bit rounding), mean KL and negative ELBO per image.

    ``reconstructed``: the images' :func:`reconstructions` when the caller has them already (refining
    encodings costs decoder passes, so the card computes them once for PSNR and FD alike).
    """
    model.eval()
    if reconstructed is None:
        reconstructed = reconstructions(model, images, batch_size)
    squared = float(((reconstructed.float() - images.float()) / 255).pow(2).mean(dim=(1, 2, 3)).sum())
    device = next(model.parameters()).device
    kl_sum, elbo_sum = 0.0, 0.0
    generator = torch.Generator(device).manual_seed(0)
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].to(device).float() / 127.5 - 1
        terms = model.loss(batch, generator)
        kl_sum += float(terms["kl"]) * len(batch)
        elbo_sum += float(terms["reconstruction"] + terms["kl"]) * len(batch)
    n = len(images)
    mse = squared / n
    return {
        "mse": mse,
        "psnr_db": 10 * math.log10(1 / max(mse, 1e-12)),
        "kl": kl_sum / n,
        "neg_elbo": elbo_sum / n,
        "n": n,
    }


@torch.no_grad()
def prior_samples(model: ConvVAE, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` decodes of latents drawn from the model's prior (N(0, I) or its fitted mixture) as uint8 (N, C, H, W)."""
    device = next(model.parameters()).device
    z = model.prior.sample(n, torch.Generator().manual_seed(seed)).to(device)
    return torch.cat([to_uint8(model.decode(chunk)) for chunk in z.split(256)])


@torch.no_grad()
def reconstructions(model: ConvVAE, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """uint8 (N, C, H, W) images → their posterior-mean reconstructions, uint8."""
    device = next(model.parameters()).device
    return torch.cat([to_uint8(model.reconstruct(b.to(device).float() / 127.5 - 1)) for b in images.split(batch_size)])


def sample_fd(
    model: ConvVAE,
    real: torch.Tensor,
    classifier_folder: Path,
    seed: int = 0,
    train: torch.Tensor | None = None,
    reconstructed: torch.Tensor | None = None,
) -> dict[str, Any] | None:
    """FD of prior samples vs ``real`` on the domain classifier, beside the noise ceiling and, given as many
    ``train`` images, the real-vs-real floor (FD is biased by n, so only same-n numbers compare); None if unusable.
    ``reconstructed``: ``real``'s :func:`reconstructions` if already made."""
    from gencanvas.models.evaluation import extract_features, frechet_distance, load_classifier

    if not (classifier_folder / "model.safetensors").exists():
        return None
    classifier = load_classifier(classifier_folder)
    c, m = classifier.config, model.config
    if (c.in_channels, c.image_size) != (m.channels, m.image_size):
        return None
    real_features = extract_features(classifier, real)[0]
    fake_features = extract_features(classifier, prior_samples(model, len(real), seed))[0]
    noise = torch.randint(0, 256, tuple(real.shape), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)
    result: dict[str, Any] = {
        "fd_samples": frechet_distance(fake_features, real_features),
        "fd_reconstructions": frechet_distance(
            extract_features(classifier, reconstructions(model, real) if reconstructed is None else reconstructed)[0],
            real_features,
        ),
        "fd_noise": frechet_distance(extract_features(classifier, noise)[0], real_features),
        "fd_n": len(real),
        "classifier": classifier_folder.name,
    }
    if train is not None:
        # A random draw: folder and emoji sets are sorted by name, so their first images are not typical.
        pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[: len(real)]
        result["fd_floor"] = frechet_distance(extract_features(classifier, train[pick])[0], real_features)
    return result


def card_metrics(
    model: ConvVAE, train: ImageCaptionDataset, test_images: torch.Tensor, classifier: Path | None, seed: int = 0
) -> dict[str, Any]:
    """Everything the card reports, for the export and for a refitted prior alike: held-out reconstruction, the
    same on as many training images (the gap shows memorisation) and, with a classifier, prior-sample FD."""
    reconstructed = reconstructions(model, test_images)  # once: refined encodings cost decoder passes
    metrics: dict[str, Any] = reconstruction_metrics(model, test_images, reconstructed=reconstructed)
    floor = train.subset(len(test_images), seed).images
    metrics["train_psnr_db"] = reconstruction_metrics(model, floor)["psnr_db"]
    if classifier is not None:
        metrics |= sample_fd(model, test_images, classifier, seed, train=floor, reconstructed=reconstructed) or {}
    return metrics


def describe(metrics: dict[str, float]) -> str:
    """The metrics as card lines."""
    lines = [
        f"- Reconstruction (posterior mean, n={metrics['n']}): MSE {metrics['mse']:.4f}, "
        f"PSNR {metrics['psnr_db']:.2f} dB"
        + (f" (as many training images: {metrics['train_psnr_db']:.2f} dB)" if "train_psnr_db" in metrics else ""),
        f"- KL to the prior: {metrics['kl']:.2f} nats/image; "
        f"negative ELBO (β = 1): {metrics['neg_elbo']:.1f} nats/image",
    ]
    if "fd_samples" in metrics:
        lines.append(
            f"- FD of {metrics['fd_n']} prior samples vs held-out images on the `{metrics['classifier']}` classifier: "
            f"{metrics['fd_samples']:.2f} (real training images: {metrics.get('fd_floor', float('nan')):.2f}, "
            f"uniform noise: {metrics['fd_noise']:.2f}; lower is better)"
        )
    if "fd_reconstructions" in metrics:
        lines.append(
            f"- FD of the same held-out images' reconstructions: {metrics['fd_reconstructions']:.2f} (what a perfect "
            "prior would reach with this decoder)"
        )
    return "\n".join(lines)


def as_json_ready(metrics: dict) -> dict:
    return {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in metrics.items()}
