"""The Voice interface every voice implements (built-in WORLD voices and So-VITS-SVC models).

A Voice turns mono float32 audio into audio in its own voice. It is created by `engine.voices.load_voice`
and can be reused for many conversions (models stay loaded).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from autovoice_desktop.core.errors import VoiceError
from autovoice_desktop.core.text import printable
from autovoice_desktop.core.types import ConversionParams, ProgressFn, VoiceInfo
from autovoice_desktop.engine.f0_curve import shift_curve
from autovoice_desktop.engine.stream import VoiceStream

if TYPE_CHECKING:
    from typing_extensions import Unpack


@dataclass(frozen=True)
class PitchTrack:
    """F0 on a common frame grid, for plots and checks.

    times: (T,) seconds; source_f0: (T,) Hz of the input, 0 where unvoiced;
    target_f0: (T,) Hz the voice was asked to sing/speak (after transpose etc.), 0 where unvoiced.
    """

    times: np.ndarray
    source_f0: np.ndarray
    target_f0: np.ndarray


@dataclass(frozen=True)
class ConversionResult:
    """audio: (N,) float32 mono at sample_rate; pitch: the F0 the conversion used (None if it has none)."""

    audio: np.ndarray
    sample_rate: int
    pitch: PitchTrack | None = None
    device: str = "cpu"

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.audio) / self.sample_rate


def checked_result(result: ConversionResult, voice_name: str) -> ConversionResult:
    """`result` if every sample is finite; else VoiceError (exit 5): no path writes or plays NaN/Inf audio."""
    bad = int(np.count_nonzero(~np.isfinite(result.audio)))
    if bad:
        raise VoiceError(
            f"the voice {printable(repr(voice_name))} produced {bad} NaN/infinite samples of "
            f"{len(result.audio)}; nothing was written",
            "the model is damaged: re-import an undamaged copy, or try --fp32",
        )
    return result


class CallHooks(TypedDict, total=False):
    """The optional keywords of every conversion entry point of a Voice."""

    progress: ProgressFn | None  # called with (fraction, stage)
    cancel: threading.Event | None  # checked between chunks: ConversionCancelled is raised once it is set


@dataclass(frozen=True)
class VoiceRequest:
    """One call of a Voice entry point: mono float32 audio (N,) at sample_rate, the params, and the call's
    progress callback and cancel Event (see CallHooks). Subclasses implement the protected hooks on it."""

    audio: np.ndarray
    sample_rate: int
    params: ConversionParams
    progress: ProgressFn | None = None
    cancel: threading.Event | None = None

    def report(self, fraction: float, stage: str) -> None:
        """Tell the caller's progress callback, if any."""
        if self.progress is not None:
            self.progress(fraction, stage)

    def span(self, lo: int, hi: int) -> VoiceRequest:
        """Samples [lo, hi) as a request of their own, params.f0_curve moved onto the span's time axis."""
        params = self.params
        if params.f0_curve is not None:
            offset_s = lo / self.sample_rate
            moved = shift_curve(params.f0_curve, offset_s, offset_s, hi / self.sample_rate)
            params = replace(params, f0_curve=moved)
        return replace(self, audio=self.audio[lo:hi], params=params)


class Voice(ABC):
    """A loaded voice.

    The public entry points (`convert`, `convert_span`, `analyse_pitch`) bundle their arguments into one
    VoiceRequest and call the protected hook of the same name, which is what a subclass implements.
    """

    info: VoiceInfo

    def convert(
        self, audio: np.ndarray, sample_rate: int, params: ConversionParams, **hooks: Unpack[CallHooks]
    ) -> ConversionResult:
        """Convert mono float32 audio (N,) at sample_rate.

        The result has the same duration as the input (at the voice's own output rate). `progress` is called
        with (fraction, stage) and `cancel` is checked between chunks (ConversionCancelled is raised).
        """
        return self._convert(VoiceRequest(audio, sample_rate, params, **hooks))

    def convert_span(
        self,
        audio: np.ndarray,
        sample_rate: int,
        params: ConversionParams,
        lo: int,
        hi: int,
        **hooks: Unpack[CallHooks],
    ) -> ConversionResult:
        """Convert samples [lo, hi) of the whole input `audio` (N,); params.f0_curve is on the whole input's
        time axis. The result covers the span only (output sample 0 is input sample lo).

        The pitch editor's re-render calls this (see `_convert_span`).
        """
        return self._convert_span(VoiceRequest(audio, sample_rate, params, **hooks), lo, hi)

    def analyse_pitch(
        self, audio: np.ndarray, sample_rate: int, params: ConversionParams, **hooks: Unpack[CallHooks]
    ) -> PitchTrack:
        """The F0 a conversion of mono float32 audio (N,) with `params` would use, without converting.

        Returns a PitchTrack on the voice's own frame grid: source_f0 as estimated, target_f0 after transpose
        etc. (or params.f0_curve on that grid). `autovoice pitch` and the pitch editor start from it.
        """
        return self._analyse_pitch(VoiceRequest(audio, sample_rate, params, **hooks))

    @abstractmethod
    def _convert(self, request: VoiceRequest) -> ConversionResult:
        """`convert` of one request."""

    def _convert_span(self, request: VoiceRequest, lo: int, hi: int) -> ConversionResult:
        """`convert_span`. Here: `_convert` of the span alone, with the curve moved onto the span's time axis;
        a voice may override it to reuse what it knows of the whole input."""
        return self._convert(request.span(lo, hi))

    def _analyse_pitch(self, request: VoiceRequest) -> PitchTrack:
        """`analyse_pitch` of one request. Here: VoiceError (the voice cannot export its pitch)."""
        raise VoiceError(
            f"The voice {self.info.name!r} cannot export its pitch curve.", "Pick another voice."
        )

    def open_stream(self, params: ConversionParams, *, context_samples: int) -> VoiceStream:
        """A block-by-block converter for the live voice changer (see engine/stream.py).

        context_samples: left context (at the stream's sample_rate) converted with every block.
        """
        raise VoiceError(f"The voice {self.info.name!r} cannot convert live.", "Pick another voice.")

    def release(self) -> None:
        """Free memory held on a GPU (the voice may be used again; it reloads what it needs)."""
        return None
