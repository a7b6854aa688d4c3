"""Recording wiring: RecordPanel intents -> RecordingWorker on a QThread -> the take becomes the input.

`attach_recording(window, controller)` puts a RecordPanel in the window's side panel and returns the
RecordingController that wires it:
- device lists are read on a background thread (PortAudio re-initialisation can take a moment) and handed
  to the panel; the output device choice goes to the playback Player;
- Record starts a RecordingWorker (levels/elapsed go straight to the panel's slots); when the take is
  finished it is opened like a file (`controller.open_file`, so the plots update) and, if "Convert when I
  stop" is ticked, converted with the current voice once it is loaded;
- at start, takes left unfinished by a crash are repaired and offered in the panel.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.gui.record_panel import RecordPanel
from autovoice_desktop.workers.recording_worker import (
    RecorderFactory,
    RecordingWorker,
    start_recording_thread,
)

log = logging.getLogger(__name__)


class RecordingController(QObject):
    """Owns the panel's worker thread; `take_ready(path)` after each take."""

    take_ready = Signal(str)
    devices_listed = Signal(object)
    device_error = Signal(str)

    def __init__(
        self,
        panel: RecordPanel,
        controller: Any,
        *,
        recorder_factory: RecorderFactory | None = None,
        list_devices: Callable[[], list[Any]] | None = None,
    ) -> None:
        super().__init__(panel)
        self.panel = panel
        self.controller = controller
        self.recorder_factory = recorder_factory
        self.list_devices = list_devices or _list_devices
        self.worker: RecordingWorker | None = None
        self.thread: QThread | None = None
        self.last_devices: list[Any] | None = None  # the latest device listing (None: none finished yet)
        self._convert_pending: str | None = None  # the take to convert once it is the loaded input
        panel.record_requested.connect(self.start_recording)
        panel.stop_requested.connect(self.stop_recording)
        panel.devices_refresh_requested.connect(self.refresh_devices)
        panel.output_device_changed.connect(self._set_output_device)
        panel.open_take_requested.connect(self._open_take)
        self.devices_listed.connect(panel.set_devices)
        self.device_error.connect(panel.set_error)
        loaded = getattr(controller, "input_loaded", None)
        if loaded is not None:
            loaded.connect(self._after_input_loaded)

    def start(self) -> None:
        """List the devices and offer takes a crash left behind."""
        self.refresh_devices()
        self.recover_takes()

    def refresh_devices(self) -> None:
        """Re-list devices on a short-lived thread; the panel gets them through a queued signal."""

        def work() -> None:
            try:
                devices = self.list_devices()
            except AutoVoiceError as exc:
                self.last_devices = []
                self.devices_listed.emit([])
                self.device_error.emit(exc.user_message())
                return
            self.last_devices = devices  # before the emit: a listener connected later starts from it
            self.devices_listed.emit(devices)

        if self.worker is None:  # never re-initialise PortAudio under a running stream
            threading.Thread(target=work, name="list-audio-devices", daemon=True).start()

    def recover_takes(self) -> list[str]:
        """Repair unfinished takes and offer them in the panel. Returns their new paths."""
        from autovoice_desktop.audio.takes import find_unfinished_takes, recover_take

        recovered = []
        for path in find_unfinished_takes():
            try:
                recovered.append(str(recover_take(path)))
            except (AutoVoiceError, OSError) as exc:
                log.warning("could not recover %s: %s", path, exc)
        if recovered:
            self.panel.set_recovered(recovered)
        return recovered

    def start_recording(self, device: str, max_seconds: float) -> None:
        """Start a worker for one take."""
        if self.worker is not None:
            return
        options: dict[str, Any] = {"device": device or None, "max_seconds": max_seconds or None}
        if self.recorder_factory is not None:
            options["recorder_factory"] = self.recorder_factory
        worker = RecordingWorker(**options)
        worker.recording_started.connect(self.panel.show_started)
        worker.levels_changed.connect(self.panel.set_levels)
        worker.elapsed_changed.connect(self.panel.set_elapsed)
        worker.failed.connect(self.panel.set_error)
        worker.warning.connect(self.panel.set_status)
        worker.finished.connect(self._on_take)
        worker.done.connect(self._on_done)
        self.worker = worker
        self.thread = start_recording_thread(worker)  # kept alive until it has exited
        self.thread.finished.connect(self._on_thread_finished)

    def stop_recording(self) -> None:
        """Ask the worker to stop; the take arrives through `finished`."""
        if self.worker is not None:
            self.worker.request_stop()

    def _on_take(self, path: str) -> None:
        self._convert_pending = path if self.panel.convert_on_stop else None
        self.panel.set_status(f"Take saved: {path}")
        self.take_ready.emit(path)
        self._open_take(path)

    def _open_take(self, path: str) -> None:
        opener = getattr(self.controller, "open_file", None)
        if opener is not None:
            opener(path)

    def _after_input_loaded(self) -> None:
        pending, self._convert_pending = self._convert_pending, None
        if pending is not None and getattr(self.controller, "input_path", pending) == pending:
            convert = getattr(self.controller, "convert", None)
            if convert is not None:
                convert()

    def _on_done(self) -> None:
        self.panel.set_recording(False)
        self.worker = None

    def _on_thread_finished(self) -> None:
        self.thread = None

    def _set_output_device(self, name: str) -> None:
        playback = getattr(self.controller, "playback", None)
        if playback is None:
            return
        from autovoice_desktop.app.playback import default_player_factory

        playback.player_factory = default_player_factory(name or None)
        player = getattr(playback, "player", None)
        if player is not None and hasattr(player, "set_device"):
            player.set_device(name or None)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Stop a running take and wait for its thread (call before the window closes)."""
        thread = self.thread
        self.stop_recording()
        if thread is not None:
            with contextlib.suppress(RuntimeError):  # already deleted: it has finished
                thread.wait(timeout_ms)


def _list_devices() -> list[Any]:
    """PortAudio's devices, plus the PulseAudio/PipeWire sources and sinks (reached through `pulse`)."""
    from dataclasses import replace

    from autovoice_desktop.audio.devices import list_devices, pulse_endpoints

    devices = list_devices(refresh_first=True)
    pulse = next((dev for dev in devices if dev.name == "pulse"), None)
    if pulse is None:
        return devices
    base = replace(pulse, host_api="PulseAudio", is_default_input=False, is_default_output=False)
    for kind in ("input", "output"):
        endpoints = [(n, d) for n, d in pulse_endpoints(kind) if not n.endswith(".monitor")]
        descriptions = [d for _n, d in endpoints]
        for name, description in endpoints:
            label = description if descriptions.count(description) == 1 else name
            channels = {"max_input_channels": 1 if kind == "input" else 0}
            channels["max_output_channels"] = 0 if kind == "input" else 1
            devices.append(replace(base, name=label, **channels))
    return devices


def attach_recording(window: Any, controller: Any, **options: Any) -> RecordingController:
    """Add a RecordPanel to `window` (after the input card) and wire it to `controller`; lists devices."""
    panel = RecordPanel()
    window.add_side_widget(panel, 1)
    recording = RecordingController(panel, controller, **options)
    recording.start()
    return recording
