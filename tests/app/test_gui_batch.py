"""Batch conversion from the window: queue, per-item status, one failure does not stop the queue, the CLI's
naming rule, never overwriting without asking, cancel, remove, multi-file drops."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from autovoice_desktop.app.batch import attach_batch
from autovoice_desktop.app.cli import plan_outputs
from autovoice_desktop.core.naming import voice_slug
from tests.conftest import SPEECH_FEMALE, SPEECH_MALE
from tests.gui.fakes import FakeBridge, SleepyVoice
from tests.gui.harness import build


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SPEECH_MALE, folder / "a.wav")
    (folder / "b.wav").write_bytes(b"RIFF nonsense")  # fails to load
    shutil.copy(SPEECH_FEMALE, folder / "c.wav")
    (folder / "notes.txt").write_text("not audio")
    return folder


def _run(qtbot: Any, batch: Any, timeout: int = 60000) -> str:
    with qtbot.waitSignal(batch.batch_ended, timeout=timeout) as ended:
        batch.dialog.start_button.click()
    qtbot.waitUntil(lambda: batch.job is None, timeout=10000)
    return ended.args[0]


def test_a_folder_is_converted_in_turn_and_one_failure_does_not_stop_it(
    qtbot: Any, tmp_path: Path, inputs: Path
) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    batch = attach_batch(parts.window, parts.controller)
    batch.show()
    dialog = batch.dialog
    assert dialog.add_paths([str(inputs)]) == 3  # the .txt is not queued
    out = tmp_path / "out"
    dialog.set_folder(str(out))
    assert _run(qtbot, batch) == "done"
    assert [dialog.status(r) for r in range(3)] == ["Done", "Failed", "Done"]
    assert "b.wav" in dialog.status_text(1) and "Traceback" not in dialog.status_text(1)
    slug = voice_slug(parts.window.voice_panel.current_voice())
    expected = plan_outputs([inputs / "a.wav", inputs / "c.wav"], out, None, slug)  # the CLI's names
    assert sorted(out.iterdir()) == sorted(expected)
    data, _rate = sf.read(expected[0])
    source, _ = sf.read(inputs / "a.wav")
    assert np.allclose(data, source * 0.5, atol=1e-3)  # the fake voice halves the amplitude
    assert "2 done, 1 failed" in dialog.summary.text()
    assert parts.window.voice_panel.isEnabled()  # the window is usable again
    dialog.close()


def test_existing_outputs_are_skipped_or_replaced_only_when_asked(
    qtbot: Any, tmp_path: Path, inputs: Path
) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    batch = attach_batch(parts.window, parts.controller)
    dialog = batch.dialog
    dialog.add_paths([str(inputs / "a.wav"), str(inputs / "c.wav")])
    out = tmp_path / "out"
    out.mkdir()
    slug = voice_slug(parts.window.voice_panel.current_voice())
    existing = out / f"a.{slug}.wav"
    existing.write_bytes(b"keep me")
    asked: list[list[str]] = []
    dialog.ask_existing = lambda names: asked.append(names) or "cancel"
    dialog.set_folder(str(out))
    dialog.start_button.click()
    assert asked == [[existing.name]] and batch.job is None and existing.read_bytes() == b"keep me"
    dialog.ask_existing = lambda names: "skip"
    assert _run(qtbot, batch) == "done"
    assert existing.read_bytes() == b"keep me"
    assert dialog.status(0) == "Skipped" and dialog.status(1) == "Done"


def test_cancel_stops_the_batch_and_removed_items_are_skipped(
    qtbot: Any, tmp_path: Path, inputs: Path
) -> None:
    bridge = FakeBridge(voice_factory=lambda info: SleepyVoice(info, chunk_s=0.4, chunk_audio_s=0.5))
    parts = build(qtbot, tmp_path / "settings.toml", bridge=bridge)
    batch = attach_batch(parts.window, parts.controller)
    dialog = batch.dialog
    dialog.add_paths([str(inputs / "a.wav"), str(inputs / "c.wav"), str(inputs / "a.wav")])  # once each
    assert dialog.table.rowCount() == 2
    dialog.set_folder(str(tmp_path / "out"))
    with qtbot.waitSignal(batch.batch_ended, timeout=60000) as ended:
        dialog.start_button.click()
        qtbot.waitUntil(lambda: dialog.status(0) == "Converting", timeout=10000)
        dialog.table.selectRow(1)
        dialog.remove_button.click()  # removed while the first converts: never converted
        assert dialog.status(1) == "Removed"
        dialog.cancel_button.click()
    assert ended.args[0] == "cancelled"
    qtbot.waitUntil(lambda: batch.job is None, timeout=10000)
    assert dialog.status(0) == "Cancelled" and not (tmp_path / "out").exists()
    assert dialog.start_button.isEnabled()  # the cancelled item can be converted again


def test_several_files_dropped_on_the_window_open_the_batch(qtbot: Any, tmp_path: Path, inputs: Path) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    batch = attach_batch(parts.window, parts.controller)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(inputs / n)) for n in ("a.wav", "c.wav")])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    parts.window.dropEvent(event)
    assert batch.dialog.isVisible() and batch.dialog.table.rowCount() == 2
    assert parts.controller.load_job is None  # nothing was opened as the input
    assert any(a.text() == "&Batch convert…" for a in parts.window.menuBar().actions()[0].menu().actions())
    batch.dialog.close()
