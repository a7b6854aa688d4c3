"""The input's pitch is analysed once: the plot's analysis (built-in voice, chosen F0 method) is Convert's.

Real engine bridge and built-in WORLD voice, through the window: open → (pitch plot) → Convert. The analysis
is counted at world_dsp.estimate_f0 (the WORLD F0 estimator both paths call), and the converted audio must
be the same bit for bit as a conversion that analysed the input itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autovoice_desktop.engine import world_cache, world_dsp
from autovoice_desktop.workers.engine_bridge import EngineBridge
from tests.conftest import SPEECH_MALE
from tests.gui.harness import build, convert, open_file, recording_30s


@pytest.fixture
def counted(monkeypatch: Any) -> list[int]:
    """Lengths of the segments world_dsp.estimate_f0 analysed (any thread), with an empty cache."""
    calls: list[int] = []
    real = world_dsp.estimate_f0

    def counting(segment: np.ndarray, sample_rate: int, method: str) -> np.ndarray:
        calls.append(len(segment))
        return real(segment, sample_rate, method)

    world_cache.clear()
    monkeypatch.setattr(world_dsp, "estimate_f0", counting)
    yield calls
    world_cache.clear()


def _choose(parts: Any, voice_id: str, method: str) -> None:
    panel = parts.window.voice_panel
    panel.select_voice(voice_id)
    panel.f0_combo.setCurrentIndex(panel.f0_combo.findData(method))


def test_convert_reuses_the_plots_pitch_analysis_and_gives_the_same_audio(
    qtbot: Any, tmp_path: Path, counted: list[int]
) -> None:
    parts = build(qtbot, tmp_path / "settings.toml", bridge=EngineBridge())
    _choose(parts, "builtin/higher", "dio")
    shown: list[tuple[np.ndarray, np.ndarray]] = []
    show = parts.window.show_input_pitch
    parts.window.show_input_pitch = lambda t, f0: (shown.append((t, f0)), show(t, f0))  # GUI thread only
    open_file(qtbot, parts, SPEECH_MALE)
    analysed = list(counted)
    assert analysed and len(shown) == 1, "the plot's curve must come from the voice's own analysis"
    plot_times, plot_f0 = shown[0]
    assert convert(qtbot, parts) == "done"
    assert counted == analysed  # Convert analysed nothing again
    reused = parts.controller.output
    assert reused is not None and reused.pitch is not None
    np.testing.assert_array_equal(reused.pitch.times, plot_times)
    np.testing.assert_array_equal(reused.pitch.source_f0, plot_f0)

    world_cache.clear()  # without the kept analysis: Convert analyses the input itself
    assert convert(qtbot, parts) == "done"
    assert len(counted) == 2 * len(analysed)
    fresh = parts.controller.output
    assert fresh is not None and fresh is not reused
    np.testing.assert_array_equal(fresh.audio, reused.audio)  # same output with and without reuse
    parts.controller.shutdown()


def test_convert_pressed_during_the_plots_analysis_shares_it(
    qtbot: Any, tmp_path: Path, counted: list[int], monkeypatch: Any
) -> None:
    import time

    import soundfile as sf

    from autovoice_desktop.engine.world_voice import plan_chunks

    counting = world_dsp.estimate_f0  # the `counted` fixture's

    def slow(segment: np.ndarray, sample_rate: int, method: str) -> np.ndarray:
        time.sleep(0.3)  # so the plot's analysis is still running when Convert starts
        return counting(segment, sample_rate, method)

    monkeypatch.setattr(world_dsp, "estimate_f0", slow)
    path = recording_30s(tmp_path)
    parts = build(qtbot, tmp_path / "settings.toml", bridge=EngineBridge())
    _choose(parts, "builtin/higher", "dio")
    parts.window.dialogs.ask_open_audio = lambda start_dir: str(path)
    with qtbot.waitSignal(parts.controller.input_loaded, timeout=20000):
        parts.window.input_card.open_button.click()
    assert parts.controller.load_job is not None  # still analysing
    assert convert(qtbot, parts, timeout=120000) == "done"
    qtbot.waitUntil(lambda: parts.controller.load_job is None, timeout=120000)
    samples, rate = sf.read(path, dtype="float32")
    assert len(counted) == len(plan_chunks(samples, rate, 8.0))  # every chunk analysed once, by one of them
    parts.controller.shutdown()


def test_another_f0_method_is_analysed_again(qtbot: Any, tmp_path: Path, counted: list[int]) -> None:
    parts = build(qtbot, tmp_path / "settings.toml", bridge=EngineBridge())
    _choose(parts, "builtin/higher", "dio")
    open_file(qtbot, parts, SPEECH_MALE)
    analysed = len(counted)
    _choose(parts, "builtin/higher", "harvest")  # the kept DIO analysis does not apply to Harvest
    assert convert(qtbot, parts) == "done"
    assert len(counted) == 2 * analysed
    parts.controller.shutdown()
