"""Loading and saving images without surprises.

Artists drop anything on the canvas: phone photos lying on their side, CMYK print files,
16-bit scans, half-downloaded PNGs. Every load ends either in a straight-alpha RGBA
uint8 array or in an ``ImageLoadError`` whose message names the file and says what is
wrong. Saves are atomic, so a failed save never costs the artist the file already there.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from gencanvas.atomic import write_atomically
from gencanvas.core.metadata import GenerationMetadata, encode_user_comment

MAX_PIXELS = 50_000_000  # larger images are refused; read at call time so it can be configured
SUPPORTED_SAVE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
OPEN_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"

PNG_SUMMARY_KEY = "parameters"  # the chunk A1111, ComfyUI and viewers read
PNG_METADATA_KEY = "gencanvas"
EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_SUB_IFD = 0x8769
EXIF_USER_COMMENT = 0x9286
_MAX_EXIF_BYTES = 65_000  # a JPEG APP1 segment holds at most 64 KiB
_SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
# Raster formats only: EPS and friends would hand the file to Ghostscript.
_OPEN_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "AVIF", "BMP", "DIB", "TIFF", "GIF", "ICO", "TGA", "PPM", "PSD")


class ImageLoadError(Exception):
    """An image could not be opened; ``str()`` is a sentence for the artist naming the file."""


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image: upright, 8-bit, straight (not premultiplied) alpha."""

    rgba: np.ndarray  # (H, W, 4) uint8
    has_alpha: bool  # True when any pixel is not fully opaque
    metadata: GenerationMetadata | None
    source: str

    @property
    def rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 composited over white, which is what plugins take as input."""
        return flatten_on_white(self.rgba)


def flatten_on_white(rgba: np.ndarray) -> np.ndarray:
    """Composite straight-alpha RGBA over white; transparent areas become paper, not black."""
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    mixed = rgba[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return np.rint(mixed).astype(np.uint8)


def load_image(path: str | os.PathLike[str]) -> LoadedImage:
    """Open an image file; raise ``ImageLoadError`` with a readable reason on any failure."""
    label = file_label(path)
    with open_for_reading(path, label) as file:
        if os.fstat(file.fileno()).st_size == 0:
            raise ImageLoadError(f"{label} is empty (0 bytes), so there is no image to open.")
        return _decode(file, label, source=os.fspath(path))


def load_image_bytes(data: bytes, source: str = "clipboard") -> LoadedImage:
    """Decode an image held in memory (clipboard, drag and drop from a browser)."""
    label = f"The image from {source}"
    if not data:
        raise ImageLoadError(f"{label} is empty, so there is no image to open.")
    return _decode(io.BytesIO(data), label, source=source)


def check_size(width: int, height: int, label: str) -> None:
    """The one image-size limit for every way in (file, paste, drop, project layer), one message."""
    if width * height > MAX_PIXELS:
        raise ImageLoadError(f"{label} is too large ({width}×{height}); the limit is {_megapixels(MAX_PIXELS)}.")


def load_mask(path: str | os.PathLike[str]) -> np.ndarray:
    """A mask file as bool (H, W): True where painted at all (see :func:`load_mask_alpha`)."""
    return load_mask_alpha(path) > 0


def load_mask_alpha(path: str | os.PathLike[str]) -> np.ndarray:
    """A mask file's coverage, float32 (H, W) in [0, 1]: grey levels are partial coverage.

    Coverage is the alpha channel when the image has transparency (a white stroke on a
    transparent background paints only the stroke: transparent pixels are unpainted,
    whatever colour they hold), else the grey level (white on black). This is the rule
    the canvas's mask layer follows, so the CLI and the window hand plugins the same
    ``mask_alpha``.
    """
    return mask_alpha_from_rgba(load_image(path).rgba)


def mask_alpha_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """See :func:`load_mask_alpha`: alpha where the image has transparency, else the grey level."""
    alpha = rgba[..., 3]
    if (alpha < 255).any():
        return alpha.astype(np.float32) / 255
    return np.rint(rgba[..., :3].mean(axis=2)).astype(np.float32) / 255


def read_metadata(path: str | os.PathLike[str]) -> GenerationMetadata | None:
    """GenCanvas metadata in a file, without decoding pixels; None if absent or malformed."""
    label = file_label(path)
    with open_for_reading(path, label) as file, _open(file, label) as image:
        return _embedded_metadata(image)


def file_label(path: str | os.PathLike[str]) -> str:
    """How messages name a file: its name in quotes."""
    return f"“{Path(path).name or os.fspath(path)}”"


def open_for_reading(
    path: str | os.PathLike[str], label: str, what: str = "an image", error: type[Exception] = ImageLoadError
) -> IO[bytes]:
    """Open ``path`` for reading, or raise ``error`` with one sentence naming the file (images, projects)."""
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise error(f"Could not open {label}: the file does not exist.") from exc
    except IsADirectoryError as exc:
        raise error(f"Could not open {label}: it is a folder, not {what}.") from exc
    except PermissionError as exc:
        raise error(f"Could not open {label}: permission denied.") from exc
    except OSError as exc:
        raise error(f"Could not read {label}: {exc.strerror or exc}.") from exc


def _decode(file: IO[bytes], label: str, source: str) -> LoadedImage:
    image = _open(file, label)
    with image:
        check_size(image.width, image.height, label)
        try:
            image.load()  # first frame only for animated GIF/WebP/APNG
        except MemoryError as error:
            raise ImageLoadError(f"{label} needs more memory than is free to open.") from error
        except Exception as error:  # damaged data surfaces as OSError, SyntaxError, struct.error, ...
            raise ImageLoadError(f"{label} is truncated or corrupt and could not be read.") from error
        metadata = _embedded_metadata(image)
        rgba = _to_rgba(_upright(image), label)
    return LoadedImage(rgba=rgba, has_alpha=bool((rgba[..., 3] < 255).any()), metadata=metadata, source=source)


def _open(file: IO[bytes], label: str) -> Image.Image:
    """Identify the format (raster formats only) without decoding the pixels yet."""
    try:
        Image.init()
        return Image.open(file, formats=[name for name in _OPEN_FORMATS if name in Image.ID])
    except UnidentifiedImageError as error:
        raise ImageLoadError(
            f"{label} is not an image GenCanvas can open (use PNG, JPEG, WebP, BMP, TIFF or GIF)."
        ) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:  # warning if run with -W error
        found = re.search(r"\((\d+) pixels\)", str(error))
        size = _megapixels(int(found.group(1))) if found else "too many pixels"
        raise ImageLoadError(f"{label} is too large ({size}); the limit is {_megapixels(MAX_PIXELS)}.") from error
    except Exception as error:  # a recognised header with broken fields
        raise ImageLoadError(f"{label} is truncated or corrupt and could not be read.") from error


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:,g} megapixels"


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (phone photos); a broken EXIF block leaves the image as stored."""
    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # malformed EXIF must not stop the image from opening
        return image


def _to_rgba(image: Image.Image, label: str) -> np.ndarray:
    if image.mode in _SIXTEEN_BIT_MODES or image.mode in ("I", "F"):
        grey = _grey_to_uint8(image)
        return np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    try:
        converted = image.convert("RGBA")  # also turns P/L/RGB transparency keys into alpha
    except ValueError as error:
        raise ImageLoadError(f"{label} uses a colour format GenCanvas cannot read (mode {image.mode}).") from error
    return np.array(converted, dtype=np.uint8)


def _grey_to_uint8(image: Image.Image) -> np.ndarray:
    """Scale high-bit-depth grey to 8 bit over its whole range instead of clipping at 255.

    16-bit modes map 0..65535 onto 0..255. ``F`` data already in 0..1 is taken as
    normalised; other ``I``/``F`` data is stretched from its own minimum to maximum.
    """
    values = np.asarray(image).astype(np.float64)
    finite = values[np.isfinite(values)]
    if image.mode in _SIXTEEN_BIT_MODES:
        low, high = 0.0, 65535.0
    elif finite.size == 0:
        low, high = 0.0, 0.0
    elif image.mode == "F" and finite.min() >= 0.0 and finite.max() <= 1.0:
        low, high = 0.0, 1.0
    else:
        low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (np.nan_to_num(values, nan=low, posinf=high, neginf=low) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _embedded_metadata(image: Image.Image) -> GenerationMetadata | None:
    """GenCanvas metadata from a PNG chunk or EXIF; anything malformed counts as absent."""
    try:
        text = image.info.get(PNG_METADATA_KEY) or image.getexif().get(EXIF_IMAGE_DESCRIPTION)
        return GenerationMetadata.from_json(text) if isinstance(text, (str, bytes)) else None
    except Exception:  # broken EXIF, or another tool's free text in ImageDescription: not ours
        return None


def save_image(
    path: str | os.PathLike[str], pixels: np.ndarray, metadata: GenerationMetadata | None = None, *, quality: int = 95
) -> None:
    """Save RGB/RGBA uint8 pixels as PNG, JPEG or WebP (by suffix), atomically."""
    target = Path(path)
    image_format = _format_for(target)
    image = _image_from_pixels(pixels, keep_alpha=image_format != "JPEG")
    options = _save_options(image_format, metadata, quality)
    write_atomically(target, lambda file: image.save(file, format=image_format, **options))


def _format_for(target: Path) -> str:
    suffix = target.suffix.lower()
    if suffix not in _SAVE_FORMATS:
        raise ValueError(f"Unsupported format {suffix or '(no suffix)'!r} for “{target.name}”; use PNG, JPEG or WebP.")
    return _SAVE_FORMATS[suffix]


def _image_from_pixels(pixels: np.ndarray, *, keep_alpha: bool) -> Image.Image:
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"Expected (H, W, 3) or (H, W, 4) uint8 pixels, got {pixels.shape} {pixels.dtype}.")
    if pixels.shape[2] == 4 and not keep_alpha:
        pixels = flatten_on_white(pixels)
    return Image.fromarray(np.ascontiguousarray(pixels), mode="RGBA" if pixels.shape[2] == 4 else "RGB")


def _save_options(image_format: str, metadata: GenerationMetadata | None, quality: int) -> dict[str, Any]:
    if image_format == "PNG":
        return {"pnginfo": _png_info(metadata)} if metadata else {}
    options: dict[str, Any] = {"quality": quality}
    if image_format == "JPEG" and quality >= 90:
        options["subsampling"] = 0  # full-resolution colour keeps line art crisp
    if image_format == "WEBP" and quality >= 100:
        options["lossless"] = True
    exif = _exif_bytes(metadata) if metadata else b""
    return options | ({"exif": exif} if exif else {})


def _png_info(metadata: GenerationMetadata) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text(PNG_SUMMARY_KEY, metadata.summary)  # tEXt, or iTXt when not Latin-1
    info.add_itxt(PNG_METADATA_KEY, metadata.to_json())
    return info


def _exif_bytes(metadata: GenerationMetadata) -> bytes:
    """EXIF with the summary as UserComment and the JSON as ImageDescription.

    Metadata too big for a JPEG's EXIF segment is left out rather than failing the save.
    """
    exif = Image.Exif()
    exif[EXIF_IMAGE_DESCRIPTION] = metadata.to_json()
    exif.get_ifd(EXIF_SUB_IFD)[EXIF_USER_COMMENT] = encode_user_comment(metadata.summary)
    data = exif.tobytes()
    return data if len(data) <= _MAX_EXIF_BYTES else b""
