"""Reading OpenRaster archives defensively: GenCanvas's own projects and other programs' files.

Split from :mod:`gencanvas.core.project_file` (which writes) to keep each module small.
The archive is checked before anything is decoded: the zip directory must be complete,
``mimetype`` must say OpenRaster, ``stack.xml`` must be XML without a DOCTYPE (no entity
expansion), the image size must be inside the one image-size limit, and no text member
may be unreasonably large. Layers are placed at their ``x``/``y`` offsets on a transparent
canvas-sized layer; nested stacks (groups) are read in order. GenCanvas's own part
(``gencanvas/project.json``) is optional: without it the file counts as ``foreign``, and
:func:`fit_layers` decides how its layers map onto the canvas.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from typing import IO, Any
from xml.etree import ElementTree

import numpy as np

from gencanvas.core.image_io import ImageLoadError, file_label, load_image_bytes, open_for_reading
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.project_file import (
    MAX_TEXT_BYTES,
    MIMETYPE,
    PROJECT_JSON,
    Project,
    ProjectError,
    ProjectHistoryEntry,
    ProjectLayer,
    ProjectRegion,
    composite,
    max_pixels,
)


def read_project(path: str | os.PathLike[str]) -> Project:
    """Open a project; raise ``ProjectError`` naming the file on any failure (the file is left as it is)."""
    label = file_label(path)
    with open_for_reading(path, label, "a project", ProjectError) as file:
        try:
            return read_archive(file, label)
        except OSError as error:  # a read failing midway (a disk error, a file cut short on a share)
            raise ProjectError(f"Could not read {label}: {error.strerror or error}.") from error


def decode_layer_png(data: bytes, what: str) -> np.ndarray:
    """A layer or History PNG from the archive, with the same size limit as any other image."""
    try:
        return load_image_bytes(data, source=what).rgba
    except ImageLoadError as error:
        raise ProjectError(str(error)) from error


def read_archive(file: IO[bytes], label: str) -> Project:
    """Read an open archive; ``label`` (the quoted file name) starts every error sentence."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise ProjectError(f"{label} is damaged or truncated (not a complete OpenRaster archive).") from error
    with archive:
        try:
            return _read(archive, label)
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as error:
            raise ProjectError(f"{label} is damaged or truncated: {error}.") from error
        except MemoryError as error:
            raise ProjectError(f"{label} needs more memory than is free to open.") from error


def _read(archive: zipfile.ZipFile, label: str) -> Project:
    names = set(archive.namelist())
    if "mimetype" in names and _member(archive, "mimetype", label).strip() != MIMETYPE:
        raise ProjectError(f"{label} is not an OpenRaster image (its mimetype entry is wrong).")
    if "stack.xml" not in names:
        raise ProjectError(f"{label} is not an OpenRaster image: it has no stack.xml.")
    root = _parse_stack(_member(archive, "stack.xml", label), label)
    width, height = _size(root, label)
    gencanvas = _project_json(archive, label) if PROJECT_JSON in names else None
    layers = [_read_layer(archive, element, width, height, label) for element in _layer_elements(root)]
    layers.reverse()  # stack.xml lists the top layer first; a Project runs bottom to top
    project = Project(width, height, layers, foreign=gencanvas is None)
    if gencanvas is not None:
        _apply_gencanvas(project, gencanvas, archive, label)
    return project


def _member(archive: zipfile.ZipFile, name: str, label: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > max(MAX_TEXT_BYTES, max_pixels() * 5):
        raise ProjectError(f"{label} holds an entry {name} that is unreasonably large ({info.file_size:,} bytes).")
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:  # CRC mismatch, cut-off data
        raise ProjectError(f"{label} is damaged: its part {name} cannot be read.") from error


def _parse_stack(data: bytes, label: str) -> ElementTree.Element:
    if len(data) > MAX_TEXT_BYTES or b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ProjectError(f"{label} has a stack.xml GenCanvas will not read (too large or with a DOCTYPE).")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ProjectError(f"{label} is damaged: its stack.xml is not valid XML ({error}).") from error
    if root.tag != "image" or root.find("stack") is None:
        raise ProjectError(f"{label} is damaged: its stack.xml has no <image><stack>.")
    return root


def _size(root: ElementTree.Element, label: str) -> tuple[int, int]:
    try:
        width, height = int(root.get("w", "")), int(root.get("h", ""))
    except ValueError as error:
        raise ProjectError(f"{label} is damaged: its stack.xml gives no valid image size.") from error
    if width < 1 or height < 1:
        raise ProjectError(f"{label} is damaged: its image size {width}×{height} is empty.")
    if width * height > max_pixels():
        raise ProjectError(f"{label} is too large ({width}×{height}); the limit is {max_pixels() / 1e6:,g} megapixels.")
    return width, height


def _layer_elements(root: ElementTree.Element) -> Iterable[ElementTree.Element]:
    """Every <layer> in document order (top first), groups flattened into the sequence."""
    stack = root.find("stack")
    assert stack is not None  # checked by _parse_stack
    return list(stack.iter("layer"))


def _read_layer(
    archive: zipfile.ZipFile, element: ElementTree.Element, width: int, height: int, label: str
) -> ProjectLayer:
    name = element.get("name") or "layer"
    source = element.get("src", "")
    if source not in archive.NameToInfo:
        raise ProjectError(f"{label} is damaged: the picture of layer “{name}” ({source or 'no file'}) is missing.")
    pixels = decode_layer_png(_member(archive, source, label), f"layer “{name}” in {label}")
    placed = _place(pixels, _int(element.get("x")), _int(element.get("y")), width, height)
    visible = element.get("visibility", "visible") != "hidden"
    try:
        opacity = min(max(float(element.get("opacity", "1")), 0.0), 1.0)
    except ValueError:
        opacity = 1.0
    return ProjectLayer(name, placed, visible, opacity)


def _int(text: str | None) -> int:
    try:
        return int(float(text or 0))
    except ValueError:
        return 0


def _place(pixels: np.ndarray, x: int, y: int, width: int, height: int) -> np.ndarray:
    """A layer of any size at (x, y) on a transparent canvas-sized layer; what lies outside is cut."""
    if pixels.shape[:2] == (height, width) and x == 0 and y == 0:
        return pixels
    canvas = np.zeros((height, width, 4), np.uint8)
    top, left = max(y, 0), max(x, 0)
    bottom, right = min(y + pixels.shape[0], height), min(x + pixels.shape[1], width)
    if bottom > top and right > left:
        canvas[top:bottom, left:right] = pixels[top - y : bottom - y, left - x : right - x]
    return canvas


def _project_json(archive: zipfile.ZipFile, label: str) -> dict[str, Any]:
    try:
        document = json.loads(_member(archive, PROJECT_JSON, label).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProjectError(f"{label} is damaged: its GenCanvas part is not valid JSON.") from error
    if not isinstance(document, dict):
        raise ProjectError(f"{label} is damaged: its GenCanvas part is not a JSON object.")
    return document


def _apply_gencanvas(project: Project, document: dict[str, Any], archive: zipfile.ZipFile, label: str) -> None:
    """Selected plugin, its parameters and History; a bad part is skipped with a notice, never fatal."""
    plugin_id, params = document.get("plugin_id"), document.get("params")
    project.plugin_id = plugin_id if isinstance(plugin_id, str) else None
    project.params = params if isinstance(params, dict) else {}
    records = document.get("history")
    skipped = 0
    for record in records if isinstance(records, list) else []:
        try:
            source = record["file"]
            metadata = GenerationMetadata.from_json(json.dumps(record["metadata"]))
            pixels = decode_layer_png(_member(archive, source, label), f"History image {source} in {label}")
            title = record.get("title") if isinstance(record.get("title"), str) else metadata.plugin_id
            project.history.append(ProjectHistoryEntry(title, metadata, pixels))
        except (KeyError, TypeError, ValueError, ProjectError):
            skipped += 1
    if skipped:
        project.notices.append(f"{skipped} History entr{'y' if skipped == 1 else 'ies'} in {label} could not be read.")
    _read_regions(project, document.get("regions"), archive, label)


def _read_regions(project: Project, records: object, archive: zipfile.ZipFile, label: str) -> None:
    """Regional prompts (absent in projects from before them); a bad one is skipped with a notice."""
    skipped = 0
    for record in records if isinstance(records, list) else []:
        try:
            source, prompt = record["file"], record["prompt"]
            if not isinstance(prompt, str):
                raise TypeError("a region prompt is text")
            pixels = decode_layer_png(_member(archive, source, label), f"region {source} in {label}")
            if pixels.shape[:2] != (project.height, project.width):
                raise ValueError(f"region {source} is not the canvas size")
            project.regions.append(ProjectRegion(prompt, pixels[..., 3].copy(), record.get("visible") is not False))
        except (KeyError, TypeError, ValueError, AttributeError, ProjectError):
            skipped += 1
    if skipped:
        project.notices.append(f"{skipped} region{'' if skipped == 1 else 's'} in {label} could not be read.")


def fit_layers(project: Project, canvas_layers: Iterable[str], label: str) -> dict[str, ProjectLayer]:
    """Map the file's layers onto the canvas's named layers (bottom layer first in ``canvas_layers``).

    A layer whose name matches a canvas layer keeps its place; every other layer is
    flattened, in stack order, into the bottom canvas layer (the photo), and a notice
    says so. Canvas layers the file lacks are left out (the caller blanks them).
    """
    wanted = list(canvas_layers)
    bottom = wanted[0]
    by_name = {layer.name.strip().lower(): layer for layer in project.layers}
    kept = {name: by_name[name] for name in wanted if name in by_name}
    others = [layer for layer in project.layers if layer.name.strip().lower() not in kept]
    if not others:
        return kept
    base = [kept[bottom]] if bottom in kept else []
    flat = Project(project.width, project.height, base + others)
    kept[bottom] = ProjectLayer(bottom, composite(flat))
    names = ", ".join(f"“{layer.name}”" for layer in others[:5]) + (" …" if len(others) > 5 else "")
    project.notices.append(
        f"{label} was made by another program: its layer{'s' if len(others) > 1 else ''} {names} "
        f"{'were' if len(others) > 1 else 'was'} flattened into the {bottom} layer."
    )
    return kept
