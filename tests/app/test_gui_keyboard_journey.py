"""A keyboard-only journey: open → voice → convert → A/B → play → save, no mouse anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import SPEECH_MALE
from tests.gui.harness import build


def _key(qtbot: Any, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, mods)


def test_keyboard_only_open_voice_convert_ab_save(qtbot: Any, tmp_path: Path) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    w, c = parts.window, parts.controller
    w.activateWindow()
    w.input_card.open_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.input_card.open_button, timeout=3000)
    ctrl = Qt.KeyboardModifier.ControlModifier
    w.dialogs.ask_open_audio = lambda start: str(SPEECH_MALE)  # the file dialog's answer
    with qtbot.waitSignal(c.input_loaded, timeout=20000):
        _key(qtbot, Qt.Key.Key_O, ctrl)
    qtbot.waitUntil(lambda: c.load_job is None, timeout=20000)
    combo = w.voice_panel.voice_combo
    while QApplication.focusWidget() is not combo:  # Tab to the voice picker
        _key(qtbot, Qt.Key.Key_Tab)
    first = combo.currentData()
    _key(qtbot, Qt.Key.Key_Down)  # the next voice
    assert combo.currentData() != first
    chosen = w.voice_panel.current_voice()
    with qtbot.waitSignal(c.conversion_ended, timeout=60000) as ended:
        _key(qtbot, Qt.Key.Key_Return, ctrl)
    assert ended.args[0] == "done"
    qtbot.waitUntil(lambda: c.conversion_job is None, timeout=5000)
    assert w.transport.source == "input"
    _key(qtbot, Qt.Key.Key_B, ctrl)  # A/B
    assert w.transport.source == "output"
    _key(qtbot, Qt.Key.Key_Space)  # play the output, whatever has the focus
    qtbot.waitUntil(
        lambda: any(call[0] == "play" and call[1] == "output" for call in parts.player.calls), timeout=3000
    )
    target = tmp_path / "saved.wav"
    w.dialogs.ask_save_audio = lambda suggested: str(target)
    with qtbot.waitSignal(c.exported, timeout=10000):
        _key(qtbot, Qt.Key.Key_S, ctrl)
    assert sf.info(str(target)).frames > 0
    assert chosen is not None and c.settings.voice_id == chosen.voice_id
