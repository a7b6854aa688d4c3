"""Screenshots of the Live card, the batch window and the content-encoder dialog, for docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/live_screenshots.py [--theme dark|light] [--out DIR]

The window is composed as `autovoice-gui` composes it (record, batch, encoder, voice admin, text and live
cards) with a fresh AUTOVOICE_HOME. No sound card is needed: the `sounddevice` module is replaced by the
test suite's simulated one (tests/audio/fakes.py), with a microphone that plays a 170 Hz harmonic tone and a
speaker, named "Simulated …" in the pictures. Saved, for the theme given:
- live-<theme>.png and live-<theme>-minimum.png: the window at 1280x800 and at its minimum size, the side
  panel scrolled to the Live card, a live session running with the "Higher" voice;
- batch-<theme>.png and batch-<theme>-minimum.png: the batch window after converting three test recordings
  with the built-in "Higher" voice, at its default and its minimum size;
- encoder-<theme>.png and encoder-<theme>-minimum.png: the content-encoder dialog as a new user first sees it
  (nothing downloaded yet), at its default and its minimum size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RECORDINGS = (
    "speech_en_m_librispeech-3436-172162-0000.wav",
    "speech_en_f_librispeech-1995-1837-0001.wav",
    "singing_en_m_vocadito-10.wav",
)


def simulated_sounddevice() -> object:
    """The test suite's stand-in for the sounddevice module: a microphone and a speaker, in real time."""
    sys.path.insert(0, str(ROOT))
    from tests.audio.fakes import device_entry, realtime_device_with_voice

    devices = [
        device_entry(0, "Simulated microphone", 2, 0, 48000.0),
        device_entry(1, "Simulated speakers", 0, 2, 48000.0),
    ]
    return realtime_device_with_voice(devices, seconds=60.0)


def wait(app: object, done: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the event loop until done() (TimeoutError after `timeout` seconds)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def settle(app: object, seconds: float = 0.4) -> None:
    """Let layouts, timers and repaints run for a moment."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def grab_default_and_minimum(app: object, widget: Any, stem: Path) -> None:
    """Save `widget` at its current size as <stem>.png and at its minimum size as <stem>-minimum.png."""
    for suffix, resize in (("", False), ("-minimum", True)):
        if resize:
            widget.resize(1, 1)  # held at its minimum size
        settle(app)
        path = stem.with_name(f"{stem.name}{suffix}.png")
        widget.grab().save(str(path))
        print(f"saved {path} ({widget.width()}x{widget.height()})")


def main() -> int:
    """Make the screenshots of one theme."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--theme", default="dark", choices=("dark", "light"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="autovoice-shots-")
    os.environ["AUTOVOICE_HOME"] = home
    sys.modules["sounddevice"] = simulated_sounddevice()  # type: ignore[assignment]

    from PySide6.QtWidgets import QApplication

    from autovoice_desktop.app.batch import attach_batch
    from autovoice_desktop.app.controller import Controller
    from autovoice_desktop.app.encoder import attach_encoder
    from autovoice_desktop.app.live_wiring import attach_live
    from autovoice_desktop.app.record_access import link_record_access
    from autovoice_desktop.app.recording import attach_recording
    from autovoice_desktop.app.tts_wiring import attach_tts
    from autovoice_desktop.app.voice_admin import attach_voice_admin
    from autovoice_desktop.core.settings import Settings
    from autovoice_desktop.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow("docs")
    controller = Controller(window, Settings(theme=args.theme, voice_id="builtin/higher"))
    recording = attach_recording(window, controller)
    window.move_side_widget(recording.panel, 2)
    link_record_access(window, recording.panel)
    batch = attach_batch(window, controller)
    encoder = attach_encoder(window, controller)
    attach_voice_admin(window, controller)
    tts = attach_tts(window, controller)
    live = attach_live(window, controller, recording)
    window.resize(1280, 800)
    window.show()
    loaded: list[int] = []
    controller.voices_loaded.connect(lambda: loaded.append(1))
    controller.start()
    tts.start()
    wait(app, lambda: bool(loaded) and live.panel.voice_combo.count() > 0)
    wait(app, lambda: live.panel.input_combo.count() > 0 and live.panel.output_combo.count() > 0)
    window.voice_panel.select_voice("builtin/higher")

    # --- the Live card, running -------------------------------------------------------------------------
    live.panel.voice_combo.setCurrentText("Higher")
    live.panel.start_button.click()
    wait(app, lambda: live.panel.running)
    wait(
        app, lambda: "dropouts" in live.panel.stats_label.text() and "–" not in live.panel.stats_label.text()
    )
    settle(app, 1.0)
    for suffix, size in (("", (1280, 800)), ("-minimum", (1, 1))):
        window.resize(*size)  # (1, 1): the window keeps its minimum size
        settle(app)
        window.side_scroll.ensureWidgetVisible(live.panel, 0, 12)
        settle(app)
        path = out / f"live-{args.theme}{suffix}.png"
        window.grab().save(str(path))
        print(f"saved {path} ({window.width()}x{window.height()})")
    live.panel.start_button.click()  # stop
    wait(app, lambda: not live.panel.running and live.session is None)
    window.resize(1280, 800)

    # --- the encoder dialog, as a new user first sees it ------------------------------------------------
    encoder.open_dialog()
    wait(app, lambda: encoder.status is not None)
    settle(app)
    grab_default_and_minimum(app, encoder.dialog, out / f"encoder-{args.theme}")
    encoder.dialog.close()

    # --- the batch window after converting three recordings ---------------------------------------------
    folder = Path(home) / "converted"
    folder.mkdir()
    batch.dialog.add_paths([str(DATA / name) for name in RECORDINGS])
    batch.dialog.set_folder(str(folder))
    batch.show()
    settle(app)
    batch.dialog.start_button.click()
    wait(app, lambda: batch.job is not None)
    wait(app, lambda: batch.job is None, timeout=600)
    settle(app)
    grab_default_and_minimum(app, batch.dialog, out / f"batch-{args.theme}")
    batch.dialog.close()

    window.close()
    recording.shutdown()
    live.shutdown()
    controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
