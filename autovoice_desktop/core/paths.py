"""Where AutoVoice keeps its files, and how it finds its bundled resources.

All user folders come from platformdirs. Setting AUTOVOICE_HOME moves every one of them under that folder
(tests and portable installs use it). Nothing is ever written next to the program.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "AutoVoice"


def _home_override() -> Path | None:
    value = os.environ.get("AUTOVOICE_HOME")
    return Path(value) if value else None


def config_dir() -> Path:
    """Folder of settings.toml."""
    home = _home_override()
    return home / "config" if home else platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Folder of user data (imported voices)."""
    home = _home_override()
    return home / "data" if home else platformdirs.user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Folder of downloaded weights and unsaved recordings."""
    home = _home_override()
    return home / "cache" if home else platformdirs.user_cache_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """Folder of the rotating log file."""
    home = _home_override()
    return home / "logs" if home else platformdirs.user_log_path(APP_NAME, appauthor=False)


def voices_dir() -> Path:
    """Imported So-VITS-SVC voices, one folder each."""
    return data_dir() / "voices"


def weights_dir() -> Path:
    """Downloaded content-encoder and F0 weights."""
    return cache_dir() / "weights"


def recordings_dir() -> Path:
    """Takes being recorded (kept until saved or discarded, so a crash loses nothing)."""
    return cache_dir() / "recordings"


def settings_file() -> Path:
    """The settings file."""
    return config_dir() / "settings.toml"


def _data_root(name: str) -> Path:
    """Folder of bundled data `name` ("resources" or "models").

    Frozen build: under sys._MEIPASS. Wheel install: mapped into the package (see pyproject
    package-dir). Source tree / editable install: the repository's top-level folder.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / name
    package_root = Path(__file__).resolve().parents[1]
    installed = package_root / name
    if installed.is_dir():
        return installed
    return package_root.parent / name


def resource_path(*parts: str) -> Path:
    """Path of a bundled file under resources/ (works from a source tree and a PyInstaller build)."""
    return _data_root("resources").joinpath(*parts)


def models_path(*parts: str) -> Path:
    """Path of a bundled file under models/ (the built-in voices' data)."""
    return _data_root("models").joinpath(*parts)
