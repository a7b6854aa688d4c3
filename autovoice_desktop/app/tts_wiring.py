"""Text-to-speech wiring: TextPanel intents -> SpeakJob on a QThread -> the speech is opened as the input.

`attach_tts(window, controller)` puts a TextPanel in the side panel and returns the TtsController. Start-up
lists the TTS voices on a worker (or shows how to install the optional engine). Speak runs a SpeakJob; its
wav file is opened with `controller.open_file`, so waveform, pitch, Convert, A/B and Save all work on it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from autovoice_desktop.gui.text_panel import WINDOW_MAX_CHARS, TextPanel
from autovoice_desktop.workers.tts_worker import SpeakJob, TtsCache, TtsVoicesJob


class TtsController(QObject):
    """Owns the Text card's jobs; `speech_ready(path)` once the speech is written (it is then opened)."""

    speech_ready = Signal(str)
    speech_ended = Signal(str)  # "done", "cancelled" or "failed"

    def __init__(self, panel: TextPanel, controller: Any) -> None:
        super().__init__(panel)
        self.panel, self.controller = panel, controller
        self.cache = TtsCache()
        self.job: SpeakJob | None = None
        panel.speak_requested.connect(self.speak)
        panel.cancel_requested.connect(self.cancel)

    def start(self) -> None:
        """List the installed TTS voices in the background."""
        job = TtsVoicesJob()
        job.succeeded.connect(self._on_voices)
        job.failed.connect(self._on_voices_failed)
        self.controller.runner.start(job)

    def _on_voices(self, result: Any) -> None:
        if isinstance(result, list):
            self.panel.set_voices(result)
        else:
            self.panel.set_unavailable(str(result))

    def _on_voices_failed(self, _title: str, message: str) -> None:
        self.panel.set_unavailable(message)

    def speak(self, text: str, voice_name: str) -> None:
        """Speak `text` with TTS voice `voice_name` on a worker thread."""
        if self.job is not None:
            return
        job = SpeakJob(self.cache, text, voice_name, WINDOW_MAX_CHARS)
        job.progress.connect(self._on_progress)
        job.succeeded.connect(self._on_spoken)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        job.finished.connect(self._on_finished)
        self.job = job
        self.panel.set_busy(True)
        self.panel.set_status("Speaking…")
        self.controller.runner.start(job)

    def cancel(self) -> None:
        """Stop the running synthesis at its next piece."""
        if self.job is not None:
            self.job.request_cancel()
            self.panel.set_status("Cancelling…")

    def _on_progress(self, fraction: float, stage: str) -> None:
        self.panel.set_status(f"{stage} ({fraction * 100:.0f} %)")

    def _on_spoken(self, path: str) -> None:
        self.panel.set_status("Done: the speech is the input now; press Convert")
        self.controller.open_file(path, from_tts=True)
        self.speech_ready.emit(path)
        self.speech_ended.emit("done")

    def _on_failed(self, title: str, message: str) -> None:
        self.panel.set_status(f"{title}: {message}")
        self.speech_ended.emit("failed")

    def _on_cancelled(self) -> None:
        self.panel.set_status("Cancelled")
        self.speech_ended.emit("cancelled")

    def _on_finished(self) -> None:
        self.job = None
        self.panel.set_busy(False)


def attach_tts(window: Any, controller: Any, index: int = 3) -> TtsController:
    """Add the Text card to the window's side panel (below Record) and wire it; call start() after show."""
    panel = TextPanel()
    window.add_side_widget(panel, index)
    return TtsController(panel, controller)
