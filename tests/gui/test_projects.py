"""Projects in the window: save/open round trip (curve, parameters, history), a moved input, a newer or
corrupt project refused and left alone, and the autosave restored after a simulated crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from autovoice_desktop.app.project_session import autosave_path
from tests.conftest import SPEECH_FEMALE, SPEECH_MALE
from tests.gui import harness
from tests.gui.pitch_helpers import converted_window, curve_bridge, select


def _edit(qtbot, parts) -> None:  # noqa: ANN001
    """Two curve edits and a transpose change, with the last curve edit undone (so there is a redo step)."""
    editor = select(qtbot, parts, 1.0, 2.0)
    editor.toolbar.up_button.click()
    slider = parts.window.voice_panel.transpose.slider
    slider.setValue(slider.value() + 2)
    select(qtbot, parts, 3.0, 3.5)
    editor.toolbar.octave_down.click()
    editor.toolbar.up_button.click()
    editor.model.stack.undo()
    qtbot.waitUntil(lambda: not parts.controller.pitch.busy, timeout=20000)


def _state(parts) -> tuple:  # noqa: ANN001
    model = parts.controller.pitch.model
    texts = [model.stack.text(i) for i in range(model.stack.count())]
    return (
        model.edited.copy(),
        model.detected.copy(),
        texts,
        model.stack.index(),
        parts.window.voice_panel.params().transpose,
    )


def _assert_same(a: tuple, b: tuple) -> None:
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])
    assert a[2:] == b[2:]


def _open(qtbot, parts, path: str) -> None:  # noqa: ANN001
    with qtbot.waitSignal(parts.controller.project.opened, timeout=20000):
        assert parts.controller.project.open_project(path)
    qtbot.waitUntil(
        lambda: parts.controller.conversion_job is None and parts.controller.output is not None, timeout=30000
    )


def test_save_and_open_restore_curve_parameters_and_history(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    first = converted_window(qtbot, tmp_path)
    _edit(qtbot, first)
    saved = _state(first)
    path = str(tmp_path / "song.avproj")
    first.controller.project.dialogs.ask_save_project = lambda suggested: path
    with qtbot.waitSignal(first.controller.project.saved, timeout=5000):
        qtbot.keyClick(
            first.window,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    data = json.loads(Path(path).read_text())
    assert data["voice_id"] == "builtin/higher" and Path(data["input"]["path"]) == SPEECH_FEMALE.resolve()

    second = harness.build(qtbot, tmp_path / "settings2.toml", bridge=curve_bridge())
    _open(qtbot, second, path)
    _assert_same(_state(second), saved)
    assert second.bridge.current.last_params.f0_curve is not None  # converted with the edited curve
    assert second.controller.pitch.edit_menu.redo_action.text() == "&Redo Move pitch +1 semitone"
    second.controller.pitch.model.stack.undo()  # the history works after opening
    second.controller.pitch.model.stack.undo()
    assert second.window.voice_panel.params().transpose == saved[4] - 2  # back before "Change transpose"
    qtbot.waitUntil(lambda: not second.controller.pitch.busy, timeout=20000)


def test_a_voice_change_in_the_history_survives_save_and_open(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    first = converted_window(qtbot, tmp_path)
    panel = first.window.voice_panel
    higher = panel.params()
    panel.voice_combo.setCurrentIndex(panel.voice_combo.findData("sovits/duet"))
    panel.voice_combo.setCurrentIndex(panel.voice_combo.findData("builtin/higher"))
    first.controller.pitch.model.stack.undo()  # back on Duet, with a redo step
    assert panel.current_voice().voice_id == "sovits/duet"
    path = str(tmp_path / "voices.avproj")
    assert first.controller.project.save_to(path)
    steps = json.loads(Path(path).read_text())["history"]["steps"]
    assert [s["kind"] for s in steps] == ["voice", "voice"]
    step = steps[0]
    assert (step["before"]["voice_id"], step["after"]["voice_id"]) == ("builtin/higher", "sovits/duet")

    second = harness.build(qtbot, tmp_path / "settings2.toml", bridge=curve_bridge())
    _open(qtbot, second, path)
    stack, vp = second.controller.pitch.model.stack, second.window.voice_panel
    assert (stack.count(), stack.index()) == (2, 1) and vp.current_voice().voice_id == "sovits/duet"
    assert second.controller.pitch.edit_menu.redo_action.text() == "&Redo Change voice to Higher"
    stack.undo()
    assert vp.current_voice().voice_id == "builtin/higher" and vp.params() == higher
    stack.redo()
    stack.redo()
    assert vp.current_voice().voice_id == "builtin/higher" and vp.params() == higher
    qtbot.waitUntil(lambda: not second.controller.pitch.busy, timeout=20000)


def test_moved_input_is_asked_for_and_checked(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    take = tmp_path / "take.wav"
    shutil.copy(SPEECH_FEMALE, take)
    first = harness.build(qtbot, tmp_path / "settings.toml", bridge=curve_bridge())
    harness.open_file(qtbot, first, take)
    assert harness.convert(qtbot, first) == "done"
    path = str(tmp_path / "p.avproj")
    assert first.controller.project.save_to(path)
    moved = tmp_path / "moved" / "take.wav"
    moved.parent.mkdir()
    take.rename(moved)
    second = harness.build(qtbot, tmp_path / "settings2.toml", bridge=curve_bridge())
    asked: list[str] = []
    other = tmp_path / "other.wav"
    shutil.copy(SPEECH_MALE, other)
    second.controller.project.dialogs.ask_moved_input = lambda missing: asked.append(missing) or str(other)
    assert not second.controller.project.open_project(path)  # a different recording is refused
    assert asked == [str(take.resolve())]
    second.controller.project.dialogs.ask_moved_input = lambda missing: str(moved)
    _open(qtbot, second, path)
    assert second.controller.input_path == str(moved)


def test_newer_and_corrupt_projects_are_refused_and_left_alone(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    parts = converted_window(qtbot, tmp_path)
    newer = tmp_path / "newer.avproj"
    newer.write_text(json.dumps({"format": "autovoice-project", "version": 9}))
    corrupt = tmp_path / "corrupt.avproj"
    corrupt.write_text('{"format": "autovoice-project", "vers')
    for path in (newer, corrupt):
        before = path.read_text()
        assert not parts.controller.project.open_project(str(path))
        assert not parts.controller.project.save_to(str(path))  # never written over
        assert path.read_text() == before
    assert parts.window.banner.isVisible()


def test_autosave_is_offered_after_a_crash(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    first = converted_window(qtbot, tmp_path)
    _edit(qtbot, first)
    saved = _state(first)
    with qtbot.waitSignal(first.controller.project.autosaved, timeout=10000):
        first.controller.project.schedule_autosave()
    assert autosave_path().is_file()
    # "crash": the first window never closes normally; a new one starts and finds the autosave
    second = harness.build(qtbot, tmp_path / "settings2.toml", bridge=curve_bridge(), start=False)
    offered: list[str] = []
    second.controller.project.dialogs.ask_recover = lambda description: offered.append(description) or True
    with qtbot.waitSignal(second.controller.project.opened, timeout=20000):
        second.controller.start()
    qtbot.waitUntil(
        lambda: second.controller.conversion_job is None and second.controller.output is not None,
        timeout=30000,
    )
    assert offered == [str(SPEECH_FEMALE.resolve())]
    _assert_same(_state(second), saved)
    second.window.close()  # a normal close removes the autosave
    assert not autosave_path().exists()
