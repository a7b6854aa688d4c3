"""settings.toml: atomic save, load, corrupt/future files moved aside, unwritable folders tolerated."""

from __future__ import annotations

import os
from pathlib import Path

from autovoice_desktop.core import paths
from autovoice_desktop.core.settings import SCHEMA_VERSION, Settings
from autovoice_desktop.core.settings_store import load_settings, save_settings
from autovoice_desktop.core.types import ConversionParams


def test_missing_file_gives_defaults_without_message(tmp_path: Path) -> None:
    result = load_settings(tmp_path / "settings.toml")
    assert result.settings == Settings() and result.message is None


def test_save_then_load_round_trip_in_the_platform_folder(autovoice_home: Path) -> None:
    settings = Settings(voice_id="builtin/higher", params=ConversionParams(transpose=5.0), theme="light")
    assert save_settings(settings) is None
    assert paths.settings_file().is_file() and str(paths.settings_file()).startswith(str(autovoice_home))
    assert load_settings().settings == settings
    leftovers = [p for p in paths.config_dir().iterdir() if p.name != "settings.toml"]
    assert leftovers == []  # the temporary file was renamed into place


def test_corrupt_file_is_moved_aside_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'theme = "dark\nthis is [not toml')
    result = load_settings(path)
    assert result.settings == Settings()
    assert result.message and "damaged" in result.message and result.moved_to is not None
    assert result.moved_to.read_bytes().startswith(b"theme")
    assert not path.exists()


def test_future_version_is_moved_aside_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f'schema_version = {SCHEMA_VERSION + 5}\ntheme = "light"\n')
    result = load_settings(path)
    assert result.settings == Settings()
    assert result.message and "newer AutoVoice" in result.message
    assert result.moved_to is not None and result.moved_to.exists()


def test_old_unversioned_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('last_voice = "builtin/robot"\nrecent = ["/a.wav"]\n')
    result = load_settings(path)
    assert result.message is None
    assert result.settings.voice_id == "builtin/robot" and result.settings.recent_files == ("/a.wav",)


def test_unwritable_folder_returns_a_message_instead_of_raising(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    message = save_settings(Settings(), blocker / "sub" / "settings.toml")
    assert message is not None and "could not be saved" in message


def test_failed_write_leaves_the_old_file_intact(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    path = tmp_path / "settings.toml"
    assert save_settings(Settings(theme="light"), path) is None
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    assert save_settings(Settings(theme="dark"), path) is not None
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]
