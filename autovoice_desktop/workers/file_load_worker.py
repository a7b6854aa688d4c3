"""Loading an input file: samples first (so the waveform appears at once), then its F0 for the pitch plot.

With a built-in voice chosen, the F0 is that voice's own analysis with the chosen F0 method, which the voice
keeps, so the Convert that follows does not analyse the input a second time (engine/world_cache.py).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError, ConversionCancelled
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.workers.job import Job

log = logging.getLogger(__name__)

#: the input pitch is analysed in pieces this long, so a long file shows progress (and time left)
PITCH_CHUNK_SECONDS = 20.0


class FileLoadJob(Job):
    """`loaded(LoadedAudio)` once read; then `succeeded((times, f0) | None)` after pitch analysis."""

    title = "Could not open the file"
    loaded = Signal(object)

    def __init__(
        self, bridge: Any, path: str, voice_id: str | None = None, params: ConversionParams | None = None
    ) -> None:
        super().__init__()
        self.bridge = bridge
        self.path = path
        self.voice_id = voice_id  # with params: analyse as this voice's conversion will (reused by Convert)
        self.params = params

    def work(self) -> Any:
        """Read, emit `loaded`, then estimate the input F0 (a failure there only loses the curve)."""
        self.report(0.0, "Reading")
        audio = self.bridge.load_audio(self.path)
        self.loaded.emit(audio)
        if self.cancel_event.is_set():
            return None
        try:
            found = self._voice_pitch(audio.samples, audio.sample_rate)
            return found if found is not None else self._pitch(audio.samples, audio.sample_rate)
        except ConversionCancelled:
            return None
        except AutoVoiceError as exc:
            log.info("no input pitch curve for %s: %s", self.path, exc.user_message())
            return None

    def _voice_pitch(self, samples: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The chosen voice's own analysis (times, f0), or None when it has none to share (not built-in)."""
        analyse = getattr(self.bridge, "analyse_input_pitch", None)
        if self.voice_id is None or self.params is None or analyse is None:
            return None
        self.report(0.5, "Analysing pitch")
        return analyse(
            self.voice_id, samples, rate, self.params,
            lambda fraction, stage: self.report(0.5 + 0.5 * fraction, stage), self.cancel_event,
        )  # fmt: skip

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
