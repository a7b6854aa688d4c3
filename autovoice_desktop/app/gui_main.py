"""`autovoice-gui`: open the window as fast as possible; torch loads later on a worker thread.

Options (for people and for scripts):
    FILE                open this audio file at start
    --voice ID          select this voice (e.g. builtin/higher)
    --convert           convert FILE as soon as it and the voices are loaded
    --theme dark|light  override the saved theme
    --quit-after MS     quit cleanly after MS milliseconds (packaging smoke test)
    --screenshot PATH   save a grab of the window when ready (after --convert: after the conversion), quit
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from autovoice_desktop import __version__
from autovoice_desktop.app import logging_setup
from autovoice_desktop.app.batch import attach_batch
from autovoice_desktop.app.controller import Controller
from autovoice_desktop.app.encoder import attach_encoder
from autovoice_desktop.app.gc_timer import GuiThreadCollector
from autovoice_desktop.app.live_wiring import attach_live
from autovoice_desktop.app.record_access import link_record_access
from autovoice_desktop.app.recording import RecordingController, attach_recording
from autovoice_desktop.app.stop_signals import handle_stop_signals
from autovoice_desktop.app.tts_wiring import attach_tts
from autovoice_desktop.app.voice_admin import attach_voice_admin
from autovoice_desktop.core.settings_store import load_settings
from autovoice_desktop.gui.main_window import MainWindow

log = logging.getLogger("autovoice_desktop")
SCREENSHOT_TIMEOUT_MS = 120_000


def process_age_ms(fallback_start: float) -> float:
    """Milliseconds since this process started (Linux: from /proc; elsewhere: since `fallback_start`)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            now_s = float(uptime.read().split()[0])
        return 1000.0 * (now_s - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 1000.0 * (time.perf_counter() - fallback_start)


class _OutputDeviceSync(QObject):
    """After each device listing, play through what the panel shows (the remembered device if present)."""

    def __init__(self, recording: RecordingController, controller: Controller) -> None:
        super().__init__(recording)
        self.panel, self.controller = recording.panel, controller
        recording.devices_listed.connect(self.on_devices_listed)  # queued: emitted from a helper thread

    def on_devices_listed(self, _devices: object) -> None:
        """The panel has its new lists (it was connected first)."""
        self.controller.use_output_device(self.panel.output_device())


def remember_recording_choices(recording: RecordingController, controller: Controller) -> None:
    """Restore and persist the record panel's output device and "Convert when I stop"."""
    panel, settings = recording.panel, controller.settings
    _OutputDeviceSync(recording, controller)
    panel.convert_checkbox.setChecked(settings.convert_after_recording)
    panel.convert_checkbox.toggled.connect(controller.remember_convert_after_recording)
    if settings.output_device and panel.output_combo.findData(settings.output_device) < 0:
        panel.output_combo.blockSignals(True)
        panel.output_combo.addItem(settings.output_device, settings.output_device)  # kept if still present
        panel.output_combo.setCurrentIndex(panel.output_combo.count() - 1)
        panel.output_combo.blockSignals(False)
    panel.output_device_changed.connect(controller.remember_output_device)


def freeze_startup_objects() -> None:
    """After start-up (torch loaded), move every object alive now out of the collector's reach, so later
    full collections, which run on the GUI thread, stay short."""
    gc.collect()
    gc.freeze()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options of the window."""
    parser = argparse.ArgumentParser(prog="autovoice-gui", description="AutoVoice Desktop: voice conversion.")
    parser.add_argument("file", nargs="?", help="audio file to open")
    parser.add_argument("--voice", help="voice id or name to select (e.g. builtin/higher)")
    parser.add_argument("--convert", action="store_true", help="convert FILE once loaded")
    parser.add_argument("--theme", choices=("dark", "light"), help="colour theme")
    parser.add_argument("--quit-after", type=int, metavar="MS", help="quit after MS milliseconds")
    parser.add_argument("--screenshot", metavar="PATH", help="save a window grab when ready, then quit")
    parser.add_argument("--size", metavar="WxH", help="window size, e.g. 1280x800")
    return parser.parse_args(list(argv) if argv is not None else None)


class _Script:
    """Drives --voice/--convert/--screenshot once the controller reports each milestone."""

    def __init__(
        self, app: QApplication, window: MainWindow, controller: Controller, args: argparse.Namespace
    ) -> None:
        self.app, self.window, self.controller, self.args = app, window, controller, args
        self.voices_ready = self.input_ready = False
        controller.voices_loaded.connect(self._on_voices)
        controller.input_loaded.connect(self._on_input)
        controller.conversion_ended.connect(self._on_conversion_ended)
        if args.screenshot:
            QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, self._finish)

    def _on_voices(self) -> None:
        self.voices_ready = True
        if self.args.voice and not self.window.voice_panel.select_voice(self.args.voice):
            wanted = self.args.voice.lower()
            match = next((v for v in self.controller.voices if v.name.lower() == wanted), None)
            if match is not None:
                self.window.voice_panel.select_voice(match.voice_id)
        self._next()

    def _on_conversion_ended(self, _outcome: str) -> None:
        QTimer.singleShot(300, self._finish)  # let the window settle (buttons re-enabled) before the grab

    def _on_input(self) -> None:
        self.input_ready = True
        self._next()

    def _next(self) -> None:
        if not self.voices_ready or (self.args.file and not self.input_ready):
            return
        if self.args.convert and self.controller.input_audio is not None:
            self.controller.convert()
            if self.controller.conversion_job is not None:
                return
        self._finish_when_idle()

    def _finish_when_idle(self) -> None:
        if self.controller.load_job is not None:  # wait for the input's pitch curve
            QTimer.singleShot(100, self._finish_when_idle)
            return
        QTimer.singleShot(300, self._finish)

    def _finish(self) -> None:
        if not self.args.screenshot:
            return
        self.window.grab().save(self.args.screenshot)
        log.info("screenshot saved to %s", self.args.screenshot)
        self.args.screenshot = None
        self.window.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Start the GUI; returns the exit code."""
    started = time.perf_counter()
    args = parse_args(argv)
    logging_setup.configure()
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "autovoice-gui"])
    app.setApplicationName("AutoVoice")
    app.setApplicationDisplayName("AutoVoice")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("autovoice")
    loaded = load_settings()
    settings = loaded.settings
    if args.theme:
        from dataclasses import replace

        settings = replace(settings, theme=args.theme)
    # Python's cyclic collector may run on any thread; Qt objects it frees must die on the GUI thread.
    gc_timer = GuiThreadCollector(interval=0.5)
    window = MainWindow(__version__)
    controller = Controller(window, settings)
    controller.devices_loaded.connect(freeze_startup_objects)
    if args.size:
        width, _, height = args.size.partition("x")
        window.resize(int(width), int(height))
    recording = attach_recording(window, controller)
    window.move_side_widget(recording.panel, 2)  # below the voice card: input and voice stay in view
    link_record_access(window, recording.panel)  # ...and the input card's Record button scrolls to it
    attach_batch(window, controller)  # File → Batch convert…, several files dropped at once
    attach_encoder(window, controller)  # the content encoder So-VITS-SVC voices need, without a terminal
    attach_voice_admin(window, controller)  # Voice → Voice details…: rename, remove
    remember_recording_choices(recording, controller)
    window.closing.connect(recording.shutdown)
    tts = attach_tts(window, controller)  # the Text card, below Record
    attach_live(window, controller, recording)
    stop_signals = handle_stop_signals(window)  # SIGTERM / SIGHUP close the window like its close button

    def log_plots_built() -> None:
        log.info("plots built %.0f ms after process start", process_age_ms(started))

    window.plots.when_built(log_plots_built)
    window.show()
    app.processEvents()
    log.info(
        "window shown %.0f ms after process start (torch loaded: %s)",
        process_age_ms(started),
        "torch" in sys.modules,
    )
    if loaded.message:
        window.show_notice("Settings", loaded.message)
    script = _Script(app, window, controller, args)
    QTimer.singleShot(0, controller.start)
    QTimer.singleShot(0, tts.start)
    if args.file:
        QTimer.singleShot(0, lambda: controller.open_file(args.file))
    if args.quit_after is not None:
        QTimer.singleShot(max(0, args.quit_after), window.close)
    window.closing.connect(app.quit, Qt.ConnectionType.QueuedConnection)
    code = app.exec()
    gc_timer.timer.stop()
    stop_signals.restore()
    del script
    controller.shutdown()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
