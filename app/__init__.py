"""GenCanvas: an offline desktop studio for generative image editing."""

__version__ = "0.1.0"
