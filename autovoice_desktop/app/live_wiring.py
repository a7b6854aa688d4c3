"""Live mode wiring: LivePanel intents -> a LiveSession started and stopped on short-lived threads.

Opening devices, loading a voice and stopping (joining the worker) never run on the GUI thread: each runs on
a daemon thread that reports back through this QObject's signals (queued to the GUI thread, connected to
bound methods). A GUI timer polls the session's counters and levels (10 times a second) and its health
(`check()`: a lost device stops the session with a message). Setting changes go straight to the worker
(`set_params`, `bypass`, `set_stream`), which applies them from the next block.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.gui.live_panel import LivePanel

log = logging.getLogger(__name__)

POLL_MS = 100


def _db(value: float) -> float:
    return 20.0 * math.log10(value) if value > 1e-6 else -120.0


class LiveWiring(QObject):
    """Owns the live session of one LivePanel."""

    started = Signal(object)  # the LiveSession
    failed = Signal(str)
    stopped = Signal(str)  # "" or why it stopped
    devices_listed = Signal(object)
    stream_ready = Signal(object)  # a new voice's stream, to hand to the worker

    def __init__(self, panel: LivePanel, *, sd: Any | None = None, list_devices: Any = None) -> None:
        super().__init__(panel)
        self.panel = panel
        self.sd = sd
        self.list_devices = list_devices
        self.session: Any = None
        self.controller: Any = None
        self.microphone: Any = None
        self._busy = False
        self._params: Any = None
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        panel.start_requested.connect(self.start)
        panel.stop_requested.connect(self.stop)
        panel.bypass_changed.connect(self.set_bypass)
        panel.settings_changed.connect(self.set_settings)
        panel.voice_changed.connect(self.change_voice)
        self.started.connect(self._on_started)
        self.failed.connect(self._on_failed)
        self.stopped.connect(self._on_stopped)
        self.devices_listed.connect(panel.set_devices)
        self.stream_ready.connect(self._use_stream)

    # --- set-up ------------------------------------------------------------------------------------------
    def load_choices(self) -> None:
        """Voices now (a small manifest read), devices on a thread."""
        from autovoice_desktop.engine.voices import list_voices

        try:
            self.panel.set_voices([info.name for info in list_voices()])
        except AutoVoiceError as exc:
            self.panel.set_error(exc.user_message())
        threading.Thread(target=self._list_devices, name="live-devices", daemon=True).start()

    def _list_devices(self) -> None:
        try:
            if self.list_devices is not None:
                devices = self.list_devices()
            else:
                from autovoice_desktop.audio.devices import list_devices

                devices = list_devices(self.sd)
        except AutoVoiceError as exc:
            self.failed.emit(exc.user_message())
            return
        self.devices_listed.emit(devices)

    def voices_from_controller(self) -> None:
        """The controller listed the voices: offer them here too."""
        voices = getattr(self.controller, "voices", [])
        self.panel.set_voices([info.name for info in voices])

    # --- start / stop ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start a session with the panel's choices (on a thread)."""
        if self.session is not None or self._busy:
            return
        self._busy = True
        choices = {
            "voice": self.panel.voice(),
            "transpose": self.panel.transpose_spin.value(),
            "formant": self.panel.formant_spin.value(),
            "input": self.panel.input_device() or None,
            "output": self.panel.output_device() or None,
            "virtual_mic": self.panel.virtual_mic_checkbox.isChecked(),
            "bypass": self.panel.bypass_checkbox.isChecked(),
        }
        threading.Thread(target=self._start_work, args=(choices,), name="live-start", daemon=True).start()

    def _start_work(self, choices: dict[str, Any]) -> None:
        from autovoice_desktop.app.live_session import LiveSession
        from autovoice_desktop.engine.voices import find_voice, load_voice

        microphone = None
        try:
            info = find_voice(choices["voice"])
            params = replace(info.defaults, transpose=choices["transpose"], formant_shift=choices["formant"])
            output = choices["output"]
            if choices["virtual_mic"]:
                from autovoice_desktop.audio.virtual_mic import VirtualMicrophone

                microphone = VirtualMicrophone()
                microphone.create()
                output = microphone.output_name
            session = LiveSession(
                load_voice(info), params, input_device=choices["input"], output_device=output, sd=self.sd
            )
            session.start()
            assert session.processor is not None
            session.processor.bypass = choices["bypass"]
        except (AutoVoiceError, OSError) as exc:
            if microphone is not None:
                microphone.remove()
            message = exc.user_message() if isinstance(exc, AutoVoiceError) else str(exc)
            self.failed.emit(message)
            return
        self.microphone = microphone
        self._params = params
        self.started.emit(session)

    def _on_started(self, session: Any) -> None:
        self._busy = False
        self.session = session
        self.panel.set_running(True)
        self.timer.start()

    def _on_failed(self, message: str) -> None:
        self._busy = False
        self.panel.set_error(message)

    def stop(self, message: str = "") -> None:
        """Stop the session (joined on a thread); the panel shows `message` if there is one."""
        session, self.session = self.session, None
        self.timer.stop()
        if session is None:
            return
        self._busy = True
        microphone, self.microphone = self.microphone, None

        def work() -> None:
            session.stop()
            if microphone is not None:
                microphone.remove()
            self.stopped.emit(message)

        threading.Thread(target=work, name="live-stop", daemon=True).start()

    def _on_stopped(self, message: str) -> None:
        self._busy = False
        if message:
            self.panel.set_error(message)
        else:
            self.panel.set_running(False)
            self.panel.status_label.setText("Stopped")

    def shutdown(self) -> None:
        """Stop at once and wait (the window is closing)."""
        session, self.session = self.session, None
        self.timer.stop()
        if session is not None:
            session.stop()
        if self.microphone is not None:
            self.microphone.remove()
            self.microphone = None

    # --- while running -----------------------------------------------------------------------------------
    def poll(self) -> None:
        """GUI timer: counters, levels, and device health."""
        session = self.session
        if session is None or session.processor is None:
            return
        problem = session.check()
        if problem:
            self.stop(f"Live stopped: {problem}")
            return
        processor = session.processor
        stats = processor.stats
        self.panel.set_stats(stats.latency_ms, stats.dropouts, processor.block_ms)
        levels = processor.pop_levels()
        self.panel.set_levels(_db(levels.input_peak), _db(levels.output_peak))

    def set_bypass(self, on: bool) -> None:
        """Dry voice through (from the next block)."""
        if self.session is not None and self.session.processor is not None:
            self.session.processor.bypass = bool(on)

    def set_settings(self, transpose: float, formant: float) -> None:
        """New transpose/formant from the next block."""
        if self.session is None or self.session.processor is None or self._params is None:
            return
        self._params = replace(self._params, transpose=transpose, formant_shift=formant)
        self.session.processor.set_params(self._params)

    def change_voice(self, name: str) -> None:
        """Load another voice on a thread and switch the running stream to it."""
        if self.session is None:
            return
        transpose, formant = self.panel.transpose_spin.value(), self.panel.formant_spin.value()

        def work() -> None:
            from autovoice_desktop.app.live_session import CONTEXT_S, LIVE_RATE_GUESS, warm_up
            from autovoice_desktop.engine.voices import find_voice, load_voice

            try:
                info = find_voice(name)
                params = replace(info.defaults, transpose=transpose, formant_shift=formant)
                voice = load_voice(info)
                rate = info.sample_rate or LIVE_RATE_GUESS
                stream = voice.open_stream(params, context_samples=round(CONTEXT_S * rate))
                warm_up(stream)
            except AutoVoiceError as exc:
                self.failed.emit(exc.user_message())
                return
            self.stream_ready.emit((stream, params))

        threading.Thread(target=work, name="live-voice", daemon=True).start()

    def _use_stream(self, ready: tuple[Any, Any]) -> None:
        stream, params = ready
        if self.session is not None and self.session.processor is not None:
            self._params = params
            self.session.processor.set_stream(stream)


def attach_live(window: Any, controller: Any = None, recording: Any = None, **options: Any) -> LiveWiring:
    """Add the Live card to the window's side panel and wire it. Voices come from the controller once it has
    listed them, devices from the recording panel's (background) device listing: nothing is imported or
    opened before the window is shown."""
    panel = LivePanel()
    window.add_side_widget(panel, 3)
    wiring = LiveWiring(panel, **options)
    if controller is not None and hasattr(controller, "voices_loaded"):
        wiring.controller = controller
        controller.voices_loaded.connect(wiring.voices_from_controller)
    if recording is not None and hasattr(recording, "devices_listed"):
        recording.devices_listed.connect(panel.set_devices)
        # a listing that finished before this connection was made is not delivered to it: start from it
        listed = getattr(recording, "last_devices", None)
        if listed is not None:
            panel.set_devices(listed)
    window.closing.connect(wiring.shutdown)
    return wiring
