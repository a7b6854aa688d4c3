"""Render the pitch editor offscreen with the real engine and save the screenshots in docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/pitch_editor_screenshots.py [--theme dark|light]

Opens the sung test recording, converts it with "Pitch & Formant", draws a short stroke, selects a span and
raises it 2 semitones (each edit re-renders its span in the background), and saves the window.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication

from autovoice_desktop.app.controller import Controller
from autovoice_desktop.core.settings import Settings
from autovoice_desktop.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
RECORDING = ROOT / "tests" / "data" / "singing_en_m_vocadito-10.wav"


def _wait(app: QApplication, done, timeout: float = 120.0) -> None:  # noqa: ANN001
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    """Make the screenshot(s)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--theme", default="dark", choices=("dark", "light"))
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    window = MainWindow("docs")
    controller = Controller(window, Settings(theme=args.theme, voice_id="builtin/pitch-formant"))
    window.resize(1400, 860)
    window.show()
    loaded = []
    controller.voices_loaded.connect(lambda: loaded.append(1))
    controller.start()
    _wait(app, lambda: loaded)
    window.voice_panel.select_voice("builtin/pitch-formant")
    controller.open_file(str(RECORDING))
    _wait(app, lambda: controller.input_audio is not None and controller.load_job is None)
    controller.convert()
    _wait(app, lambda: controller.conversion_job is None and controller.output is not None)
    editor = controller.pitch.editor
    editor.toolbar.edit_button.setChecked(True)
    note = float(np.nanmedian(69 + 12 * np.log2(editor.model.detected[editor.model.detected > 0] / 440)))
    editor.draw([(6.0, note - 1), (6.3, note + 1), (6.6, note - 0.5)])
    _wait(app, lambda: not controller.pitch.busy)
    editor.model.select(3.2, 4.6)  # analysed in the background, ahead of the edit
    _wait(app, lambda: not controller.pitch.busy)
    editor.shift(2.0)
    _wait(app, lambda: not controller.pitch.busy)
    print(f"re-render of the edited 1.4 s selection: {controller.pitch.last_render_seconds:.2f} s")
    window.plots.splitter.setSizes([150, 150, 420])
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    out = ROOT / "docs" / "screenshots" / f"pitch-editor-{args.theme}.png"
    window.grab().save(str(out))
    print(f"saved {out}")
    window.close()
    controller.runner.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
