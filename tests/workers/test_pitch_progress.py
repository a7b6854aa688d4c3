"""The input's pitch is analysed piece by piece: progress and time left on long files, one seamless curve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.gui.widgets.plots_panel import PlotsPanel
from autovoice_desktop.workers.file_load_worker import PITCH_CHUNK_SECONDS, FileLoadJob
from tests.gui.fakes import FakeBridge


def test_long_input_pitch_is_analysed_in_pieces_with_progress(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("autovoice_desktop.workers.job.PROGRESS_INTERVAL_S", 0.0)  # every update counts
    rate = 16000
    seconds = 3 * PITCH_CHUNK_SECONDS + 5
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(int(seconds * rate), dtype=np.float32), rate)
    job = FileLoadJob(FakeBridge(), str(path))
    stages: list[tuple[float, str]] = []
    job.progress.connect(lambda f, s: stages.append((f, s)))  # emitted on this thread: runs here
    results: list[Any] = []
    job.succeeded.connect(results.append)
    job.run()
    times, f0 = results[0]
    assert len(times) == len(f0) == pytest.approx(seconds * 100, abs=2)
    steps = np.diff(times)
    assert np.all(steps > 0) and np.allclose(steps, 0.01, atol=1e-6)  # no gap, no frame twice
    pitch = [f for f, s in stages if s == "Analysing pitch"]
    assert len(pitch) >= 3 and pitch == sorted(pitch)


def test_pitch_plot_shows_the_analysis_progress(qtbot: Any) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.show_input(np.zeros(16000, dtype=np.float32), 16000)
    panel.show_pitch_progress(0.0)
    panel._pitch_started -= 10.0  # 10 s ago
    panel.show_pitch_progress(0.5)
    assert panel.pitch_plot.placeholder.textItem.toPlainText() == "Analysing pitch… 50% · about 10 s left"
