"""Training data for the generators: Fashion-MNIST, emoji glyphs and user image folders.

Every loader returns an in-memory :class:`ImageCaptionDataset`, and a source that is
not installed raises :class:`DataSourceMissing` with the command that installs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from gencanvas.models.data.dataset import DataSourceMissing, ImageCaptionDataset
from gencanvas.models.data.emoji_glyphs import DEFAULT_EMOJI_FONT, load_emoji
from gencanvas.models.data.fashion_mnist import (
    DEFAULT_FASHION_ROOT,
    FASHION_CLASSES,
    load_fashion_mnist,
)
from gencanvas.models.data.folder import load_image_folder

# Where each bundled source comes from and under which licence (quoted in model cards).
LICENCES = {
    "fashion-mnist": "Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017), © Zalando SE, MIT licence",
    "emoji": "glyphs of Noto Color Emoji (Google), SIL Open Font License 1.1",
}


def licence_of(source: str) -> str:
    """Licence line for a source name or a dataset name derived from it ("fashion-mnist-train")."""
    return next(
        (text for key, text in LICENCES.items() if source.startswith(key)), "your own images; their licence applies"
    )


__all__ = [
    "DEFAULT_EMOJI_FONT",
    "DEFAULT_FASHION_ROOT",
    "FASHION_CLASSES",
    "LICENCES",
    "DataSourceMissing",
    "ImageCaptionDataset",
    "licence_of",
    "load_dataset",
    "load_emoji",
    "load_fashion_mnist",
    "load_image_folder",
]


def load_dataset(
    source: str,
    *,
    split: Literal["train", "test"] = "train",
    size: int | None = None,
    limit: int | None = None,
) -> ImageCaptionDataset:
    """Load a dataset by the name a CLI flag or settings field holds.

    ``"fashion-mnist"`` (default size 32, honours ``split``), ``"emoji"`` (default 64),
    ``"emoji-faces"`` (its smileys, see :func:`~gencanvas.models.data.emoji_groups.faces_only`) or
    a path to an image folder (default 64). ``split`` only applies to Fashion-MNIST.
    """
    if source == "fashion-mnist":
        return load_fashion_mnist(split, size=32 if size is None else size, limit=limit)
    if source == "emoji":
        return load_emoji(size=64 if size is None else size, limit=limit)
    if source == "emoji-faces":
        from gencanvas.models.data.emoji_groups import faces_only

        return faces_only(load_emoji(size=64 if size is None else size), limit)
    folder = Path(source).expanduser()
    if not folder.is_dir():
        raise DataSourceMissing(
            f"Unknown data source {source!r}: expected 'fashion-mnist', 'emoji', 'emoji-faces' or the path of an "
            "existing image folder"
        )
    return load_image_folder(folder, size=64 if size is None else size, limit=limit)
