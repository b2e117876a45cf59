"""A small StyleGAN2-like generator: mapping z→w, modulated convolutions, noise, mixing, truncation."""
