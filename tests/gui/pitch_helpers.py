"""Helpers for the pitch editor's window tests: a voice whose output shows the curve, mouse drags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from autovoice_desktop.engine.f0_curve import curve_on_grid
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack, VoiceRequest
from autovoice_desktop.gui.pitch_editor import curve_ops
from tests.conftest import SPEECH_FEMALE
from tests.gui import harness
from tests.gui.fakes import FakeBridge, SleepyVoice


class CurveVoice(SleepyVoice):
    """Halves the input; with a curve, each sample is scaled by curve(t) / 150 (edits show in the audio)."""

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        audio, sample_rate, params = request.audio, request.sample_rate, request.params
        result = super()._convert(request)
        out = result.audio
        if params.f0_curve is not None:
            gain = curve_on_grid(params.f0_curve, np.arange(len(out)) / sample_rate) / 150.0
            out = (out * gain).astype(np.float32)
        times = np.arange(0, len(audio) / sample_rate, 0.01)
        source = 150.0 + 10 * np.sin(2 * np.pi * 5 * times)
        source[np.arange(len(times)) % 100 >= 80] = 0.0
        target = source * 2 ** (params.transpose / 12)
        return ConversionResult(out, sample_rate, PitchTrack(times, source, target), "cpu")


def converted_window(qtbot, tmp_path: Path):  # noqa: ANN001, ANN201
    """A window with the speech recording opened and converted by CurveVoice."""
    built = harness.build(qtbot, tmp_path / "settings.toml", bridge=curve_bridge())
    harness.open_file(qtbot, built, SPEECH_FEMALE)
    assert harness.convert(qtbot, built) == "done"
    return built


def mouse(editor, kind: QEvent.Type, seconds: float, note: float, shift: bool = False) -> None:  # noqa: ANN001
    pos = editor.to_viewport(seconds, note)
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    viewport = editor.plot.viewport()
    event = QMouseEvent(
        kind, pos, QPointF(viewport.mapToGlobal(pos.toPoint())), Qt.MouseButton.LeftButton, buttons, modifiers
    )
    QApplication.sendEvent(viewport, event)


def drag(editor, start: tuple[float, float], stop: tuple[float, float], shift: bool = False) -> None:  # noqa: ANN001
    mouse(editor, QEvent.Type.MouseButtonPress, *start, shift=shift)
    for k in range(1, 6):
        f = k / 5
        point = (start[0] + f * (stop[0] - start[0]), start[1] + f * (stop[1] - start[1]))
        mouse(editor, QEvent.Type.MouseMove, *point, shift=shift)
    mouse(editor, QEvent.Type.MouseButtonRelease, *stop, shift=shift)


def select(qtbot, parts, lo: float, hi: float):  # noqa: ANN001, ANN202
    editor = parts.controller.pitch.editor
    if not editor.toolbar.edit_button.isChecked():
        editor.toolbar.edit_button.click()
    editor.toolbar.select_button.click()
    note = float(np.nanmedian(curve_ops.to_midi(editor.model.edited)))
    drag(editor, (lo, note - 8), (hi, note - 8))
    assert editor.model.selection == pytest.approx((lo, hi), abs=0.02)
    return editor


def curve_bridge() -> FakeBridge:
    """A FakeBridge whose voices are CurveVoices."""
    return FakeBridge(voice_factory=lambda info: CurveVoice(info, chunk_s=0.01))
