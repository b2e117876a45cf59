"""Colour emoji glyphs rasterised from the Noto Color Emoji font, captioned with their names.

About 1.9k distinct, captioned, centred RGB icons make a small text-to-image set that
trains in minutes yet has real colour and shape variety. Rendering them takes seconds,
so the result is cached as ``.npz`` per output size.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from pathlib import Path
from typing import IO

import emoji
import numpy as np
import platformdirs
import torch
from PIL import Image, ImageDraw, ImageFont

from gencanvas.atomic import write_atomically
from gencanvas.models.data.dataset import DataSourceMissing, ImageCaptionDataset

log = logging.getLogger(__name__)

DEFAULT_EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
EMOJI_INSTALL = "sudo apt-get install fonts-noto-color-emoji"
RENDER_SIZE = 109  # the one bitmap strike size a CBDT font such as Noto Color Emoji has
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_FLAG_PARTS = (range(0x1F1E6, 0x1F200), range(0xE0020, 0xE0080))  # regional indicators, tag letters
_ABSENT = "\U0010fffd"  # a private-use code point no emoji font maps: renders as its tofu
_REFERENCE = "\U0001f600"  # grinning face: sets the single-glyph advance and cell size


def emoji_candidates() -> list[str]:
    """Fully-qualified emoji without skin-tone variants, in ``emoji.EMOJI_DATA`` order.

    Unqualified/minimally-qualified entries draw the same glyph as their fully-qualified
    twin and skin tones repeat a shape in five colours; both would only inflate the set.
    """
    fully_qualified = emoji.STATUS["fully_qualified"]
    return [
        e
        for e, data in emoji.EMOJI_DATA.items()
        if data["status"] == fully_qualified and not any(ord(c) in _SKIN_TONES for c in e)
    ]


def caption_for(glyph: str) -> str:
    """Readable caption from the English name: ':grinning_face:' -> 'grinning face'.

    Flag names are bare country names (':Japan:'), so they get a 'flag' prefix; otherwise
    a model would learn that 'Japan' means a rectangle of colours.
    """
    caption = emoji.EMOJI_DATA[glyph]["en"].strip(":").replace("_", " ")
    if any(ord(c) in part for c in glyph for part in _FLAG_PARTS):
        caption = f"flag {caption}"
    return caption


def default_cache_dir() -> Path:
    """Per-user cache folder; ``GENCANVAS_HOME`` relocates it like the app's other folders."""
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "cache" if home else Path(platformdirs.user_cache_dir("GenCanvas", appauthor=False))


class _GlyphRenderer:
    """Draws one emoji centred on white, or says the font does not have it."""

    def __init__(self, font_path: Path) -> None:
        try:
            self.font = ImageFont.truetype(str(font_path), RENDER_SIZE)
        except OSError as exc:
            raise ValueError(f"{font_path} is not a usable emoji font at {RENDER_SIZE} px: {exc}") from exc
        self.advance = self.font.getlength(_REFERENCE)
        left, top, right, bottom = self._bbox(_REFERENCE)
        self.cell = max(right - left, bottom - top)  # one square canvas keeps all glyphs at one scale
        self.tofu = self._draw(_ABSENT)

    def _bbox(self, glyph: str) -> tuple[int, int, int, int]:
        """The glyph's box in whole pixels (FreeType returns ints; Pillow annotates floats)."""
        left, top, right, bottom = self.font.getbbox(glyph)
        return int(left), int(top), int(right), int(bottom)

    def _draw(self, glyph: str) -> Image.Image | None:
        """The glyph's inked pixels as RGBA, cropped to their bounds; None if nothing is drawn."""
        left, top, right, bottom = self._bbox(glyph)
        if right <= left or bottom <= top:
            return None
        canvas = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((-left, -top), glyph, font=self.font, embedded_color=True)
        ink = canvas.getbbox()
        return canvas.crop(ink) if ink else None

    def render(self, glyph: str) -> Image.Image | None:
        """RGB ``cell`` x ``cell`` image, or None when the font lacks the glyph.

        A sequence the font cannot ligate is laid out as several glyphs (wider than one
        advance); a missing code point draws nothing or the tofu box.
        """
        if abs(self.font.getlength(glyph) - self.advance) > 1:
            return None
        ink = self._draw(glyph)
        if ink is None or (self.tofu is not None and ink.tobytes() == self.tofu.tobytes()):
            return None
        side = max(self.cell, *ink.size)
        page = Image.new("RGBA", (side, side), (255, 255, 255, 255))
        page.alpha_composite(ink, dest=((side - ink.width) // 2, (side - ink.height) // 2))
        return page.convert("RGB")


def rasterise_emoji(font_path: Path, size: int, limit: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Render the font's emoji as (N, 3, size, size) uint8 plus captions; first ``limit`` only.

    Glyphs whose pixels repeat an earlier one are dropped so the set holds distinct images.
    """
    renderer = _GlyphRenderer(font_path)
    images: list[np.ndarray] = []
    captions: list[str] = []
    seen: set[bytes] = set()
    for glyph in emoji_candidates():
        if limit is not None and len(images) >= limit:
            break
        page = renderer.render(glyph)
        if page is None:
            continue
        digest = hashlib.blake2b(page.tobytes(), digest_size=16).digest()
        if digest in seen:
            continue
        seen.add(digest)
        if page.width != size:
            page = page.resize((size, size), Image.Resampling.LANCZOS)
        images.append(np.asarray(page).transpose(2, 0, 1))
        captions.append(caption_for(glyph))
    if not images:
        return np.zeros((0, 3, size, size), dtype=np.uint8), []
    return np.stack(images), captions


def _cache_key(font_path: Path, size: int) -> str:
    """What the cached pixels depend on: a changed font, size or emoji table invalidates them."""
    stat = font_path.stat()
    return json.dumps(
        {
            "font": str(font_path.resolve()),
            "mtime_ns": stat.st_mtime_ns,
            "bytes": stat.st_size,
            "size": size,
            "emoji": emoji.__version__,
        }
    )


def _read_cache(path: Path, key: str) -> tuple[np.ndarray, list[str], bool] | None:
    """Cached (images, captions, complete) if the file exists and matches ``key``."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as cache:
            if str(cache["key"]) != key:
                return None
            return cache["images"], cache["captions"].tolist(), bool(cache["complete"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("Ignoring unreadable emoji cache %s: %s", path, exc)
        return None


def _write_cache(path: Path, key: str, images: np.ndarray, captions: list[str], complete: bool) -> None:
    """Write atomically (temp file + rename) so a crash never leaves a half-written cache."""

    def write(stream: IO[bytes]) -> None:
        np.savez(
            stream,
            images=images,
            captions=np.array(captions, dtype=str),
            key=np.array(key),
            complete=np.array(complete),
        )

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, write)
    except OSError as exc:
        log.warning("Could not write emoji cache %s: %s", path, exc)


def load_emoji(
    *,
    size: int = 64,
    limit: int | None = None,
    font_path: Path = DEFAULT_EMOJI_FONT,
    cache_dir: Path | None = None,
) -> ImageCaptionDataset:
    """Every emoji the font contains as RGB ``size`` images captioned with its name.

    With ``limit`` only the first N are rasterised (fast first call); a cache holding at
    least that many, or all of them, is reused instead of rendering again.
    """
    if size < 1 or (limit is not None and limit < 0):
        raise ValueError(f"size must be >= 1 and limit >= 0, got size={size}, limit={limit}")
    font_path = Path(font_path)
    if not font_path.is_file():
        raise DataSourceMissing(f"Emoji font not found at {font_path}. Install it with: {EMOJI_INSTALL}")
    cache_file = Path(cache_dir or default_cache_dir()) / f"emoji-{size}.npz"
    key = _cache_key(font_path, size)
    cached = _read_cache(cache_file, key)
    if cached is not None and (cached[2] or (limit is not None and len(cached[1]) >= limit)):
        images, captions = cached[0][:limit], cached[1][:limit]
    else:
        images, captions = rasterise_emoji(font_path, size, limit)
        if limit != 0 and not captions:
            raise ValueError(f"{font_path} contains none of the {len(emoji_candidates())} known emoji")
        _write_cache(cache_file, key, images, captions, complete=limit is None or len(captions) < limit)
    return ImageCaptionDataset(images=torch.from_numpy(np.ascontiguousarray(images)), captions=captions, name="emoji")
