"""Settings persist per user; a broken file falls back to defaults instead of crashing."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

import pytest
from pydantic import ValidationError

from gencanvas.core import settings as settings_module
from gencanvas.core.logging_setup import configure_logging
from gencanvas.core.settings import Settings, load_settings, save_settings, settings_path


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENCANVAS_HOME", str(tmp_path))
    return tmp_path


def test_round_trip(home):
    save_settings(Settings(device="cpu", precision="fp32", theme="dark", models_dir=home / "m"))
    loaded = load_settings()
    assert (loaded.device, loaded.precision, loaded.theme, loaded.models_dir) == ("cpu", "fp32", "dark", home / "m")
    assert settings_path().is_relative_to(home)


def test_corrupt_file_gives_defaults(home, caplog):
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_settings() == Settings()
    assert "unreadable" in caplog.text


def test_invalid_values_are_rejected():
    with pytest.raises(ValidationError):
        Settings(device="tpu")


def test_log_file_rotates_in_the_user_folder(home):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = configure_logging()
        configure_logging()  # idempotent: one handler, not two
        added = [h for h in root.handlers if h not in before]
        logging.getLogger("gencanvas.test").info("hello log")
        added[0].flush()
        assert len(added) == 1 and isinstance(added[0], RotatingFileHandler)
        assert path.is_relative_to(home) and "hello log" in path.read_text(encoding="utf-8")
        assert settings_module.log_dir() == path.parent
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
