"""Fitting a trained VAE's sampling prior to where its training images land in latent space.

Used by the trainer at export (``--prior-components``) and by ``python -m
gencanvas.models.vae.fit_prior`` for a model already trained; see
:mod:`gencanvas.models.vae.prior` for why.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from gencanvas.models.vae.network import ConvVAE


def posterior_means(model: ConvVAE, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Posterior means of uint8 images (N, C, H, W): where the training set lives in latent space."""
    device = next(model.parameters()).device
    chunks = [model.posterior_mean(batch.to(device).float() / 127.5 - 1).cpu() for batch in images.split(batch_size)]
    return torch.cat(chunks)


def with_fitted_prior(model: ConvVAE, images: torch.Tensor, components: int, seed: int = 0) -> ConvVAE:
    """A copy of ``model`` whose prior is a ``components``-Gaussian mixture fitted to ``images``' encodings."""
    fitted = ConvVAE(replace(model.config, prior_components=components))
    weights = {k: v for k, v in model.state_dict().items() if not k.startswith("prior.")}
    fitted.load_state_dict(weights, strict=False)
    fitted = fitted.to(next(model.parameters()).device).eval()
    if components:
        fitted.prior.fit(posterior_means(fitted, images), seed)
    return fitted
