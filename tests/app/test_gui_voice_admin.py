"""Imported voices from the window: details, rename and remove (confirmed), and the engine side of both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autovoice_desktop.app.voice_admin import attach_voice_admin
from autovoice_desktop.core.errors import VoiceError, VoiceNotFoundError
from autovoice_desktop.engine.sovits.library import import_voice, list_installed
from autovoice_desktop.engine.sovits.voice_admin import remove_installed, rename_installed
from tests.engine.sovits_helpers import write_voice
from tests.gui.harness import build


def test_rename_and_remove_installed_voices(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    write_voice(tmp_path / "src" / "Alto")
    write_voice(tmp_path / "src" / "Bass")
    import_voice(tmp_path / "src" / "Alto", voices)
    import_voice(tmp_path / "src" / "Bass", voices)
    renamed = rename_installed(voices, "Alto", "Soprano")
    assert renamed.voice_id == "sovits/Soprano" and renamed.details["checkpoint"].startswith("G_")
    with pytest.raises(VoiceError, match="already installed"):
        rename_installed(voices, "Soprano", "Bass")
    with pytest.raises(VoiceNotFoundError):
        remove_installed(voices, "../src")  # never outside the voices folder
    remove_installed(voices, "Bass")
    assert [v.name for v in list_installed(voices)] == ["Soprano"]
    assert (tmp_path / "src" / "Bass").is_dir()


def test_details_rename_and_remove_from_the_window(qtbot: Any, tmp_path: Path) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    admin = attach_voice_admin(parts.window, parts.controller)
    panel = parts.window.voice_panel
    admin.show()  # a built-in voice: details only
    assert admin.dialog.value("Kind") == "built-in" and not admin.dialog.remove_button.isEnabled()
    panel.voice_combo.setCurrentIndex(panel.voice_combo.findData("sovits/duet"))
    admin.show()
    assert admin.dialog.value("Speakers") == "alto, tenor" and admin.dialog.rename_button.isEnabled()
    admin.dialog.ask_new_name = lambda current: "Trio"
    with qtbot.waitSignal(admin.voices_changed, timeout=10000):
        admin.dialog.rename_button.click()
    assert panel.current_voice().voice_id == "sovits/Trio" and admin.dialog.value("Name") == "Trio"
    assert parts.controller.settings.voice_id == "sovits/Trio"
    asked: list[str] = []
    admin.dialog.confirm_remove = lambda name: asked.append(name) or False  # the user says No
    admin.dialog.remove_button.click()
    assert asked == ["Trio"] and any(v.voice_id == "sovits/Trio" for v in parts.bridge.voices)
    admin.dialog.confirm_remove = lambda name: True
    with qtbot.waitSignal(admin.voices_changed, timeout=10000):
        admin.dialog.remove_button.click()
    assert all(v.voice_id != "sovits/Trio" for v in parts.bridge.voices)
    assert panel.current_voice() is not None and panel.current_voice().kind == "builtin"
    assert not admin.dialog.isVisible()
