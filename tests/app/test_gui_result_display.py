"""A finished conversion is shown in steps (one per event-loop turn), never in one long GUI-thread slot."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QApplication

from autovoice_desktop.audio.player import Player, finite
from autovoice_desktop.workers.conversion_worker import ConversionOutput
from tests.conftest import SPEECH_FEMALE, SPEECH_MALE
from tests.gui.harness import build, convert, open_file


def _output(seconds: float, rate: int = 16000) -> ConversionOutput:
    audio = np.full(int(seconds * rate), 0.25, np.float32)
    times = np.arange(0, seconds, 0.01)
    f0 = np.full(len(times), 300.0)
    return ConversionOutput(audio, rate, None, (times, f0), 1.0, seconds, "cpu", "CPU")


def test_result_is_shown_one_step_per_event_loop_turn(qtbot: Any, tmp_path: Any) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    open_file(qtbot, parts, SPEECH_MALE)
    assert convert(qtbot, parts) == "done"
    controller, window = parts.controller, parts.window
    out = _output(len(controller.input_audio.samples) / controller.input_audio.sample_rate)
    ended: list[str] = []
    controller.conversion_ended.connect(ended.append)
    before = np.array(window.plots.pitch_plot.curves["output"].getData()[1])
    controller._on_converted(out)  # as the job's queued `succeeded` call does
    assert controller.output is out and controller.display.pending == 3  # nothing drawn in the slot itself
    assert not ended and controller.playback.sources["output"][0] is not out.audio
    left = [controller.display.pending]
    while left[-1] and len(left) < 100:
        QApplication.processEvents()  # one event-loop turn
        left.append(controller.display.pending)
        if left[-1] == 2:  # after the first step: the waveform only
            assert window.plots.output_plot.envelope is not None and not ended
            now = window.plots.pitch_plot.curves["output"].getData()[1]
            assert np.array_equal(now, before, equal_nan=True)  # the pitch curve is not drawn yet …
    assert all(a - b <= 1 for a, b in zip(left[:-1], left[1:], strict=True)), left  # one step per turn
    assert 2 in left, left
    assert ended == ["done"] and controller.display.pending == 0
    assert controller.playback.sources["output"][0] is out.audio  # … and playback got the new output last
    midi = window.plots.pitch_plot.curves["output"].getData()[1]
    assert np.nanmax(midi) - np.nanmin(midi) < 1e-6  # the flat 300 Hz curve


def test_a_new_input_drops_the_rest_of_the_previous_result(qtbot: Any, tmp_path: Any) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    open_file(qtbot, parts, SPEECH_MALE)
    ended: list[str] = []
    parts.controller.conversion_ended.connect(ended.append)
    parts.controller._on_converted(_output(1.0))
    open_file(qtbot, parts, SPEECH_FEMALE)
    qtbot.wait(100)
    assert parts.controller.display.pending == 0 and not ended
    assert "output" not in parts.controller.playback.sources


def test_the_player_keeps_finite_sources_without_copying_them() -> None:
    clean = np.linspace(-0.5, 0.5, 3_000_000, dtype=np.float32)
    assert finite(clean) is clean
    dirty = clean.copy()
    dirty[2_500_000] = np.nan
    fixed = finite(dirty)
    assert fixed is not dirty and fixed[2_500_000] == 0 and np.isnan(dirty[2_500_000])
    player = Player(sd=object())  # load() opens nothing
    player.load({"input": (clean, 16000), "output": (dirty, 16000)})
    assert player._raw["input"][0] is clean and np.isfinite(player._raw["output"][0]).all()
    player.load({"input": (clean, 16000), "output": (dirty, 16000)})  # again (a new result, same input)
    assert player._raw["input"][0] is clean and np.isfinite(player._raw["output"][0]).all()
