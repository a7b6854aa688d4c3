"""The pitch editor in the window (pytest-qt, fake engine): every tool, undo/redo of each, the Edit menu,
span re-render spliced into the output while playback goes on, and parameter changes as undo steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from autovoice_desktop.core.types import ConversionParams, ProgressFn
from autovoice_desktop.engine.f0_curve import curve_on_grid
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack
from autovoice_desktop.gui.pitch_editor import curve_ops
from tests.conftest import SPEECH_FEMALE
from tests.gui import harness
from tests.gui.fakes import FakeBridge, SleepyVoice


class CurveVoice(SleepyVoice):
    """Halves the input; with a curve, each sample is scaled by curve(t) / 150 (edits show in the audio)."""

    def convert(
        self, audio, sample_rate, params: ConversionParams, *, progress: ProgressFn | None = None, cancel=None
    ) -> ConversionResult:  # noqa: ANN001
        result = super().convert(audio, sample_rate, params, progress=progress, cancel=cancel)
        out = result.audio
        if params.f0_curve is not None:
            gain = curve_on_grid(params.f0_curve, np.arange(len(out)) / sample_rate) / 150.0
            out = (out * gain).astype(np.float32)
        times = np.arange(0, len(audio) / sample_rate, 0.01)
        source = 150.0 + 10 * np.sin(2 * np.pi * 5 * times)
        source[np.arange(len(times)) % 100 >= 80] = 0.0
        target = source * 2 ** (params.transpose / 12)
        return ConversionResult(out, sample_rate, PitchTrack(times, source, target), "cpu")


@pytest.fixture
def parts(qtbot, tmp_path: Path):  # noqa: ANN001, ANN201
    bridge = FakeBridge(voice_factory=lambda info: CurveVoice(info, chunk_s=0.01))
    built = harness.build(qtbot, tmp_path / "settings.toml", bridge=bridge)
    harness.open_file(qtbot, built, SPEECH_FEMALE)
    assert harness.convert(qtbot, built) == "done"
    return built


def _mouse(editor, kind: QEvent.Type, seconds: float, note: float, shift: bool = False) -> None:  # noqa: ANN001
    pos = editor.to_viewport(seconds, note)
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    viewport = editor.plot.viewport()
    event = QMouseEvent(
        kind, pos, QPointF(viewport.mapToGlobal(pos.toPoint())), Qt.MouseButton.LeftButton, buttons, modifiers
    )
    QApplication.sendEvent(viewport, event)


def _drag(editor, start: tuple[float, float], stop: tuple[float, float], shift: bool = False) -> None:  # noqa: ANN001
    _mouse(editor, QEvent.Type.MouseButtonPress, *start, shift=shift)
    for k in range(1, 6):
        f = k / 5
        point = (start[0] + f * (stop[0] - start[0]), start[1] + f * (stop[1] - start[1]))
        _mouse(editor, QEvent.Type.MouseMove, *point, shift=shift)
    _mouse(editor, QEvent.Type.MouseButtonRelease, *stop, shift=shift)


def _select(qtbot, parts, lo: float, hi: float):  # noqa: ANN001, ANN202
    editor = parts.controller.pitch.editor
    if not editor.toolbar.edit_button.isChecked():
        editor.toolbar.edit_button.click()
    editor.toolbar.select_button.click()
    note = float(np.nanmedian(curve_ops.to_midi(editor.model.edited)))
    _drag(editor, (lo, note - 8), (hi, note - 8))
    assert editor.model.selection == pytest.approx((lo, hi), abs=0.02)
    return editor


def _undo_redo(qtbot, parts, name: str) -> None:  # noqa: ANN001
    """The step is named in the Edit menu; Ctrl+Z takes it back and Ctrl+Shift+Z does it again."""
    editor = parts.controller.pitch.editor
    menu = parts.controller.pitch.edit_menu
    after = editor.model.edited.copy()
    assert menu.undo_action.text() == f"&Undo {name}"
    qtbot.keyClick(parts.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not np.array_equal(editor.model.edited, after)
    assert menu.redo_action.text() == f"&Redo {name}"
    qtbot.keyClick(
        parts.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    np.testing.assert_array_equal(editor.model.edited, after)


def _wait_idle(qtbot, parts) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: not parts.controller.pitch.busy, timeout=20000)


def test_each_tool_edits_the_selection_and_undoes(qtbot, parts) -> None:  # noqa: ANN001
    editor = _select(qtbot, parts, 1.0, 2.0)
    model = editor.model
    span = model.span_mask()
    voiced = span & (model.detected > 0)
    tools = [
        (
            editor.toolbar.up_button.click,
            "Move pitch +1 semitone",
            lambda e, d: np.allclose(e[voiced], d[voiced] * 2 ** (1 / 12)),
        ),
        (
            editor.toolbar.octave_down.click,
            "Octave down",
            lambda e, d: np.allclose(e[voiced], d[voiced] * 2 ** (1 / 12) / 2),
        ),
        (
            editor.toolbar.snap_button.click,
            "Snap to C major",
            lambda e, d: np.allclose(curve_ops.to_midi(e[voiced]), np.round(curve_ops.to_midi(e[voiced]))),
        ),
        (editor.toolbar.flatten_button.click, "Flatten 50 %", lambda e, d: True),
        (editor.toolbar.vibrato_button.click, "Reduce vibrato 50 %", lambda e, d: True),
        (editor.toolbar.unvoiced_button.click, "Mark unvoiced", lambda e, d: np.all(e[span] == 0)),
        (editor.toolbar.voiced_button.click, "Mark voiced", lambda e, d: np.all(e[span] > 0)),
        (editor.toolbar.reset_button.click, "Reset span", lambda e, d: np.array_equal(e[span], d[span])),
    ]
    for click, name, check in tools:
        before = model.edited.copy()
        if name == "Flatten 50 %":
            editor.toolbar.up_button.click()  # something to flatten that differs from the snapped notes
            before = model.edited.copy()
        click()
        assert check(model.edited, model.detected), name
        assert np.array_equal(model.edited[~span], model.detected[~span]), name
        assert not np.array_equal(model.edited, before), name
        _undo_redo(qtbot, parts, name)
        _wait_idle(qtbot, parts)


def test_drag_moves_by_semitones_or_cents_and_draw_follows_the_stroke(qtbot, parts) -> None:  # noqa: ANN001
    editor = _select(qtbot, parts, 1.0, 2.0)
    model = editor.model
    voiced = model.span_mask() & (model.detected > 0)
    note = float(np.nanmedian(curve_ops.to_midi(model.edited[voiced])))
    _drag(editor, (1.5, note), (1.5, note + 3.2))
    np.testing.assert_allclose(model.edited[voiced], model.detected[voiced] * 2 ** (3 / 12))
    _undo_redo(qtbot, parts, "Move pitch +3 semitones")
    start = model.edited.copy()
    _drag(editor, (1.5, note), (1.5, note - 1.6), shift=True)
    cents = 1200 * np.log2(model.edited[voiced] / start[voiced])
    assert np.allclose(cents, cents[0]) and abs(cents[0] + 160) <= 15 and abs(cents[0] + 200) > 5
    _undo_redo(qtbot, parts, f"Move pitch {cents[0]:+.0f} cents")
    editor.toolbar.draw_button.click()
    _drag(editor, (3.0, 60.0), (3.5, 62.0))
    inside = (model.times >= 3.05) & (model.times <= 3.45)
    midi = curve_ops.to_midi(model.edited[inside])
    assert np.all(np.abs(midi - (60 + 2 * (model.times[inside] - 3.0) / 0.5)) < 0.3)
    _undo_redo(qtbot, parts, "Draw pitch")
    _wait_idle(qtbot, parts)
    assert editor.edited_item.getData()[0] is not None and len(editor.edited_item.getData()[0]) > 0


def test_an_edit_rerenders_only_its_span_while_playing(qtbot, parts) -> None:  # noqa: ANN001
    c = parts.controller
    before = c.output.audio.copy()
    rate = c.output.sample_rate
    parts.window.transport.play_button.click()
    assert parts.player.is_playing
    calls_before = len(parts.player.calls)
    editor = _select(qtbot, parts, 1.0, 2.0)
    with qtbot.waitSignal(c.pitch.rerendered, timeout=20000):
        editor.toolbar.octave_up.click()
    after = c.output.audio
    first, last = c.pitch.last_changed
    assert 0.95 * rate <= first <= 1.0 * rate and 2.0 * rate <= last <= 2.06 * rate
    np.testing.assert_array_equal(after[:first], before[:first])
    np.testing.assert_array_equal(after[last:], before[last:])
    core = slice(round(1.05 * rate), round(1.95 * rate))
    gain = after[core] / np.where(before[core] == 0, 1, before[core])
    assert np.median(gain[before[core] != 0]) > 1.5  # the octave-up curve doubled this voice's gain
    assert parts.player.is_playing and ("replace_source", "output") in parts.player.calls
    assert [call[0] for call in parts.player.calls[calls_before:]] == ["replace_source"]  # no stop, no reload
    np.testing.assert_array_equal(parts.player.sources["output"][0], after)
    _wait_idle(qtbot, parts)
    # a full Convert now uses the edited curve
    assert harness.convert(qtbot, parts) == "done"
    assert parts.bridge.current.last_params.f0_curve is not None
    assert editor.model.is_edited()


def test_parameter_changes_are_undo_steps(qtbot, parts) -> None:  # noqa: ANN001
    panel = parts.window.voice_panel
    stack = parts.controller.pitch.model.stack
    old = panel.params().transpose
    slider = panel.transpose.slider
    slider.setValue(slider.value() + 1)
    slider.setValue(slider.value() + 1)  # a slider drag: one undo step
    assert panel.params().transpose != old
    assert parts.controller.pitch.edit_menu.undo_action.text() == "&Undo Change transpose"
    assert stack.count() == 1
    stack.undo()
    assert panel.params().transpose == old
    stack.redo()
    assert panel.params().transpose != old
