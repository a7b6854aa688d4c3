"""RecordPanel alone: pickers, Record/Stop and Ctrl+R, count-in, meter redrawn by its timer, worker wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from autovoice_desktop.app.recording import RecordingController
from autovoice_desktop.audio.recorder import Recorder
from autovoice_desktop.audio.takes import TakeFile, new_take_path
from autovoice_desktop.core.types import AudioDeviceInfo
from autovoice_desktop.gui.record_panel import RecordPanel
from tests.audio.fakes import FakeSoundDevice

DEVICES = [
    AudioDeviceInfo(0, "USB Mic", "ALSA", 1, 0, 48000.0),
    AudioDeviceInfo(1, "Laptop Mic", "ALSA", 2, 0, 44100.0, is_default_input=True),
    AudioDeviceInfo(2, "Speakers", "ALSA", 0, 2, 44100.0, is_default_output=True),
]


@pytest.fixture
def panel(qtbot: Any) -> RecordPanel:
    widget = RecordPanel()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_pickers_list_devices_and_keep_the_choice(panel: RecordPanel) -> None:
    panel.set_devices(DEVICES)
    assert panel.input_combo.count() == 3 and panel.output_combo.count() == 2
    assert "★" in panel.input_combo.itemText(2)
    assert panel.input_device() == "" and panel.output_device() == ""  # system default preselected
    panel.input_combo.setCurrentIndex(1)
    assert panel.input_device() == "USB Mic"
    panel.set_devices(DEVICES[::-1])  # refreshed list, other order: the choice stays
    assert panel.input_device() == "USB Mic"
    panel.set_devices([DEVICES[2]])
    assert not panel.record_button.isEnabled() and "No microphone" in panel.status_label.text()


def test_record_stop_and_shortcut(panel: RecordPanel, qtbot: Any) -> None:
    panel.set_devices(DEVICES)
    panel.max_length_spin.setValue(10)
    with qtbot.waitSignal(panel.record_requested) as blocker:
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["", 10.0] and panel.record_button.text() == "Stop"
    with qtbot.waitSignal(panel.stop_requested):
        qtbot.keyClick(panel, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert not panel.recording and panel.record_button.text() == "Record"


def test_count_in(panel: RecordPanel, qtbot: Any) -> None:
    panel.set_devices(DEVICES)
    panel.count_in_spin.setValue(1)
    requested: list[Any] = []
    panel.record_requested.connect(lambda *args: requested.append(args))
    panel.record_button.click()
    assert "Starting in 1" in panel.record_button.text() and not requested
    qtbot.waitUntil(lambda: bool(requested), timeout=3000)
    assert panel.recording
    panel.record_button.click()
    panel.count_in_spin.setValue(2)
    panel.record_button.click()
    panel.record_button.click()  # Stop during the count-in cancels
    qtbot.wait(2300)
    assert len(requested) == 1 and not panel.recording


def test_meter_redraws_on_its_timer_not_per_update(panel: RecordPanel, qtbot: Any) -> None:
    panel.set_devices(DEVICES)
    panel.set_recording(True)
    before = panel.meter.redraws
    for _ in range(500):
        panel.set_levels(-3.0, -12.0, False)
    assert panel.meter.redraws == before
    panel.set_levels(-0.0, -3.0, True)
    qtbot.wait(350)
    assert 5 <= panel.meter.redraws - before <= 15
    assert panel.meter.clipped and "CLIP" in panel.level_label.text()
    assert "-0.0 dBFS" in panel.level_label.text() or "0.0 dBFS" in panel.level_label.text()
    image = panel.meter.grab().toImage()
    red = image.pixelColor(image.width() - 3, image.height() // 2)
    assert red.red() > 200 and red.green() < 80  # the clip lamp is lit
    panel.set_recording(False)


class FakeController:
    """What RecordingController needs from the app Controller."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def open_file(self, path: str) -> None:
        self.opened.append(path)


def test_record_button_produces_a_take_via_the_worker(panel: RecordPanel, qtbot: Any) -> None:
    sd = FakeSoundDevice()
    sd.speed = 1.0
    sd.input_signal = (0.25 * np.sin(np.arange(48000 * 10) / 7.0)).astype(np.float32)
    app = FakeController()
    recording = RecordingController(
        panel, app, recorder_factory=lambda **kw: Recorder(sd=sd, **kw), list_devices=lambda: DEVICES
    )
    with qtbot.waitSignal(recording.devices_listed, timeout=5000):
        recording.refresh_devices()
    qtbot.waitUntil(lambda: panel.input_combo.count() == 3, timeout=2000)
    panel.record_button.click()
    qtbot.waitUntil(lambda: panel.elapsed_label.text() >= "0:00.8", timeout=10000)
    assert panel.meter.peak_db > -20
    with qtbot.waitSignal(recording.take_ready, timeout=10000) as blocker:
        panel.record_button.click()
    qtbot.waitUntil(lambda: recording.worker is None, timeout=5000)
    path = blocker.args[0]
    assert app.opened == [path] and "Take saved" in panel.status_label.text()
    data, rate = sf.read(path, dtype="float32")
    assert rate == 48000 and len(data) >= 0.75 * rate
    assert np.allclose(data, sd.input_signal[: len(data)])


def test_device_loss_shows_an_error_and_keeps_the_take(panel: RecordPanel, qtbot: Any) -> None:
    sd = FakeSoundDevice()
    sd.lose_after_blocks = 40
    app = FakeController()
    recording = RecordingController(panel, app, recorder_factory=lambda **kw: Recorder(sd=sd, **kw))
    panel.set_devices(DEVICES)
    with qtbot.waitSignal(recording.take_ready, timeout=10000):
        panel.record_button.click()
    qtbot.waitUntil(lambda: not panel.recording, timeout=5000)
    assert "kept" in panel.status_label.text() or app.opened
    assert sf.info(app.opened[0]).frames == 40 * sd.blocksize


def test_no_device_error_is_shown(panel: RecordPanel, qtbot: Any) -> None:
    sd = FakeSoundDevice([], default=(-1, -1))
    recording = RecordingController(
        panel, FakeController(), recorder_factory=lambda **kw: Recorder(sd=sd, **kw)
    )
    panel.set_devices(DEVICES)
    panel.record_button.click()
    qtbot.waitUntil(lambda: not panel.recording, timeout=5000)
    assert "no audio microphone" in panel.status_label.text()
    assert recording.worker is None


def test_unfinished_take_is_recovered_and_offered(panel: RecordPanel, qtbot: Any) -> None:
    take = TakeFile(new_take_path(), 16000, 1)
    take.append(np.full(1600, 0.1, dtype=np.float32))
    take.sync()
    take.close(finish=False)  # as a crash leaves it
    app = FakeController()
    recording = RecordingController(panel, app, list_devices=lambda: DEVICES)
    (path,) = recording.recover_takes()
    assert Path(path).exists() and panel.recovered_button.isVisible()
    panel.recovered_button.click()
    assert app.opened == [path] and not panel.recovered_button.isVisible()
