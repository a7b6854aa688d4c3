"""File conversion on a worker thread: load the voice, convert in chunks (cancellable), measure output F0."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.core.types import ConversionParams, check_cancel
from autovoice_desktop.workers.job import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversionOutput:
    """What the window shows after a conversion.

    audio: (N,) float32 at sample_rate. pitch: the engine's PitchTrack (times, source_f0, target_f0) or None.
    output_f0: (times, f0) measured in the output, or None. elapsed: seconds of work.
    """

    audio: np.ndarray
    sample_rate: int
    pitch: Any
    output_f0: tuple[np.ndarray, np.ndarray] | None
    elapsed: float
    duration: float
    device: str
    device_label: str

    @property
    def rtf(self) -> float:
        """Real-time factor: seconds of work per second of audio (below 1 = faster than real time)."""
        return self.elapsed / self.duration if self.duration else 0.0


def _stage(text: str) -> str:
    """The engine's stage name for the window; the engine's "done" is not the job's (output pitch follows)."""
    if not text or text.strip().lower() == "done":
        return "Converting"
    return text[:1].upper() + text[1:]


class ConversionJob(Job):
    """Converts `samples` with voice `voice_id`; `notice(str)` when the device choice had to change."""

    title = "Conversion failed"
    notice = Signal(str)

    def __init__(
        self, bridge: Any, voice_id: str, params: ConversionParams, samples: np.ndarray, sample_rate: int
    ) -> None:
        super().__init__()
        self.bridge = bridge
        self.voice_id = voice_id
        self.params = params
        self.samples = samples
        self.sample_rate = sample_rate

    def work(self) -> ConversionOutput:
        """Runs on the worker thread; cancel_event is checked by the engine between chunks."""
        started = time.perf_counter()
        self.report(0.0, "Preparing")
        device, notice = self.bridge.resolve_device(self.params.device)
        if notice:
            self.notice.emit(notice)
        self.report(0.01, "Loading voice")
        voice = self.bridge.voice(self.voice_id, device)
        check_cancel(self.cancel_event)
        result = voice.convert(
            self.samples,
            self.sample_rate,
            replace(self.params, device=device),
            progress=lambda fraction, stage: self.report(0.03 + 0.9 * fraction, _stage(stage)),
            cancel=self.cancel_event,
        )
        check_cancel(self.cancel_event)
        self.report(0.94, "Measuring output pitch")
        try:
            output_f0 = self.bridge.estimate_f0(result.audio, result.sample_rate)
        except AutoVoiceError as exc:
            log.info("no output pitch curve: %s", exc.user_message())
            output_f0 = None
        elapsed = time.perf_counter() - started
        self.report(1.0, "Done")
        return ConversionOutput(
            audio=result.audio,
            sample_rate=result.sample_rate,
            pitch=result.pitch,
            output_f0=output_f0,
            elapsed=elapsed,
            duration=len(self.samples) / self.sample_rate,
            device=result.device,
            device_label=self.bridge.describe_device(result.device),
        )
