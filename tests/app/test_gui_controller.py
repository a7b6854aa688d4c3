"""The window driven through its controls, with a fake engine (sleeping voice) and a fake player."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from autovoice_desktop.core.errors import ModelFormatError
from autovoice_desktop.core.settings import Settings
from autovoice_desktop.core.settings_store import load_settings
from autovoice_desktop.core.types import ConversionParams
from tests.conftest import SPEECH_MALE
from tests.gui.fakes import FakeBridge, SleepyVoice
from tests.gui.harness import (
    build,
    convert,
    open_file,
)


@pytest.fixture
def parts(qtbot, tmp_path):  # noqa: ANN001, ANN201
    return build(qtbot, tmp_path / "settings.toml")


def test_open_shows_name_duration_rate_waveform_and_pitch(qtbot, parts) -> None:  # noqa: ANN001
    open_file(qtbot, parts, SPEECH_MALE)
    w = parts.window
    assert w.input_card.name_label.full_text() == SPEECH_MALE.name
    assert "0:16.7" in w.input_card.meta_label.text() and "16 kHz" in w.input_card.meta_label.text()
    assert w.plots.currentIndex() == 1
    x, y = w.plots.input_plot.curve.getData()
    assert len(x) > 100 and np.max(np.abs(y)) > 0.05
    assert w.plots.pitch_plot.curves["input"].getData()[0] is not None
    assert w.convert_card.convert_button.isEnabled()
    assert not w.transport.b_button.isEnabled() and not w.transport.export_button.isEnabled()
    assert parts.controller.settings.recent_files[0] == str(SPEECH_MALE.resolve())


def test_convert_shows_progress_output_pitch_rtf_and_status(qtbot, parts) -> None:  # noqa: ANN001
    open_file(qtbot, parts, SPEECH_MALE)
    w = parts.window
    w.voice_panel.transpose.slider.setValue(w.voice_panel.transpose.slider.value() + 3)
    formats: list[str] = []
    w.convert_card.progress.valueChanged.connect(lambda _: formats.append(w.convert_card.progress.format()))
    assert convert(qtbot, parts) == "done"
    assert any("Converting" in f and "%" in f for f in formats), formats
    assert parts.bridge.current.last_params.transpose == pytest.approx(7.0)  # preset 4 + 3
    assert w.plots.output_plot.envelope is not None
    for which in ("input", "target", "output"):
        assert len(w.plots.pitch_plot.curves[which].getData()[0]) > 10
    assert "RTF" in w.convert_card.result_label.text() and "Done in" in w.convert_card.result_label.text()
    assert "Last: " in w.last_status.text() and "RTF" in w.last_status.text()
    assert "Higher (loaded)" in w.voice_status.text()
    assert "CPU" in w.device_status.text()
    assert w.transport.b_button.isEnabled() and w.transport.export_button.isEnabled()
    assert w.convert_card.convert_button.isEnabled()


def test_ctrl_enter_converts(qtbot, parts) -> None:  # noqa: ANN001
    open_file(qtbot, parts, SPEECH_MALE)
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=30000):
        QTest.keyClick(parts.window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_cancel_stops_within_one_chunk(qtbot, tmp_path) -> None:  # noqa: ANN001
    bridge = FakeBridge(lambda info: SleepyVoice(info, chunk_s=0.2, chunk_audio_s=0.5))
    parts = build(qtbot, tmp_path / "s.toml", bridge=bridge)
    open_file(qtbot, parts, SPEECH_MALE)
    w = parts.window
    w.convert_card.convert_button.click()
    qtbot.waitUntil(lambda: "Converting" in w.convert_card.progress.format(), timeout=5000)
    assert w.convert_card.cancel_button.isEnabled() and not w.convert_card.convert_button.isEnabled()
    import time

    started = time.monotonic()
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=5000) as blocker:
        w.convert_card.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert time.monotonic() - started < 0.2 + 0.3  # one chunk plus scheduling slack
    qtbot.waitUntil(lambda: w.convert_card.convert_button.isEnabled())
    assert "Cancelled" in w.convert_card.progress.format()
    assert w.plots.output_plot.envelope is None


def test_parameters_apply_to_the_chosen_voice(qtbot, parts) -> None:  # noqa: ANN001
    panel = parts.window.voice_panel
    assert panel.current_voice().voice_id == "builtin/higher"
    assert panel.transpose.value() == 4.0 and panel.formant.value() == 2.0  # the preset's defaults
    assert panel.formant.isEnabled() and not panel.noise.isEnabled() and not panel.auto_f0.isEnabled()
    assert not panel.speaker_combo.isVisibleTo(panel)
    panel.voice_combo.setCurrentIndex(panel.voice_combo.findData("sovits/duet"))
    assert not panel.formant.isEnabled() and panel.noise.isEnabled() and panel.auto_f0.isEnabled()
    assert panel.speaker_combo.isVisibleTo(panel) and panel.speaker_combo.count() == 2
    assert panel.half.isEnabled() and panel.half.isChecked()  # half precision by default, on any device
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    assert panel.half.isEnabled()  # bf16 on a CPU where it is faster
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cuda:0"))
    panel.half.setChecked(False)
    panel.speaker_combo.setCurrentIndex(1)
    panel.f0_combo.setCurrentIndex(panel.f0_combo.findData("harvest"))
    panel.noise.set_value(0.6)
    panel.noise.slider.setValue(panel.noise.slider.value())
    p = panel.params()
    chosen = (p.speaker, p.f0_method, p.device, p.half, p.noise_scale)
    assert chosen == ("tenor", "harvest", "cuda:0", False, 0.6)
    assert parts.controller.settings.voice_id == "sovits/duet"
    assert parts.controller.settings.params.speaker == "tenor"
    assert "Fake GPU (8 GB)" in [panel.device_combo.itemText(i) for i in range(panel.device_combo.count())]


def test_transpose_steps_are_semitones_within_24(qtbot, parts) -> None:  # noqa: ANN001
    slider = parts.window.voice_panel.transpose
    slider.slider.setFocus()
    slider.slider.setValue(slider.slider.maximum())
    assert slider.value() == 24.0
    QTest.keyClick(slider.slider, Qt.Key.Key_Left)
    assert slider.value() == 23.0 and slider.value_label.text() == "+23 st"
    slider.slider.setValue(slider.slider.minimum())
    assert slider.value() == -24.0


def test_play_pause_ab_switch_and_seek(qtbot, parts) -> None:  # noqa: ANN001
    open_file(qtbot, parts, SPEECH_MALE)
    assert convert(qtbot, parts) == "done"
    w, player = parts.window, parts.player
    w.transport.play_button.click()
    assert player.calls[0] == ("load", ("input", "output"))
    assert player.calls[-1] == ("play", "input", 0.0) and w.transport.play_button.accessibleName() == "Pause"
    qtbot.waitUntil(lambda: w.plots.input_plot.playhead.value() > 0.1, timeout=3000)
    assert w.plots.pitch_plot.playhead.isVisible()
    w.transport.b_button.click()
    assert player.calls[-1][:2] == ("switch", "output") and player.source == "output"
    QTest.keyClick(w, Qt.Key.Key_Space)  # pause
    assert player.calls[-1] == ("pause",) and not player.is_playing
    position = parts.controller.playback.position
    assert position > 0.1
    QTest.keyClick(w, Qt.Key.Key_Space)  # resume on B from the same position
    assert player.calls[-1][:2] == ("play", "output")
    assert player.calls[-1][2] == pytest.approx(position, abs=0.01)
    w.plots.seek_requested.emit(5.0)
    assert player.calls[-1] == ("seek", 5.0)
    assert w.plots.output_plot.playhead.value() == pytest.approx(5.0)
    w.actions_.toggle_ab.trigger()
    assert player.calls[-1][:2] == ("switch", "input")
    w.transport.stop_button.click()
    assert player.calls[-1] == ("stop",) and parts.controller.playback.position == 0.0


def test_click_on_plot_seeks(qtbot, parts) -> None:  # noqa: ANN001
    open_file(qtbot, parts, SPEECH_MALE)
    plot = parts.window.plots.input_plot
    plot.setXRange(0, 10, padding=0)
    qtbot.wait(50)
    view = plot.getPlotItem().getViewBox()
    scene_point = view.mapViewToScene(QPointF(4.0, 0.0))
    widget_point = plot.mapFromScene(scene_point)
    with qtbot.waitSignal(parts.window.seek_requested, timeout=2000) as blocker:
        QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=widget_point)
    assert blocker.args[0] == pytest.approx(4.0, abs=0.2)
    assert parts.controller.playback.position == pytest.approx(4.0, abs=0.2)


def test_export_saves_wav_and_flac_never_over_input(qtbot, parts, tmp_path) -> None:  # noqa: ANN001
    import shutil

    source = tmp_path / "in.wav"
    shutil.copy(SPEECH_MALE, source)
    open_file(qtbot, parts, source)
    assert convert(qtbot, parts) == "done"
    w = parts.window
    assert w.suggested_output.endswith("in.higher.wav")
    for name in ("out.wav", "out.flac"):
        w.dialogs.ask_save_audio = lambda suggested, n=name: str(tmp_path / n)
        with qtbot.waitSignal(parts.controller.exported, timeout=10000):
            w.transport.export_button.click()
        assert (tmp_path / name).stat().st_size > 1000
    before = source.read_bytes()
    w.dialogs.ask_save_audio = lambda suggested: str(source)
    QTest.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: w.banner.isVisible() and "input" in w.banner.text_label.text().lower(), timeout=5000
    )
    assert source.read_bytes() == before


def test_bad_audio_file_shows_a_clear_message(qtbot, parts, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio")
    parts.window.open_requested.emit(str(bad))
    qtbot.waitUntil(parts.window.banner.isVisible, timeout=5000)
    text = parts.window.banner.text_label.text()
    assert "notes.wav" in text and "Traceback" not in text
    assert parts.window.banner.title_label.text() == "Could not open the file"
    assert not parts.window.convert_card.convert_button.isEnabled()


def test_bad_voice_import_and_voice_load_errors_are_shown(qtbot, parts, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "empty-voice"
    folder.mkdir()
    parts.window.dialogs.ask_voice_folder = lambda start: str(folder)
    parts.window.actions_.import_folder.trigger()
    qtbot.waitUntil(parts.window.banner.isVisible, timeout=5000)
    assert "no config.json" in parts.window.banner.text_label.text()
    open_file(qtbot, parts, SPEECH_MALE)
    parts.bridge.fail_voice_load = ModelFormatError("duet: G_100.pth lacks key emb_g.weight", "re-export it")
    assert convert(qtbot, parts) == "failed"
    assert "lacks key emb_g.weight (re-export it)" in parts.window.banner.text_label.text()
    parts.bridge.fail_voice_load = RuntimeError("boom")
    assert convert(qtbot, parts) == "failed"
    text = parts.window.banner.text_label.text()
    assert "RuntimeError: boom" in text and "log" in text and "Traceback" not in text


def test_voice_import_by_drop_selects_the_new_voice(qtbot, parts, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "MyVoice"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder)), QUrl.fromLocalFile(str(SPEECH_MALE))])
    event = QDropEvent(
        QPointF(400, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(parts.controller.input_loaded, timeout=10000):
        parts.window.dropEvent(event)
    panel = parts.window.voice_panel
    qtbot.waitUntil(lambda: panel.current_voice().voice_id == "sovits/MyVoice", timeout=5000)
    assert parts.window.input_card.name_label.full_text() == SPEECH_MALE.name


def test_settings_round_trip_across_a_restart(qtbot, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "settings.toml"
    first = build(qtbot, path)
    open_file(qtbot, first, SPEECH_MALE)
    panel = first.window.voice_panel
    panel.voice_combo.setCurrentIndex(panel.voice_combo.findData("sovits/duet"))
    panel.transpose.slider.setValue(panel.transpose.slider.value() + 5)
    panel.speaker_combo.setCurrentIndex(1)
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    first.window.actions_.light.trigger()
    first.window.resize(first.window.minimumWidth(), 640)  # the offscreen screen is 800x800
    width = first.window.width()
    first.window.plots.splitter.setSizes([100, 150, 300])
    sizes = first.window.plots.splitter.sizes()
    first.window.close()
    saved = load_settings(path)
    assert saved.message is None and saved.settings.voice_id == "sovits/duet"

    second = build(qtbot, path, settings=saved.settings)
    p = second.window.voice_panel
    assert p.current_voice().voice_id == "sovits/duet"
    assert p.params().transpose == 5.0 and p.params().speaker == "tenor" and p.params().device == "cpu"
    assert second.window.actions_.light.isChecked()
    assert (second.window.size().width(), second.window.size().height()) == (width, 640)
    restored = second.window.plots.splitter.sizes()
    assert saved.settings.window.plot_splitter == tuple(sizes)
    assert [r / sum(restored) for r in restored] == pytest.approx([s / sum(sizes) for s in sizes], abs=0.03)
    assert second.window.input_card.recent_menu.actions()[0].data() == str(SPEECH_MALE.resolve())
    assert second.window.open_dir == str(SPEECH_MALE.resolve().parent)
    second.window.set_theme("dark")


def test_unwritable_settings_folder_does_not_stop_the_app(qtbot, tmp_path) -> None:  # noqa: ANN001
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    parts = build(
        qtbot, blocker / "settings.toml", settings=replace(Settings(), params=ConversionParams(transpose=2.0))
    )
    parts.controller.shutdown()
    assert parts.window.banner.isVisible() and "could not be saved" in parts.window.banner.text_label.text()


def test_recent_files_menu_opens_the_file(qtbot, parts) -> None:  # noqa: ANN001
    parts.controller.settings = parts.controller.settings.with_recent_file(str(SPEECH_MALE))
    parts.window.set_recent_files(parts.controller.settings.recent_files)
    with qtbot.waitSignal(parts.controller.input_loaded, timeout=10000):
        parts.window.input_card.recent_menu.actions()[0].trigger()
    assert parts.controller.input_path == str(SPEECH_MALE)


def test_about_dialog_lists_licences_and_folders(qtbot, parts, autovoice_home: Path) -> None:  # noqa: ANN001
    parts.window.actions_.about.trigger()
    dialog = parts.window.about_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.details.toPlainText()
    assert "PySide6" in text and "LGPL-3.0" in text and str(autovoice_home) in text
    dialog.close()


def test_importing_an_installed_voice_again_asks_before_replacing(qtbot, parts, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "Tenor"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    questions: list[str] = []
    answers = [False, True]
    parts.window.dialogs.ask_replace_voice = lambda message: questions.append(message) or answers.pop(0)
    parts.window.import_voice_requested.emit(str(folder))
    qtbot.waitUntil(lambda: parts.controller.runner.active == [], timeout=5000)
    assert questions == []
    assert parts.window.voice_panel.current_voice().voice_id == "sovits/Tenor"
    parts.window.import_voice_requested.emit(str(folder))  # answered "no": nothing changes
    qtbot.waitUntil(lambda: len(questions) == 1, timeout=5000)
    assert "already installed" in questions[0]
    parts.window.import_voice_requested.emit(str(folder))  # answered "yes": re-imported with overwrite
    qtbot.waitUntil(lambda: len(questions) == 2 and parts.controller.runner.active == [], timeout=5000)
    assert [v.voice_id for v in parts.bridge.voices].count("sovits/Tenor") == 1


def test_record_panel_choices_are_restored_and_remembered(qtbot, tmp_path) -> None:  # noqa: ANN001
    from autovoice_desktop.app.gui_main import remember_recording_choices
    from autovoice_desktop.app.recording import attach_recording

    settings = replace(Settings(), output_device="USB Speakers", convert_after_recording=True)
    parts = build(qtbot, tmp_path / "s.toml", settings=settings)
    wired = threading.Event()

    def list_devices() -> list:
        wired.wait(5)  # like PortAudio, the listing takes a moment: it reports after the wiring below
        return []

    recording = attach_recording(parts.window, parts.controller, list_devices=list_devices)
    parts.window.move_side_widget(recording.panel, 2)
    remember_recording_choices(recording, parts.controller)
    wired.set()
    panel = recording.panel
    assert parts.window.side_layout.indexOf(panel) == 2  # input, voice, record
    assert panel.convert_checkbox.isChecked()
    assert panel.output_device() == "USB Speakers" or parts.controller.output_device_in_use == ""
    # the device list came back without "USB Speakers": play through the default, keep remembering it
    qtbot.waitUntil(lambda: parts.controller.output_device_in_use == "", timeout=5000)
    assert panel.output_device() == "" and parts.controller.settings.output_device == "USB Speakers"
    panel.convert_checkbox.setChecked(False)
    assert parts.controller.settings.convert_after_recording is False
    panel.output_device_changed.emit("Headphones")
    assert parts.controller.settings.output_device == "Headphones"
    assert parts.controller.output_device_in_use == "Headphones"
    recording.shutdown()


def test_a_long_file_name_is_elided_not_widening_the_panel(qtbot, parts, tmp_path) -> None:  # noqa: ANN001
    import shutil

    long_name = tmp_path / ("a_very_long_recording_name_without_any_spaces_" * 3 + ".wav")
    shutil.copy(SPEECH_MALE, long_name)
    open_file(qtbot, parts, long_name)
    w = parts.window
    qtbot.wait(50)
    assert w.side.width() <= w.side_scroll.viewport().width()
    assert "…" in w.input_card.name_label.text()
    assert w.input_card.name_label.full_text() == long_name.name


def test_opening_another_file_while_converting_cancels_and_keeps_the_new_input(qtbot, tmp_path) -> None:  # noqa: ANN001
    from tests.conftest import SINGING_MALE

    bridge = FakeBridge(lambda info: SleepyVoice(info, chunk_s=0.2, chunk_audio_s=0.5))
    parts = build(qtbot, tmp_path / "s.toml", bridge=bridge)
    open_file(qtbot, parts, SPEECH_MALE)
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=10000) as ended:
        parts.window.convert_card.convert_button.click()
        qtbot.waitUntil(lambda: "Converting" in parts.window.convert_card.progress.format(), timeout=5000)
        parts.window.open_requested.emit(str(SINGING_MALE))
    assert ended.args == ["cancelled"]
    qtbot.waitUntil(lambda: parts.controller.input_path == str(SINGING_MALE), timeout=10000)
    assert parts.controller.output is None and parts.window.plots.output_plot.envelope is None


def test_unload_voice_action_and_idle_release_free_the_loaded_voice(qtbot, parts) -> None:  # noqa: ANN001
    open_file(qtbot, parts, SPEECH_MALE)
    w, bridge = parts.window, parts.bridge
    parts.controller.idle_timer.setInterval(300)  # 10 minutes in the app
    assert convert(qtbot, parts) == "done"
    qtbot.waitUntil(lambda: bridge.releases == ["gpu"], timeout=5000)  # idle: the GPU memory goes back
    qtbot.waitUntil(lambda: bridge.current is None, timeout=5000)
    qtbot.waitUntil(lambda: "Voice unloaded" in w.statusBar().currentMessage(), timeout=5000)
    assert "reloads it" in w.statusBar().currentMessage()

    parts.controller.idle_timer.setInterval(600_000)
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=60000):
        w.convert_card.convert_button.click()
        w.actions_.unload_voice.trigger()  # while converting: refused with a reason, the voice stays
        assert w.statusBar().currentMessage() == "A conversion is running: cancel it first"
        assert bridge.releases == ["gpu"]
    qtbot.waitUntil(lambda: parts.controller.conversion_job is None, timeout=5000)
    assert convert(qtbot, parts) == "done"  # the next conversion loads the voice again
    assert bridge.current is not None and parts.controller.idle_timer.isActive()
    w.actions_.unload_voice.trigger()  # Voice > Unload voice (free memory)
    qtbot.waitUntil(lambda: bridge.releases[-1:] == ["all"] and bridge.current is None, timeout=5000)
    w.actions_.unload_voice.trigger()
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == "No voice is loaded", timeout=5000)
