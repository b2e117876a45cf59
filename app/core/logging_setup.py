"""Log to a rotating file in the per-user log folder, so bug reports have something to attach."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from gencanvas.core.settings import log_dir

LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> Path:
    """Attach one rotating handler (1 MB × 3) to the root logger; safe to call twice."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gencanvas.log"
    root = logging.getLogger()
    if not any(isinstance(h, RotatingFileHandler) and Path(h.baseFilename) == path for h in root.handlers):
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    return path
