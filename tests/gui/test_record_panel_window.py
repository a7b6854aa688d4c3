"""The record panel in the main window: Record/Stop -> the take is the input (plots) -> conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.app.recording import attach_recording
from autovoice_desktop.audio.recorder import Recorder
from autovoice_desktop.core.types import AudioDeviceInfo
from tests.audio.fakes import FakeSoundDevice
from tests.conftest import SPEECH_FEMALE
from tests.gui.harness import build
from tests.pulse import PulseServer, correlate_aligned

DEVICES = [AudioDeviceInfo(0, "Fake Mic", "ALSA", 2, 0, 48000.0, is_default_input=True)]


def _record(qtbot: Any, recording: Any, seconds: float, feed: Any = None) -> str:
    panel = recording.panel
    with qtbot.waitSignal(recording.take_ready, timeout=60000) as blocker:
        panel.record_button.click()
        if feed is not None:
            qtbot.waitUntil(
                lambda: recording.worker is not None and recording.worker._announced, timeout=20000
            )
            feed()
        qtbot.wait(int(seconds * 1000))
        panel.record_button.click()
    qtbot.waitUntil(lambda: recording.thread is None, timeout=10000)
    return blocker.args[0]


def test_recorded_take_becomes_the_input_and_is_converted(qtbot: Any, tmp_path: Path) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    sd = FakeSoundDevice()
    sd.speed = 1.0
    speech, rate = sf.read(str(SPEECH_FEMALE), dtype="float32")
    sd.input_signal = np.interp(np.arange(0, len(speech), rate / 48000), np.arange(len(speech)), speech)
    recording = attach_recording(
        parts.window,
        parts.controller,
        recorder_factory=lambda **kw: Recorder(sd=sd, **kw),
        list_devices=lambda: DEVICES,
    )
    panel = recording.panel
    qtbot.waitUntil(lambda: panel.input_combo.count() == 2, timeout=5000)
    assert panel.isVisible()
    panel.convert_checkbox.setChecked(True)
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=60000) as ended:
        path = _record(qtbot, recording, 1.5)
    assert ended.args[0] == "done"
    assert parts.controller.input_path == path
    x, y = parts.window.plots.input_plot.curve.getData()
    assert len(x) > 100 and np.max(np.abs(y)) > 0.05
    assert parts.window.plots.output_plot.envelope is not None
    assert "48 kHz" in parts.window.input_card.meta_label.text()
    recording.shutdown()


@pytest.mark.audio
@pytest.mark.slow
def test_record_button_records_the_virtual_microphone(
    qtbot: Any, tmp_path: Path, pulse: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULSE_SOURCE", raising=False)  # choosing "VirtualMic" sets it; unset again afterwards
    parts = build(qtbot, tmp_path / "settings.toml")
    recording = attach_recording(parts.window, parts.controller)
    panel = recording.panel
    qtbot.waitUntil(lambda: panel.input_combo.count() > 1, timeout=10000)
    inputs = [panel.input_combo.itemData(i) for i in range(panel.input_combo.count())]
    outputs = [panel.output_combo.itemData(i) for i in range(panel.output_combo.count())]
    assert "VirtualMic" in inputs and "VirtualSpeaker" in outputs and "MicFeed" in outputs  # PulseAudio names
    panel.input_combo.setCurrentIndex(inputs.index("VirtualMic"))  # records through pulse + PULSE_SOURCE
    ref, ref_rate = sf.read(str(SPEECH_FEMALE), dtype="float32")
    clip = Path(pulse.runtime_dir) / "clip3s.wav"
    sf.write(str(clip), ref[: 3 * ref_rate], ref_rate)
    with qtbot.waitSignal(parts.controller.input_loaded, timeout=60000):
        path = _record(qtbot, recording, 3.6, feed=lambda: pulse.feed_mic(clip, wait=False))
    data, rate = sf.read(path, dtype="float32")
    ref3 = np.interp(
        np.arange(0, 3 * ref_rate, ref_rate / rate), np.arange(3 * ref_rate), ref[: 3 * ref_rate]
    )
    corr, _lag, overlap = correlate_aligned(ref3, data)
    assert corr >= 0.95 and overlap >= 0.9, (corr, overlap)
    x, y = parts.window.plots.input_plot.curve.getData()
    assert len(x) > 100 and np.max(np.abs(y)) > 0.05
    recording.shutdown()
