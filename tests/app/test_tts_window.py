"""The window's Text card with the real Piper engine: the speech becomes the input (waveform, pitch, Convert),
cancel, limits, and what the card says when the optional engine is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autovoice_desktop.app.tts_wiring import TtsController, attach_tts
from autovoice_desktop.core import paths
from autovoice_desktop.gui.text_panel import WINDOW_MAX_CHARS
from tests.gui.harness import Parts, build, convert


@pytest.fixture
def parts(qtbot, tmp_path):  # noqa: ANN001, ANN201
    return build(qtbot, tmp_path / "settings.toml")


def _attach(qtbot, parts: Parts) -> TtsController:  # noqa: ANN001
    tts = attach_tts(parts.window, parts.controller)
    tts.start()
    panel = tts.panel
    qtbot.waitUntil(lambda: panel.available or "install" in panel.status.text(), timeout=30000)
    return tts


def test_spoken_text_becomes_the_input_and_converts(qtbot, parts, monkeypatch) -> None:  # noqa: ANN001
    import autovoice_desktop.app.controller as controller_module
    from autovoice_desktop.engine.tts.say import TTS_BUILTIN_F0_METHOD

    used: list = []

    class SpyJob(controller_module.ConversionJob):
        def __init__(self, bridge, voice_id, params, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
            used.append(params)
            super().__init__(bridge, voice_id, params, *args, **kwargs)

    monkeypatch.setattr(controller_module, "ConversionJob", SpyJob)
    tts = _attach(qtbot, parts)
    panel, w = tts.panel, parts.window
    assert panel.voice_combo.currentText() == "en_US-joe-medium"
    assert not panel.speak_button.isEnabled()  # nothing typed yet
    panel.editor.setPlainText("Hello from the text card. This becomes the input.")
    assert panel.speak_button.isEnabled()
    ended: list[str] = []
    tts.speech_ended.connect(ended.append)  # emitted on the GUI thread
    with qtbot.waitSignals([tts.speech_ended, parts.controller.input_loaded], timeout=120000):
        panel.speak_button.click()
        assert panel.speak_button.text() == "Cancel"  # set synchronously when the job starts
    assert ended == ["done"]
    qtbot.waitUntil(lambda: parts.controller.load_job is None, timeout=20000)
    path = Path(parts.controller.input_path)
    assert path.parent == paths.cache_dir() / "speech" and path.suffix == ".wav"
    assert w.input_card.name_label.full_text() == path.name and "22.05 kHz" in w.input_card.meta_label.text()
    x, _ = w.plots.input_plot.curve.getData()
    assert x is not None and len(x) > 100
    qtbot.waitUntil(lambda: panel.speak_button.text() == "Speak", timeout=20000)  # after the job's finished
    assert "press Convert" in panel.status.text()
    assert convert(qtbot, parts) == "done"  # the usual conversion works on the speech
    assert parts.controller.input_from_tts and parts.window.voice_panel.current_voice().kind == "builtin"
    # Piper's weak fundamental: a built-in voice tracks TTS pitch as `autovoice say` does, not with harvest
    assert used[-1].f0_method == TTS_BUILTIN_F0_METHOD
    assert parts.window.voice_panel.params().f0_method != TTS_BUILTIN_F0_METHOD  # the panel is unchanged


def test_cancel_stops_the_synthesis_and_keeps_the_input(qtbot, parts) -> None:  # noqa: ANN001
    tts = _attach(qtbot, parts)
    panel = tts.panel
    panel.editor.setPlainText("This is one sentence of many. " * 40)
    with qtbot.waitSignal(tts.speech_ended, timeout=120000) as blocker:
        panel.speak_button.click()
        qtbot.waitUntil(lambda: "Speaking" in panel.status.text() and "%" in panel.status.text(), timeout=6e4)
        panel.speak_button.click()  # now "Cancel"
    assert blocker.args == ["cancelled"]
    qtbot.waitUntil(lambda: tts.job is None, timeout=5000)
    assert parts.controller.input_path is None and panel.status.text() == "Cancelled"
    assert not list((paths.cache_dir() / "speech").glob("*.wav"))


def test_too_long_text_is_refused_in_the_card(qtbot, parts) -> None:  # noqa: ANN001
    tts = _attach(qtbot, parts)
    tts.panel.editor.setPlainText("word " * (WINDOW_MAX_CHARS // 5 + 1))
    tts.panel.speak_button.click()
    assert tts.job is None and "too long for the window" in tts.panel.status.text()
    assert "autovoice say --text-file" in tts.panel.status.text()


def test_without_the_engine_the_card_says_how_to_install_it(qtbot, parts, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    tts = _attach(qtbot, parts)
    panel = tts.panel
    assert not panel.available and not panel.speak_button.isEnabled() and not panel.voice_combo.isEnabled()
    panel.editor.setPlainText("Hello?")
    assert not panel.speak_button.isEnabled()
    assert panel.status.text().startswith("Text to speech is off: install the optional text-to-speech engine")
    assert 'pip install "autovoice-desktop[tts]"' in panel.status.text()


def test_only_the_newest_spoken_texts_are_kept(tmp_path: Path) -> None:
    import os

    from autovoice_desktop.workers.tts_worker import _prune

    for i in range(5):
        path = tmp_path / f"{i}.wav"
        path.write_bytes(b"x")
        os.utime(path, (1000 + i, 1000 + i))
    (tmp_path / "notes.txt").write_text("kept")
    _prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.wav", "4.wav", "notes.txt"]
