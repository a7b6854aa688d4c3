"""The Live card: pickers, Start/Stop, bypass shortcut, counters; wired to a real session on fake devices."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from autovoice_desktop.app.live_wiring import LiveWiring
from autovoice_desktop.core.types import AudioDeviceInfo
from autovoice_desktop.gui.live_panel import LivePanel, is_virtual_cable
from tests.audio.fakes import FakeSoundDevice, realtime_device_with_voice


def _devices() -> list[AudioDeviceInfo]:
    return [
        AudioDeviceInfo(0, "Fake Mic", "Fake", 1, 0, 48000.0, is_default_input=True),
        AudioDeviceInfo(1, "Fake Speaker", "Fake", 0, 2, 48000.0, is_default_output=True),
        AudioDeviceInfo(2, "CABLE Input (VB-Audio Virtual Cable)", "Fake", 0, 2, 48000.0),
    ]


@pytest.fixture
def panel(qtbot: Any) -> LivePanel:
    widget = LivePanel()
    qtbot.addWidget(widget)
    widget.set_devices(_devices())
    widget.set_voices(["Higher", "Deeper"])
    widget.show()
    return widget


def test_pickers_mark_virtual_cables(panel: LivePanel) -> None:
    outputs = [panel.output_combo.itemText(i) for i in range(panel.output_combo.count())]
    assert outputs[0] == "System default"
    assert "CABLE Input (VB-Audio Virtual Cable)  [virtual cable]" in outputs
    assert [panel.input_combo.itemText(i) for i in range(panel.input_combo.count())] == [
        "System default",
        "Fake Mic",
    ]
    panel.output_combo.setCurrentIndex(2)
    assert panel.output_device() == "CABLE Input (VB-Audio Virtual Cable)"
    assert is_virtual_cable("BlackHole 2ch") and not is_virtual_cable("Speakers")


def test_start_stop_bypass_shortcut_and_counters(panel: LivePanel, qtbot: Any) -> None:
    with qtbot.waitSignal(panel.start_requested):
        panel.start_button.click()
    panel.set_running(True)
    assert panel.start_button.text() == "Stop live" and not panel.input_combo.isEnabled()
    with qtbot.waitSignal(panel.bypass_changed) as blocker:
        panel.shortcut.activated.emit()  # F8
    assert blocker.args == [True] and panel.bypass_checkbox.isChecked()
    with qtbot.waitSignal(panel.settings_changed) as blocker:
        panel.transpose_spin.setValue(3.0)
    assert blocker.args == [3.0, 0.0]
    panel.set_stats(92.4, 2, 25.0)
    assert panel.stats_label.text() == "latency ≈ 92 ms · dropouts 2 · block 25 ms"
    with qtbot.waitSignal(panel.stop_requested):
        panel.start_button.click()
    panel.set_error("Live stopped: 'Fake Mic' stopped")
    assert panel.start_button.text() == "Start live" and "Fake Mic" in panel.status_label.text()


def _fake_sd() -> FakeSoundDevice:
    return realtime_device_with_voice()


def _live_threads() -> list[str]:
    names = ("live-worker", "live-start", "live-stop", "live-voice")
    return [t.name for t in threading.enumerate() if t.name in names and t.is_alive()]


def test_wired_session_runs_updates_counters_and_stops_on_device_loss(panel: LivePanel, qtbot: Any) -> None:
    sd = _fake_sd()
    wiring = LiveWiring(panel, sd=sd)
    panel.voice_combo.setCurrentText("Higher")
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.running, timeout=20000)
    qtbot.waitUntil(
        lambda: "dropouts" in panel.stats_label.text() and "–" not in panel.stats_label.text(), timeout=10000
    )
    session = wiring.session
    assert session is not None
    panel.bypass_checkbox.setChecked(True)
    assert session.processor.bypass is True
    panel.transpose_spin.setValue(5.0)
    qtbot.waitUntil(lambda: session.processor.stats.blocks > 20, timeout=10000)
    first_stream = session.processor._stream
    assert first_stream._params.transpose == 5.0  # the spin box reached the running stream
    panel.voice_combo.setCurrentText("Deeper")  # switched within a block, no restart
    qtbot.waitUntil(lambda: session.processor._stream is not first_stream, timeout=10000)
    assert wiring.session is session and session.processor._stream._params.transpose == 5.0
    sd.lose_after_blocks = 0  # the device disappears
    qtbot.waitUntil(lambda: not panel.running and "Live stopped" in panel.status_label.text(), timeout=20000)
    deadline = time.monotonic() + 10
    while _live_threads() and time.monotonic() < deadline:
        qtbot.wait(50)
    assert _live_threads() == []
    assert wiring.session is None


def test_start_failure_is_shown(panel: LivePanel, qtbot: Any) -> None:
    sd = _fake_sd()
    sd.open_error = RuntimeError("device busy")
    LiveWiring(panel, sd=sd)
    panel.voice_combo.setCurrentText("Higher")
    panel.start_button.click()
    qtbot.waitUntil(lambda: "busy" in panel.status_label.text(), timeout=20000)
    assert not panel.running and panel.start_button.isEnabled()


def test_live_card_gets_devices_listed_before_it_was_attached(qtbot: Any, tmp_path: Any) -> None:
    """The record panel lists devices on a thread as soon as it is attached; a listing that finished before
    the Live card was attached was lost (the Live card's pickers stayed empty with fast device listings)."""
    from autovoice_desktop.app.live_wiring import attach_live
    from autovoice_desktop.app.recording import attach_recording
    from tests.gui.harness import build

    parts = build(qtbot, tmp_path / "settings.toml")
    recording = attach_recording(parts.window, parts.controller, list_devices=_devices)
    deadline = time.monotonic() + 10
    while recording.last_devices is None and time.monotonic() < deadline:
        time.sleep(0.01)  # no event loop: the queued delivery to the record panel waits
    live = attach_live(parts.window, parts.controller, recording)
    try:
        qtbot.wait(50)
        inputs = [live.panel.input_combo.itemText(i) for i in range(live.panel.input_combo.count())]
        assert any("Fake Mic" in text for text in inputs), inputs
        assert recording.panel.input_combo.count() > 1
    finally:
        live.shutdown()
        recording.shutdown()
