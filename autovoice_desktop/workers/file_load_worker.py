"""Loading an input file: samples first (so the waveform appears at once), then its F0 for the pitch plot."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.workers.job import Job

log = logging.getLogger(__name__)


class FileLoadJob(Job):
    """`loaded(LoadedAudio)` once read; then `succeeded((times, f0) | None)` after pitch analysis."""

    title = "Could not open the file"
    loaded = Signal(object)

    def __init__(self, bridge: Any, path: str) -> None:
        super().__init__()
        self.bridge = bridge
        self.path = path

    def work(self) -> Any:
        """Read, emit `loaded`, then estimate the input F0 (a failure there only loses the curve)."""
        self.report(0.0, "Reading")
        audio = self.bridge.load_audio(self.path)
        self.loaded.emit(audio)
        if self.cancel_event.is_set():
            return None
        self.report(0.5, "Analysing pitch")
        try:
            return self.bridge.estimate_f0(audio.samples, audio.sample_rate)
        except AutoVoiceError as exc:
            log.info("no input pitch curve for %s: %s", self.path, exc.user_message())
            return None
