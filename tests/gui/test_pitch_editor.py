"""The pitch editor in the window (pytest-qt, fake engine): every tool, undo/redo of each, the Edit menu,
span re-render spliced into the output while playback goes on, and parameter changes as undo steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from autovoice_desktop.gui.pitch_editor import curve_ops
from tests.conftest import SPEECH_FEMALE
from tests.gui import harness
from tests.gui.pitch_helpers import converted_window, curve_bridge, drag, select


@pytest.fixture
def parts(qtbot, tmp_path: Path):  # noqa: ANN001, ANN201
    return converted_window(qtbot, tmp_path)


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
    editor = select(qtbot, parts, 1.0, 2.0)
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
    editor = select(qtbot, parts, 1.0, 2.0)
    model = editor.model
    voiced = model.span_mask() & (model.detected > 0)
    note = float(np.nanmedian(curve_ops.to_midi(model.edited[voiced])))
    drag(editor, (1.5, note), (1.5, note + 3.2))
    np.testing.assert_allclose(model.edited[voiced], model.detected[voiced] * 2 ** (3 / 12))
    _undo_redo(qtbot, parts, "Move pitch +3 semitones")
    start = model.edited.copy()
    drag(editor, (1.5, note), (1.5, note - 1.6), shift=True)
    cents = 1200 * np.log2(model.edited[voiced] / start[voiced])
    assert np.allclose(cents, cents[0]) and abs(cents[0] + 160) <= 15 and abs(cents[0] + 200) > 5
    _undo_redo(qtbot, parts, f"Move pitch {cents[0]:+.0f} cents")
    editor.toolbar.draw_button.click()
    drag(editor, (3.0, 60.0), (3.5, 62.0))
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
    editor = select(qtbot, parts, 1.0, 2.0)
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
    # the player takes the new output on a helper thread (it resamples it to the device rate there)
    qtbot.waitUntil(lambda: ("replace_source", "output") in parts.player.calls, timeout=5000)
    assert parts.player.is_playing
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


def test_a_voice_change_is_an_undo_step_with_its_parameters(qtbot, parts) -> None:  # noqa: ANN001
    panel = parts.window.voice_panel
    stack = parts.controller.pitch.model.stack
    editor = select(qtbot, parts, 1.0, 2.0)
    editor.toolbar.up_button.click()
    edited = editor.model.edited.copy()
    slider = panel.transpose.slider
    slider.setValue(slider.value() + 3)
    before_voice, before_params = panel.current_voice().voice_id, panel.params()
    panel.voice_combo.setCurrentIndex(panel.voice_combo.findData("sovits/duet"))
    after_params = panel.params()
    assert before_voice == "builtin/higher" and after_params != before_params
    assert stack.count() == 3
    assert parts.controller.pitch.edit_menu.undo_action.text() == "&Undo Change voice to Duet"
    stack.undo()
    assert panel.current_voice().voice_id == before_voice and panel.params() == before_params
    settings = parts.controller.settings
    assert settings.voice_id == before_voice and settings.params == before_params
    assert stack.index() == 2  # undoing the voice did not add a step
    np.testing.assert_array_equal(editor.model.edited, edited)  # nor touched the curve
    stack.redo()
    assert panel.current_voice().voice_id == "sovits/duet" and panel.params() == after_params
    assert parts.controller.settings.voice_id == "sovits/duet" and stack.count() == 3
    stack.undo()
    stack.undo()  # then the transpose change, then the curve edit, as usual
    assert panel.params().transpose == before_params.transpose - 3
    _wait_idle(qtbot, parts)


def test_shift_click_moves_by_cents(qtbot, parts) -> None:  # noqa: ANN001
    editor = select(qtbot, parts, 1.0, 2.0)
    model = editor.model
    voiced = model.span_mask() & (model.detected > 0)
    qtbot.mouseClick(editor.toolbar.up_button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_allclose(model.edited[voiced], model.detected[voiced] * 2 ** (0.1 / 12))
    assert parts.controller.pitch.edit_menu.undo_action.text() == "&Undo Move pitch +10 cents"
    qtbot.mouseClick(editor.toolbar.down_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(model.edited[voiced], model.detected[voiced] * 2 ** (-0.9 / 12))
    qtbot.waitUntil(lambda: not parts.controller.pitch.busy, timeout=20000)


def test_a_selection_is_analysed_ahead_and_its_edit_renders_the_same_span(qtbot, parts) -> None:  # noqa: ANN001
    from autovoice_desktop.workers.span_render_worker import SpanRenderJob

    runner = parts.controller.runner
    started: list[SpanRenderJob] = []
    original = runner.start

    def spy(job):  # noqa: ANN001, ANN202
        if isinstance(job, SpanRenderJob):
            started.append(job)
        return original(job)

    runner.start = spy
    editor = select(qtbot, parts, 1.0, 2.0)
    qtbot.waitUntil(lambda: not parts.controller.pitch.busy, timeout=20000)
    assert len(started) == 1 and not started[0].measure  # prepared: converted, not spliced
    with qtbot.waitSignal(parts.controller.pitch.rerendered, timeout=20000):
        editor.toolbar.up_button.click()
    qtbot.waitUntil(lambda: not parts.controller.pitch.busy, timeout=20000)
    assert len(started) == 2 and started[1].measure
    assert started[1].span == started[0].span  # the same segment: the voice's analysis of it is reused


def test_a_sovits_voice_is_edited_through_the_same_voice_api(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Fake So-VITS-SVC voice (FakeBridge's "Duet"): the span re-render and Convert go through Voice.convert
    with params.f0_curve, as for the built-in voices."""
    parts = harness.build(qtbot, tmp_path / "settings.toml", bridge=curve_bridge())
    assert parts.window.voice_panel.select_voice("sovits/duet")
    harness.open_file(qtbot, parts, SPEECH_FEMALE)
    assert harness.convert(qtbot, parts) == "done"
    before = parts.controller.output.audio.copy()
    editor = select(qtbot, parts, 2.0, 3.0)
    with qtbot.waitSignal(parts.controller.pitch.rerendered, timeout=20000):
        editor.toolbar.octave_down.click()
    first, last = parts.controller.pitch.last_changed
    after = parts.controller.output.audio
    np.testing.assert_array_equal(after[:first], before[:first])
    np.testing.assert_array_equal(after[last:], before[last:])
    assert not np.array_equal(after[first:last], before[first:last])
    assert parts.bridge.loaded[-1][0] == "sovits/duet"
    assert parts.bridge.current.last_params.f0_curve is not None
    qtbot.waitUntil(lambda: not parts.controller.pitch.busy, timeout=20000)
