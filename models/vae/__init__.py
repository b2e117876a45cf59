"""Convolutional VAE: encode images to a small latent, decode latents, walk between them."""
