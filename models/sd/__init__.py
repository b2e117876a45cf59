"""Bring-your-own Stable Diffusion: recognising, loading and sampling user checkpoints offline."""
