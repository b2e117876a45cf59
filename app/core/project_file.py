"""GenCanvas projects as OpenRaster (``.ora``) files: layers other painting programs can open.

An ``.ora`` is a zip archive: ``mimetype`` first and uncompressed (``image/openraster``),
``stack.xml`` listing the layers top first, one PNG per layer under ``data/``,
``mergedimage.png`` (the flattened picture) and ``Thumbnails/thumbnail.png`` (at most 256
px a side). Krita, GIMP and MyPaint read those parts and ignore the rest, so GenCanvas's
own data -- History entries with their images and parameters, the selected plugin and
its parameters, the regional-prompt regions -- lives under ``gencanvas/`` (``project.json``
+ ``history/NNN.png`` + ``regions/NNN.png``). A region's PNG is white with its coverage as
alpha (exact, 8 bits), its prompt is in ``project.json``; other programs and GenCanvas
versions before regions open the file unchanged and simply do not see them.

Reading lives in :mod:`gencanvas.core.project_reader`. Writes go through
:func:`gencanvas.core.image_io.write_atomically`, so a full disk or a kill mid-write
leaves the previous file as it was. Qt-free: the window, autosave and the tests share it.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import numpy as np
from PIL import Image

from gencanvas import __version__
from gencanvas.atomic import write_atomically
from gencanvas.core import image_io
from gencanvas.core.metadata import GenerationMetadata, json_fallback
from gencanvas.core.png_writer import write_png

PROJECT_SUFFIX = ".ora"
PROJECT_FILTER = "GenCanvas project (*.ora)"
MIMETYPE = b"image/openraster"
PROJECT_JSON = "gencanvas/project.json"
FORMAT_VERSION = 1
THUMBNAIL_SIDE = 256
MAX_TEXT_BYTES = 16_000_000  # stack.xml and project.json: far above any real project, far below a zip bomb
_PNG_LEVEL = 3  # zlib level for layer PNGs: transparent layers shrink as well as at 9, in a fraction of the time


class ProjectError(Exception):
    """A project could not be read or written; ``str()`` is one sentence naming the file."""


@dataclass
class ProjectLayer:
    """One layer: straight-alpha RGBA pixels the size of the canvas."""

    name: str  # GenCanvas's layers are "photo", "result", "sketch", "mask"
    pixels: np.ndarray  # (H, W, 4) uint8
    visible: bool = True
    opacity: float = 1.0


@dataclass
class ProjectRegion:
    """A regional prompt: its prompt and where it applies, listed bottom (first added) first."""

    prompt: str
    mask: np.ndarray  # (H, W) uint8 coverage: 255 inside, fractions on a soft edge
    visible: bool = True


@dataclass
class ProjectHistoryEntry:
    """A History result: the image as the plugin made it and the parameters that made it."""

    title: str
    metadata: GenerationMetadata
    pixels: np.ndarray  # (H, W, 3) or (H, W, 4) uint8


@dataclass
class Project:
    """Everything a project file holds. ``layers`` run bottom to top; ``history`` oldest first."""

    width: int
    height: int
    layers: list[ProjectLayer]
    history: list[ProjectHistoryEntry] = field(default_factory=list)
    plugin_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    regions: list[ProjectRegion] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # filled when reading: what was not restored, and why
    foreign: bool = False  # True when another program wrote the file (no GenCanvas part)

    def layer(self, name: str) -> ProjectLayer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


# ---- writing ----
def write_project(path: str | os.PathLike[str], project: Project, *, history_limit: int | None = None) -> Path:
    """Write ``project`` to ``path`` atomically; keep only the newest ``history_limit`` History entries.

    The limit applies here, when the project is written, never to the open History
    while the artist works. Raises ``OSError`` (disk full, read-only folder) or
    ``ValueError`` (pixels of the wrong shape); the previous file is then untouched.
    """
    target = Path(path)
    _check_layers(project)
    history = project.history if history_limit is None else project.history[-history_limit:] if history_limit else []
    write_atomically(target, lambda file: _write_archive(file, project, history))
    return target


def _check_layers(project: Project) -> None:
    for layer in project.layers:
        if layer.pixels.dtype != np.uint8 or layer.pixels.shape != (project.height, project.width, 4):
            raise ValueError(
                f"Layer {layer.name!r} is {layer.pixels.shape} {layer.pixels.dtype}, "
                f"expected ({project.height}, {project.width}, 4) uint8."
            )
    for region in project.regions:
        if region.mask.dtype != np.uint8 or region.mask.shape != (project.height, project.width):
            raise ValueError(
                f"Region {region.prompt!r} is {region.mask.shape} {region.mask.dtype}, "
                f"expected ({project.height}, {project.width}) uint8."
            )


def _write_archive(file: IO[bytes], project: Project, history: list[ProjectHistoryEntry]) -> None:
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        sources = {
            layer.name: f"data/{index:03d}-{_safe(layer.name)}.png" for index, layer in enumerate(project.layers)
        }
        archive.writestr("stack.xml", _stack_xml(project, sources), compress_type=zipfile.ZIP_DEFLATED)
        for layer in project.layers:
            _png_entry(archive, sources[layer.name], layer.pixels)
        merged = composite(project)
        _png_entry(archive, "mergedimage.png", merged)
        _png_entry(archive, "Thumbnails/thumbnail.png", thumbnail(merged))
        records = []
        for index, entry in enumerate(history):
            name = f"gencanvas/history/{index:03d}.png"
            _png_entry(archive, name, entry.pixels)
            records.append({"file": name, "title": entry.title, "metadata": json.loads(entry.metadata.to_json())})
        regions = []
        for index, region in enumerate(project.regions):
            name = f"gencanvas/regions/{index:03d}.png"
            _png_entry(archive, name, region_pixels(region.mask))
            regions.append({"file": name, "prompt": region.prompt, "visible": region.visible})
        document = {
            "format": FORMAT_VERSION,
            "app_version": __version__,
            "layers": [{"name": layer.name, "src": sources[layer.name]} for layer in project.layers],
            "plugin_id": project.plugin_id,
            "params": project.params,
            "history": records,
            "regions": regions,
        }
        text = json.dumps(document, ensure_ascii=False, default=json_fallback, indent=1)
        archive.writestr(PROJECT_JSON, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)


def region_pixels(mask: np.ndarray) -> np.ndarray:
    """A region's PNG pixels: white, with the coverage as alpha (reads as a mask in other programs too)."""
    pixels = np.full((*mask.shape, 4), 255, np.uint8)
    pixels[..., 3] = mask
    return pixels


def _safe(name: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in name)[:40] or "layer"


def _stack_xml(project: Project, sources: dict[str, str]) -> bytes:
    image = ElementTree.Element("image", {"version": "0.0.5", "w": str(project.width), "h": str(project.height)})
    stack = ElementTree.SubElement(image, "stack")
    for layer in reversed(project.layers):  # OpenRaster lists the top layer first
        attributes = {
            "name": layer.name,
            "src": sources[layer.name],
            "x": "0",
            "y": "0",
            "opacity": f"{min(max(layer.opacity, 0.0), 1.0):.4f}",
            "visibility": "visible" if layer.visible else "hidden",
            "composite-op": "svg:src-over",
        }
        ElementTree.SubElement(stack, "layer", attributes)
    return ElementTree.tostring(image, encoding="utf-8", xml_declaration=True)


def _png_entry(archive: zipfile.ZipFile, name: str, pixels: np.ndarray) -> None:
    """Encode straight into the archive, stored (PNG is compressed already), with the
    GIL-friendly encoder of :mod:`gencanvas.core.png_writer`."""
    with archive.open(zipfile.ZipInfo(name, date_time=time.localtime()[:6]), "w") as entry:
        write_png(entry, pixels, level=_PNG_LEVEL)


def composite(project: Project, band: int = 128) -> np.ndarray:
    """The visible layers blended bottom to top (source-over, with opacity): ``mergedimage.png``.

    Computed in bands of rows: each numpy call is short, so a GUI thread waiting for the
    GIL while an autosave runs is never held up long, and the float buffers stay small.
    """
    merged = np.empty((project.height, project.width, 4), np.uint8)
    visible = [layer for layer in project.layers if layer.visible and layer.opacity > 0]
    for top in range(0, project.height, band):
        rows = slice(top, min(top + band, project.height))
        colour = np.zeros((rows.stop - top, project.width, 3), np.float32)  # premultiplied
        alpha = np.zeros((rows.stop - top, project.width, 1), np.float32)
        for layer in visible:
            pixels = layer.pixels[rows]
            layer_alpha = pixels[..., 3:4].astype(np.float32) * (layer.opacity / 255.0)
            colour *= 1.0 - layer_alpha
            colour += pixels[..., :3].astype(np.float32) * layer_alpha
            alpha *= 1.0 - layer_alpha
            alpha += layer_alpha
        straight = np.divide(colour, alpha, out=np.zeros_like(colour), where=alpha > 0)
        merged[rows, :, :3] = np.clip(np.rint(straight), 0, 255)
        merged[rows, :, 3:] = np.clip(np.rint(alpha * 255.0), 0, 255)
    return merged


def thumbnail(pixels: np.ndarray, side: int = THUMBNAIL_SIDE) -> np.ndarray:
    """At most ``side`` pixels on the longer edge, aspect kept (the spec's thumbnail limit)."""
    image = Image.fromarray(np.ascontiguousarray(pixels))
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(image)


def max_pixels() -> int:
    """The one image-size limit, read at call time so a configured limit applies here too."""
    return image_io.MAX_PIXELS
