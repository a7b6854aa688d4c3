"""Loading an input file: samples first (so the waveform appears at once), then its F0 for the pitch plot."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.workers.job import Job

log = logging.getLogger(__name__)

#: the input pitch is analysed in pieces this long, so a long file shows progress (and time left)
PITCH_CHUNK_SECONDS = 20.0


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
        try:
            return self._pitch(audio.samples, audio.sample_rate)
        except AutoVoiceError as exc:
            log.info("no input pitch curve for %s: %s", self.path, exc.user_message())
            return None

    def _pitch(self, samples: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(times (T,) s, f0 (T,) Hz) analysed piece by piece with progress; None when cancelled."""
        step = max(1, int(PITCH_CHUNK_SECONDS * rate))
        starts = list(range(0, max(len(samples), 1), step))
        times: list[np.ndarray] = []
        f0s: list[np.ndarray] = []
        for i, start in enumerate(starts):
            if self.cancel_event.is_set():
                return None
            self.report(0.5 + 0.5 * i / len(starts), "Analysing pitch")
            t, f0 = self.bridge.estimate_f0(samples[start : start + step], rate)
            keep = np.asarray(t) < step / rate if i < len(starts) - 1 else slice(None)  # no frame twice
            times.append(np.asarray(t)[keep] + start / rate)
            f0s.append(np.asarray(f0)[keep])
        return np.concatenate(times), np.concatenate(f0s)
