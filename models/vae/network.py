"""The convolutional VAE: stride-2 conv encoder → (mu, logvar), transposed-conv decoder → image.

Pixels are in [-1, 1] like the rest of GenCanvas; the decoder produces per-pixel logits and
the likelihood is Bernoulli on (x + 1) / 2 (binary cross-entropy), which keeps Fashion-MNIST
and emoji edges crisper than a fixed-variance Gaussian (MSE) at the same β.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.prior import LatentPrior


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class ConvVAE(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        widths, bottom = config.widths, config.bottom
        layers: list[nn.Module] = []
        previous = config.channels
        for width in widths:
            layers += [nn.Conv2d(previous, width, 4, stride=2, padding=1), _norm(width), nn.SiLU()]
            previous = width
        self.encoder = nn.Sequential(*layers, nn.Flatten())
        flat = widths[-1] * bottom * bottom
        self.to_stats = nn.Linear(flat, 2 * config.latent_dim)
        self.from_latent = nn.Linear(config.latent_dim, flat)
        layers = [nn.Unflatten(1, (widths[-1], bottom, bottom))]
        for width, following in zip(widths[::-1], [*widths[::-1][1:], None], strict=False):
            if following is None:
                layers.append(nn.ConvTranspose2d(width, config.channels, 4, stride=2, padding=1))
            else:
                layers += [nn.SiLU(), nn.ConvTranspose2d(width, following, 4, stride=2, padding=1), _norm(following)]
        self.decoder = nn.Sequential(*layers)
        self.prior = LatentPrior(config.latent_dim, config.prior_components)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (N, C, H, W) in [-1, 1] → posterior mean and log-variance, each (N, latent_dim)."""
        mu, logvar = self.to_stats(self.encoder(images)).chunk(2, dim=1)
        return mu, logvar.clamp(-30, 20)

    def decode_logits(self, latents: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.from_latent(latents))

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Latents (N, latent_dim) → images (N, C, H, W) in [-1, 1] (the Bernoulli mean)."""
        return torch.sigmoid(self.decode_logits(latents)) * 2 - 1

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Decode the posterior mean: the deterministic reconstruction the plugin's first frame shows."""
        return self.decode(self.encode(images)[0])

    def loss(
        self, images: torch.Tensor, generator: torch.Generator | None = None, beta: float | None = None
    ) -> dict[str, torch.Tensor]:
        """Negative ELBO with weight β on the KL term, per image (sums over pixels and latent dims).

        ``beta`` overrides the configured β (the training loop ramps it up from 0 at the start).
        """
        mu, logvar = self.encode(images)
        noise = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        latents = mu + noise * torch.exp(0.5 * logvar)
        logits = self.decode_logits(latents)
        target = (images + 1) / 2
        reconstruction = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(images)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / len(images)
        return {
            "loss": reconstruction + (self.config.beta if beta is None else beta) * kl,
            "reconstruction": reconstruction,
            "kl": kl,
        }
