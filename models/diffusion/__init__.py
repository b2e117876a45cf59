"""Text-conditional pixel-space diffusion: config, network, text encoder, sampling, files."""
