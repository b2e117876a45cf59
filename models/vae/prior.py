"""The VAE's sampling prior: N(0, I), or a Gaussian mixture fitted to the encoded training set.

A β-VAE trained for sharp reconstructions (small β) leaves its aggregate posterior -- where
real images land in latent space -- far from N(0, I), so decodes of N(0, I) samples fall
between garments and look like blobs. Ghosh et al. (2020, "From variational to deterministic
autoencoders") fit a density to the encoded training set after training ("ex-post density
estimation") and sample from that instead; a Gaussian mixture with full covariances is what
they found best. The mixture lives in the model (buffers saved in ``model.safetensors``,
its size in ``config.json``), so every consumer -- the plugins, the evaluation, the sample
sheet -- draws from the same prior. Fitting uses scikit-learn at training time only.
"""

from __future__ import annotations

import torch
from torch import nn


class LatentPrior(nn.Module):
    """A mixture of ``components`` full-covariance Gaussians in ``latent_dim`` dimensions; 0 components is N(0, I)."""

    log_weights: torch.Tensor  # (K,) buffers, present only with a mixture
    means: torch.Tensor  # (K, D)
    scale_tril: torch.Tensor  # (K, D, D) Cholesky factors of the covariances

    def __init__(self, latent_dim: int, components: int) -> None:
        super().__init__()
        self.latent_dim, self.components = latent_dim, components
        if components:
            self.register_buffer("log_weights", torch.full((components,), -float(torch.log(torch.tensor(components)))))
            self.register_buffer("means", torch.zeros(components, latent_dim))
            self.register_buffer("scale_tril", torch.eye(latent_dim).repeat(components, 1, 1))

    def sample(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        """``n`` latents (on the CPU, from ``generator``): the same seed gives the same latents on every device.

        With no mixture this is ``randn * temperature`` exactly, so images made before a prior
        existed keep their seeds. ``temperature`` scales the spread around each component's mean.
        """
        noise = torch.randn(n, self.latent_dim, generator=generator)
        if not self.components:
            return noise * temperature
        picked = torch.multinomial(self.log_weights.cpu().exp(), n, replacement=True, generator=generator)
        spread = torch.einsum("nij,nj->ni", self.scale_tril.cpu()[picked], noise)
        return self.means.cpu()[picked] + temperature * spread

    def mean(self) -> torch.Tensor:
        """The prior's centre (the origin for N(0, I)), on the CPU."""
        if not self.components:
            return torch.zeros(self.latent_dim)
        return (self.log_weights.cpu().exp()[:, None] * self.means.cpu()).sum(0)

    def spread(self) -> torch.Tensor:
        """Cholesky factor (D, D) of the prior's overall covariance (the identity for N(0, I)), on the CPU.

        The latent grid maps its axes through it, so a step of one "standard deviation" follows
        the data's own spread instead of an isotropic ball the mixture does not fill.
        """
        if not self.components:
            return torch.eye(self.latent_dim)
        weights, means = self.log_weights.cpu().exp(), self.means.cpu()
        tril = self.scale_tril.cpu()
        second = torch.einsum("k,kij->ij", weights, tril @ tril.transpose(1, 2) + means[:, :, None] * means[:, None, :])
        centre = self.mean()
        covariance = second - torch.outer(centre, centre)
        return torch.linalg.cholesky(covariance + 1e-6 * torch.eye(self.latent_dim))

    @torch.no_grad()
    def fit(self, latents: torch.Tensor, seed: int = 0) -> None:
        """Fit the mixture to ``latents`` (N, latent_dim): the posterior means of the training images."""
        from sklearn.mixture import GaussianMixture

        mixture = GaussianMixture(self.components, covariance_type="full", random_state=seed, max_iter=300)
        mixture.fit(latents.double().cpu().numpy())
        self.log_weights.copy_(torch.from_numpy(mixture.weights_).log())
        self.means.copy_(torch.from_numpy(mixture.means_))
        self.scale_tril.copy_(torch.linalg.cholesky(torch.from_numpy(mixture.covariances_)))
