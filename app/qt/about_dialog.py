"""Help › About: version, edition, where the logs go, and the torch device the app would use.

The window must never wait for torch, so this module does not import it: when the dialog
opens it asks a worker thread for the torch facts and shows "Looking…" until they arrive
(polled on the GUI thread, so no Qt object is touched from the worker). The first opening
pays torch's import on that thread; later ones, or any after a generation, answer at once.
"""

from __future__ import annotations

import json
import logging
import platform
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

import gencanvas
from gencanvas.core.settings import log_dir

log = logging.getLogger(__name__)

# Written by the PyInstaller spec (build_scripts/bundle_contents.py); absent in a source checkout.
BUILD_INFO = Path(gencanvas.__file__).with_name("build_info.json")
EDITION_NAMES = {"gpu": "GPU (NVIDIA CUDA)", "cpu": "CPU / Apple GPU"}
_TORCH_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="about-torch")


def read_build_info(path: Path | None = None) -> dict[str, str]:
    """The installer's build facts, or a note that this is a source checkout."""
    try:
        return json.loads((path or BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"edition": "source checkout"}


def torch_report(preference: str = "auto") -> str:
    """torch's version and the accelerators it finds; imports torch, so call it off the GUI thread."""
    import torch

    from gencanvas.core.devices import _mps_available, resolve_device

    lines = [f"torch {torch.__version__}" + (f", built for CUDA {torch.version.cuda}" if torch.version.cuda else "")]
    if torch.cuda.is_available():
        names = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
        lines.append(f"NVIDIA GPU (CUDA): {names}")
    else:
        lines.append("NVIDIA GPU (CUDA): none found")
    lines.append(f"Apple GPU (MPS): {'available' if _mps_available() else 'not available'}")
    lines.append(f"Generators run on: {resolve_device(preference).type} (Settings › Device: {preference})")
    return "\n".join(lines)


def _safe_torch_report(preference: str) -> str:
    try:
        return torch_report(preference)
    except Exception as exc:  # a broken torch install must not take the dialog down with it
        log.warning("About: torch could not be inspected", exc_info=True)
        return f"torch could not be loaded ({exc.__class__.__name__}); generators will not run. See the log."


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, device_preference: str = "auto") -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About GenCanvas")
        info = read_build_info()
        edition = EDITION_NAMES.get(info.get("edition", ""), info.get("edition", "unknown"))
        facts = [
            f"Edition: {edition}",
            f"Python {platform.python_version()} on {platform.system()} {platform.machine()}",
            f"Logs: {log_dir()}",
        ]
        layout = QVBoxLayout(self)
        self.title_label = QLabel(f"<b>GenCanvas {gencanvas.__version__}</b>")
        self.title_label.setObjectName("aboutTitle")
        layout.addWidget(self.title_label)
        self.facts_label = QLabel("\n".join(facts))
        self.facts_label.setObjectName("aboutFacts")
        self.device_label = QLabel("Looking for torch and GPUs…")
        self.device_label.setObjectName("aboutDevices")
        for label in (self.facts_label, self.device_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # copy into a bug report
            layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.report: Future[str] = _TORCH_THREAD.submit(_safe_torch_report, device_preference)
        self._poll = QTimer(self, interval=100)
        self._poll.timeout.connect(self._show_report_when_ready)
        self._poll.start()

    def _show_report_when_ready(self) -> None:
        if self.report.done():
            self._poll.stop()
            self.device_label.setText(self.report.result())


def show_about(window: QWidget) -> AboutDialog:
    """Open the dialog (non-modal to the event loop: the window keeps painting)."""
    dialog = AboutDialog(window, getattr(getattr(window, "settings", None), "device", "auto"))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
