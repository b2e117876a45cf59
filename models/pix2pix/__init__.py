"""Sketch-to-photo translation (pix2pix): U-Net generator, PatchGAN critic, synthetic sketch pairs.

Training pairs are made here from ordinary images (Canny or XDoG "pencil" edges with random
stroke thickness), so any photo folder becomes a training set with the same command.
"""

from gencanvas.models.pix2pix.config import Pix2PixConfig
from gencanvas.models.pix2pix.files import load_generator, save_generator
from gencanvas.models.pix2pix.network import PatchDiscriminator, UNetGenerator

__all__ = ["PatchDiscriminator", "Pix2PixConfig", "UNetGenerator", "load_generator", "save_generator"]
