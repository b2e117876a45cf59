"""OpenRaster projects: spec parts, pixel-exact round trip, other programs' files, damaged files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from gencanvas.core import image_io
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.project_file import (
    MIMETYPE,
    PROJECT_JSON,
    Project,
    ProjectError,
    ProjectHistoryEntry,
    ProjectLayer,
    composite,
    write_project,
)
from gencanvas.core.project_reader import fit_layers, read_project

W, H = 48, 32


def _layers(seed: int = 0) -> list[ProjectLayer]:
    rng = np.random.default_rng(seed)
    photo = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    photo[..., 3] = 255
    result = np.zeros((H, W, 4), np.uint8)
    result[4:20, 5:30] = (10, 200, 30, 255)
    sketch = np.zeros((H, W, 4), np.uint8)
    sketch[10, :, :] = (0, 0, 0, 255)
    sketch[12, :, :] = (200, 10, 10, 128)  # half-transparent ink survives exactly
    mask = np.zeros((H, W, 4), np.uint8)
    mask[20:30, 20:40] = (255, 0, 0, 255)
    return [
        ProjectLayer("photo", photo),
        ProjectLayer("result", result, visible=False),
        ProjectLayer("sketch", sketch, opacity=0.75),
        ProjectLayer("mask", mask, opacity=0.5),
    ]


def _project(history: int = 2) -> Project:
    entries = [
        ProjectHistoryEntry(
            f"Result {i}",
            GenerationMetadata.create("fake-plugin", {"prompt": f"cat {i} ✓", "steps": i, "seed": 1000 + i}),
            np.full((H, W, 3), i, np.uint8),
        )
        for i in range(history)
    ]
    return Project(W, H, _layers(), entries, "fake-plugin", {"prompt": "a cat", "steps": 12})


def test_written_file_follows_the_openraster_spec(tmp_path):
    path = write_project(tmp_path / "p.ora", _project())
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == MIMETYPE
        raw = path.read_bytes()
        assert raw[30:38] == b"mimetype" and raw[38:54] == MIMETYPE  # readable at a fixed offset, as the spec asks
        root = ElementTree.fromstring(archive.read("stack.xml"))
        assert (root.get("w"), root.get("h")) == (str(W), str(H))
        layers = root.find("stack").findall("layer")
        assert [layer.get("name") for layer in layers] == ["mask", "sketch", "result", "photo"]  # top first
        for layer in layers:
            assert Image.open(io.BytesIO(archive.read(layer.get("src")))).size == (W, H)
            assert layer.get("src").startswith("data/")
        assert layers[2].get("visibility") == "hidden" and float(layers[0].get("opacity")) == 0.5
        merged = Image.open(io.BytesIO(archive.read("mergedimage.png")))
        assert merged.size == (W, H)
        thumb = Image.open(io.BytesIO(archive.read("Thumbnails/thumbnail.png")))
        assert max(thumb.size) <= 256
        assert PROJECT_JSON in archive.namelist()


def test_thumbnail_is_at_most_256_pixels(tmp_path):
    big = Project(600, 300, [ProjectLayer("photo", np.full((300, 600, 4), 255, np.uint8))])
    with zipfile.ZipFile(write_project(tmp_path / "big.ora", big)) as archive:
        assert Image.open(io.BytesIO(archive.read("Thumbnails/thumbnail.png"))).size == (256, 128)


def test_round_trip_is_pixel_exact_with_history_and_parameters(tmp_path):
    project = _project(history=3)
    back = read_project(write_project(tmp_path / "p.ora", project))
    assert (back.width, back.height, back.foreign) == (W, H, False)
    for wrote, read in zip(project.layers, back.layers, strict=True):
        assert (read.name, read.visible, read.opacity) == (wrote.name, wrote.visible, wrote.opacity)
        assert np.array_equal(read.pixels, wrote.pixels)
    assert back.plugin_id == "fake-plugin" and back.params == {"prompt": "a cat", "steps": 12}
    assert [e.metadata for e in back.history] == [e.metadata for e in project.history]
    assert [e.title for e in back.history] == ["Result 0", "Result 1", "Result 2"]
    assert np.array_equal(back.history[2].pixels[..., :3], project.history[2].pixels)


def test_history_limit_keeps_the_newest_entries_when_writing(tmp_path):
    project = _project(history=5)
    back = read_project(write_project(tmp_path / "p.ora", project, history_limit=2))
    assert [e.title for e in back.history] == ["Result 3", "Result 4"]
    assert len(project.history) == 5  # the open History is untouched


def test_merged_image_blends_visible_layers_with_opacity():
    bottom = np.zeros((1, 1, 4), np.uint8)
    bottom[:] = (0, 0, 255, 255)
    top = np.zeros((1, 1, 4), np.uint8)
    top[:] = (255, 0, 0, 255)
    hidden = np.full((1, 1, 4), 255, np.uint8)
    project = Project(
        1, 1, [ProjectLayer("a", bottom), ProjectLayer("b", top, opacity=0.5), ProjectLayer("c", hidden, False)]
    )
    assert composite(project)[0, 0].tolist() == [128, 0, 128, 255]


def _foreign_ora(
    path: Path, layers: list[tuple[str, np.ndarray, int, int]], size=(W, H), extra: dict | None = None
) -> Path:
    stack = "".join(
        f'<layer name="{name}" src="data/{i}.png" x="{x}" y="{y}" opacity="1"/>'
        for i, (name, _, x, y) in enumerate(layers)
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "stack.xml", f'<?xml version="1.0"?><image w="{size[0]}" h="{size[1]}"><stack>{stack}</stack></image>'
        )
        for i, (_, pixels, _, _) in enumerate(layers):
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, format="PNG")
            archive.writestr(f"data/{i}.png", buffer.getvalue())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def test_file_from_another_program_is_flattened_into_the_photo_with_a_notice(tmp_path):
    red = np.zeros((10, 10, 4), np.uint8)
    red[..., 0], red[..., 3] = 255, 255
    paper = np.full((H, W, 4), 255, np.uint8)
    ink = np.zeros((H, W, 4), np.uint8)
    ink[5, 5] = (0, 0, 0, 255)
    path = _foreign_ora(
        tmp_path / "krita.ora", [("Ink", ink, 0, 0), ("Sticker", red, 40, 25), ("Background", paper, 0, 0)]
    )
    project = read_project(path)
    assert project.foreign
    fitted = fit_layers(project, ["photo", "result", "sketch", "mask"], "“krita.ora”")
    assert set(fitted) == {"photo"}
    photo = fitted["photo"].pixels
    assert photo[5, 5].tolist() == [0, 0, 0, 255] and photo[26, 41].tolist() == [255, 0, 0, 255]
    assert photo[0, 0].tolist() == [255, 255, 255, 255]
    assert photo[31, 47].tolist() == [255, 0, 0, 255]  # the offset layer is cut at the canvas edge
    assert "flattened into the photo layer" in project.notices[0] and "“Sticker”" in project.notices[0]


def test_foreign_layers_with_canvas_names_keep_their_place(tmp_path):
    sketch = np.zeros((H, W, 4), np.uint8)
    sketch[3, 3] = (0, 0, 0, 255)
    path = _foreign_ora(
        tmp_path / "named.ora", [("Sketch", sketch, 0, 0), ("photo", np.full((H, W, 4), 255, np.uint8), 0, 0)]
    )
    project = read_project(path)
    fitted = fit_layers(project, ["photo", "result", "sketch", "mask"], "“named.ora”")
    assert set(fitted) == {"photo", "sketch"} and np.array_equal(fitted["sketch"].pixels, sketch)
    assert project.notices == []


def _assert_refused(path: Path, *words: str) -> str:
    before = path.read_bytes()
    with pytest.raises(ProjectError) as caught:
        read_project(path)
    message = str(caught.value)
    assert f"“{path.name}”" in message and "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message
    assert path.read_bytes() == before  # nothing lost: the file is left as it was
    return message


def test_missing_layer_png_is_named(tmp_path):
    path = write_project(tmp_path / "p.ora", _project())
    broken = tmp_path / "missing layer.ora"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if not info.filename.startswith("data/002"):
                target.writestr(info, source.read(info.filename))
    _assert_refused(broken, "missing", "sketch")


def test_truncated_archive_is_refused(tmp_path):
    data = write_project(tmp_path / "p.ora", _project()).read_bytes()
    cut = tmp_path / "cut.ora"
    cut.write_bytes(data[: len(data) // 2])
    _assert_refused(cut, "truncated")


def test_stack_xml_that_is_not_xml_is_refused(tmp_path):
    path = tmp_path / "bad.ora"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", MIMETYPE)
        archive.writestr("stack.xml", "this is <not xml")
    _assert_refused(path, "stack.xml")


def test_entity_expansion_is_refused(tmp_path):
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><image w="1" h="1"><stack/></image>'
    path = tmp_path / "bomb.ora"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", MIMETYPE)
        archive.writestr("stack.xml", bomb)
    _assert_refused(path, "DOCTYPE")


def test_huge_layer_is_refused_by_the_image_size_limit(tmp_path):
    huge = Image.new("1", (40000, 40000))  # 1-bit: a small file that would need 6.4 GB as RGBA
    buffer = io.BytesIO()
    huge.save(buffer, format="PNG")
    path = tmp_path / "huge.ora"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", MIMETYPE)
        archive.writestr(
            "stack.xml", f'<image w="{W}" h="{H}"><stack><layer name="big" src="data/big.png"/></stack></image>'
        )
        archive.writestr("data/big.png", buffer.getvalue())
    _assert_refused(path, "too large", "limit")


def test_huge_canvas_size_is_refused(tmp_path, monkeypatch):
    path = _foreign_ora(tmp_path / "wide.ora", [], size=(40000, 40000))
    _assert_refused(path, "40000×40000", "limit")
    monkeypatch.setattr(image_io, "MAX_PIXELS", 100)  # the one limit, configured, applies here too
    _assert_refused(write_project(tmp_path / "small.ora", _project()), "limit")


def test_not_a_zip_and_missing_file(tmp_path):
    text = tmp_path / "notes.ora"
    text.write_text("hello")
    _assert_refused(text, "damaged")
    with pytest.raises(ProjectError, match="does not exist"):
        read_project(tmp_path / "nowhere.ora")


def test_paths_with_spaces_and_non_ascii(tmp_path):
    folder = tmp_path / "Mes œuvres 作品"
    folder.mkdir()
    back = read_project(write_project(folder / "chat noir ✓.ora", _project()))
    assert np.array_equal(back.layers[2].pixels, _layers()[2].pixels)


def test_damaged_history_entry_is_skipped_with_a_notice(tmp_path):
    path = write_project(tmp_path / "p.ora", _project(history=2))
    broken = tmp_path / "h.ora"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, b"garbage" if info.filename == "gencanvas/history/000.png" else data)
    project = read_project(broken)
    assert [e.title for e in project.history] == ["Result 1"] and "1 History entry" in project.notices[0]


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = write_project(tmp_path / "p.ora", _project())
    before = path.read_bytes()
    from gencanvas.core import project_file

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file, "write_png", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_project(path, _project(history=0))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.ora"]  # no temporary left behind


def test_read_only_folder_refuses_cleanly(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OSError):
            write_project(folder / "p.ora", _project())
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("shape", [(1, 1, 4), (3, 200, 3), (130, 67, 4), (64, 64, 3)])
def test_png_writer_output_decodes_to_the_same_pixels(shape):
    from gencanvas.core.png_writer import write_png

    pixels = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    buffer = io.BytesIO()
    write_png(buffer, pixels, band=16)
    buffer.seek(0)
    image = Image.open(buffer)
    image.verify()  # chunk CRCs and structure
    buffer.seek(0)
    assert np.array_equal(np.asarray(Image.open(buffer)), pixels)


def test_png_writer_compresses_smooth_images():
    from gencanvas.core.png_writer import write_png

    gradient = np.dstack([np.tile(np.arange(256, dtype=np.uint8), (256, 1))] * 3)
    buffer = io.BytesIO()
    write_png(buffer, gradient)
    assert len(buffer.getvalue()) < gradient.nbytes / 50  # the Sub filter turns a ramp into constants
