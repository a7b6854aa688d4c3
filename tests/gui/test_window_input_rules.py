"""Keyboard, wheel and layout rules of the window: Space plays wherever the focus is (except text fields),
Enter presses the focused button, the wheel scrolls the panel unless a control has the focus, minimum
sizes that cut nothing, Convert says why it is disabled, Save As bit depth, the shared naming rule."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from autovoice_desktop.app.cli import plan_outputs
from autovoice_desktop.app.record_access import link_record_access
from autovoice_desktop.app.recording import attach_recording
from autovoice_desktop.core.errors import AudioFormatError
from autovoice_desktop.core.naming import output_name, voice_slug
from autovoice_desktop.core.types import AudioDeviceInfo
from autovoice_desktop.gui.dialogs.file_dialogs import save_choice
from autovoice_desktop.gui.widgets.convert_card import time_left
from autovoice_desktop.workers.job import Job
from tests.conftest import SPEECH_MALE
from tests.gui.harness import build, convert, open_file

DEVICES = [AudioDeviceInfo(0, "Fake Mic", "ALSA", 2, 0, 48000.0, is_default_input=True)]


@pytest.fixture
def parts(qtbot: Any, tmp_path: Path) -> Any:
    return build(qtbot, tmp_path / "settings.toml")


def _press(qtbot: Any, widget: QWidget, key: Qt.Key) -> None:
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=3000)
    qtbot.keyClick(widget, key)


def _plays(parts: Any) -> int:
    return sum(1 for call in parts.player.calls if call[0] == "play")


def _enable_half(vp: Any) -> None:
    """The half-precision box is enabled for a So-VITS-SVC voice on a GPU (the fake bridge lists both)."""
    vp.voice_combo.setCurrentIndex(vp.voice_combo.findData("sovits/duet"))
    vp.device_combo.setCurrentIndex(vp.device_combo.findData("cuda:0"))
    assert vp.half.isEnabled()


def _transport_calls(parts: Any) -> int:
    return sum(1 for call in parts.player.calls if call[0] in ("play", "pause"))


def test_space_plays_whatever_control_has_the_focus(qtbot: Any, parts: Any) -> None:
    open_file(qtbot, parts, SPEECH_MALE)
    w, vp = parts.window, parts.window.voice_panel
    _enable_half(vp)
    asked: list[str] = []
    w.dialogs.ask_voice_source = lambda start: asked.append(start)  # the Import button must not fire
    before = vp.half.isChecked()
    controls = (vp.half, vp.import_button, vp.f0_combo, vp.transpose.slider, w.convert_card.convert_button)
    for count, control in enumerate(controls, 1):
        _press(qtbot, control, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda n=count: _transport_calls(parts) >= n, timeout=3000)
    assert vp.half.isChecked() is before, "Space toggled the focused check box"
    assert asked == [], "Space pressed the focused Import button"
    assert not vp.f0_combo.view().isVisible(), "Space opened the focused combo box"
    assert parts.controller.conversion_job is None, "Space pressed Convert"


def test_space_types_in_text_fields_and_is_inert_without_input(qtbot: Any, parts: Any) -> None:
    w = parts.window
    field = QLineEdit()
    w.add_side_widget(field, 1)
    asked: list[str] = []
    w.dialogs.ask_open_audio = lambda start: asked.append(start)
    _press(qtbot, w.input_card.open_button, Qt.Key.Key_Space)  # nothing loaded: play is off, Open not pressed
    assert asked == [] and parts.player.calls == []
    open_file(qtbot, parts, SPEECH_MALE)
    _press(qtbot, field, Qt.Key.Key_Space)
    qtbot.keyClicks(field, "ab")
    assert field.text() == " ab"
    assert _plays(parts) == 0


def test_enter_presses_the_focused_button_and_toggles_the_check_box(qtbot: Any, parts: Any) -> None:
    open_file(qtbot, parts, SPEECH_MALE)
    vp = parts.window.voice_panel
    _enable_half(vp)
    before = vp.half.isChecked()
    _press(qtbot, vp.half, Qt.Key.Key_Return)
    assert vp.half.isChecked() is not before
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=60000) as ended:
        _press(qtbot, parts.window.convert_card.convert_button, Qt.Key.Key_Return)
    assert ended.args[0] == "done"


def _wheel(widget: QWidget, steps: int = -3) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_scrolls_the_panel_unless_the_control_has_the_focus(qtbot: Any, parts: Any) -> None:
    w, vp = parts.window, parts.window.voice_panel
    w.resize(w.minimumSize())
    qtbot.waitUntil(lambda: w.side_scroll.verticalScrollBar().maximum() > 0, timeout=3000)
    bar = w.side_scroll.verticalScrollBar()
    assert vp.f0_combo.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel cannot take the focus
    index, value = vp.f0_combo.currentIndex(), vp.transpose.slider.value()
    w.activateWindow()
    w.convert_card.convert_button.setFocus()
    _wheel(vp.f0_combo)
    _wheel(vp.transpose.slider)
    assert vp.f0_combo.currentIndex() == index and vp.transpose.slider.value() == value
    assert bar.value() > 0, "the wheel over an unfocused control did not scroll the panel"
    w.activateWindow()
    vp.transpose.slider.setFocus()
    qtbot.waitUntil(vp.transpose.slider.hasFocus, timeout=3000)
    _wheel(vp.transpose.slider, 1)
    assert vp.transpose.slider.value() != value, "a focused slider must still take the wheel"


def test_minimum_size_cuts_nothing_and_record_is_reachable(qtbot: Any, parts: Any, tmp_path: Path) -> None:
    w = parts.window
    recording = attach_recording(w, parts.controller, list_devices=lambda: DEVICES)
    w.move_side_widget(recording.panel, 2)
    link_record_access(w, recording.panel)
    w.resize(100, 100)
    qtbot.waitUntil(lambda: w.width() == w.minimumWidth(), timeout=3000)
    assert w.minimumWidth() >= w.side_column.minimumWidth() + w.transport.minimumSizeHint().width()
    for button in (
        w.transport.export_button,
        w.transport.a_button,
        w.transport.b_button,
        w.input_card.open_button,
        w.input_card.record_button,
        w.convert_card.convert_button,
    ):
        assert button.width() >= button.minimumSizeHint().width(), button.text()
    assert w.side.width() >= w.side.minimumSizeHint().width()
    w.resize(1280, 800)
    qtbot.waitUntil(lambda: w.width() == 1280, timeout=3000)
    assert w.input_card.record_button.isVisible()
    recording.panel.count_in_spin.setValue(3)  # count-in: nothing is recorded by this test
    w.input_card.record_button.click()
    panel = recording.panel
    assert panel.counting_in == 3
    top_left = panel.mapTo(w.side_scroll.viewport(), QPoint(0, 0))
    assert top_left.y() >= 0 and top_left.y() + panel.record_button.y() < w.side_scroll.viewport().height()
    panel.toggle_recording()  # cancel the count-in
    assert panel.counting_in == 0
    recording.shutdown()


def test_convert_explains_why_it_is_disabled(qtbot: Any, parts: Any) -> None:
    button = parts.window.convert_card.convert_button
    assert not button.isEnabled()
    assert "Open" in button.toolTip() and "Open" in parts.window.convert_card.result_label.text()
    open_file(qtbot, parts, SPEECH_MALE)
    assert button.isEnabled() and "Ctrl+Enter" in button.toolTip()
    assert parts.window.convert_card.result_label.text() == ""


def test_save_as_offers_a_bit_depth(qtbot: Any, parts: Any, tmp_path: Path) -> None:
    assert save_choice("/x/a", "WAV 24-bit (*.wav)") == ("/x/a.wav", "PCM_24")
    assert save_choice("/x/a.flac", "WAV 24-bit (*.wav)") == ("/x/a.flac", None)
    assert save_choice("/x/a.wav", "WAV 32-bit float (*.wav)") == ("/x/a.wav", "FLOAT")
    open_file(qtbot, parts, SPEECH_MALE)
    assert convert(qtbot, parts) == "done"
    w = parts.window
    for name, subtype in (("a.wav", "PCM_24"), ("b.wav", "FLOAT"), ("c.flac", "PCM_16"), ("d.wav", None)):

        def answer(suggested: str, n: str = name, s: str | None = subtype) -> str:
            w.dialogs.save_subtype = s
            return str(tmp_path / n)

        w.dialogs.ask_save_audio = answer
        with qtbot.waitSignal(parts.controller.exported, timeout=10000):
            w.transport.export_button.click()
        assert sf.info(str(tmp_path / name)).subtype == (subtype or "PCM_16")


def test_window_and_cli_name_outputs_with_one_rule(qtbot: Any, parts: Any, tmp_path: Path) -> None:
    open_file(qtbot, parts, SPEECH_MALE)
    assert convert(qtbot, parts) == "done"
    voice = parts.window.voice_panel.current_voice()
    slug = voice_slug(voice)
    suggested = Path(parts.window.suggested_output)
    assert suggested.name == output_name(SPEECH_MALE, slug) == f"{SPEECH_MALE.stem}.{slug}.wav"
    assert plan_outputs([SPEECH_MALE, SPEECH_MALE], tmp_path, None, slug)[0].name == suggested.name


def test_failed_job_is_logged_without_doubled_wording(qtbot: Any, caplog: Any) -> None:
    class Failing(Job):
        title = "Could not open the file"

        def work(self) -> None:
            raise AudioFormatError("x.wav: not audio", "choose another file")

    job = Failing()
    with caplog.at_level(logging.WARNING):
        job.run()
    text = caplog.records[-1].getMessage()
    assert text.startswith("Could not open the file: x.wav") and "failed" not in text


def test_each_stage_is_shown_and_the_engine_done_is_not_the_end(qtbot: Any) -> None:
    from autovoice_desktop.workers.conversion_worker import _stage

    shown: list[str] = []
    job = Job()
    job.progress.connect(lambda _f, stage: shown.append(stage))  # same-thread emit: runs right here
    for stage in ("Converting", "Converting", "Measuring output pitch"):
        job.report(0.5, stage)
    assert shown == ["Converting", "Measuring output pitch"]
    assert _stage("done") == "Converting" and _stage("analysing pitch") == "Analysing pitch"
    assert time_left(10.0, 0.5) == "about 10 s left" and time_left(0.2, 0.5) == ""
    assert time_left(100.0, 0.25) == "about 5 min 00 s left"
