"""Shared value types passed between layers (frozen dataclasses, standard library only)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from autovoice_desktop.core.errors import ConversionCancelled

#: progress(fraction in [0, 1], stage name shown to the user)
ProgressFn = Callable[[float, str], None]

F0_METHODS = ("dio", "harvest", "fcpe")
DEVICE_CHOICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class F0Curve:
    """A target pitch curve given by the user (pitch editor, `convert --f0-curve`).

    times_s: increasing frame times in seconds; f0_hz: the target F0 at each time, 0 = unvoiced.
    Voices put it on their own frame grid with `engine.f0_curve.curve_on_grid`.
    """

    times_s: tuple[float, ...]
    f0_hz: tuple[float, ...]


@dataclass(frozen=True)
class ConversionParams:
    """What the user asked for. Voices ignore the fields that do not apply to them.

    transpose: semitones, fractional allowed (−24…+24).
    formant_shift: semitones of spectral-envelope shift, independent of pitch (built-in voices).
    target_median_f0: if set, pitch is moved so its median lands here (Hz); transpose is added on top.
    breathiness: aperiodicity scale (1 = unchanged, >1 breathier) (built-in voices).
    pitch_mode: "follow" (normal), "flat" (monotone robot at the median pitch), "whisper" (unvoiced).
    f0_method: one of F0_METHODS, or None for the voice's default.
    speaker: speaker name (So-VITS-SVC multi-speaker voices); None = the first speaker.
    noise_scale, auto_predict_f0: So-VITS-SVC synthesizer knobs (reference defaults 0.4, False).
    device: "auto", "cpu", "cuda" or "cuda:N".
    half: half precision where it is fast: float16 on CUDA, bfloat16 on a CPU where bf16 is measured faster
        (elsewhere float32). Up to 2x faster; False = float32, the reference's exact numbers.
    seed: makes So-VITS-SVC conversion reproducible (torch RNG); None = a fixed default seed.
    f0_curve: if set, the target F0 to use instead of the estimated one moved by transpose/target_median_f0
        (formant and the other settings still apply).
    """

    transpose: float = 0.0
    formant_shift: float = 0.0
    target_median_f0: float | None = None
    breathiness: float = 1.0
    pitch_mode: str = "follow"
    f0_method: str | None = None
    speaker: str | None = None
    noise_scale: float = 0.4
    auto_predict_f0: bool = False
    device: str = "auto"
    half: bool = True
    seed: int | None = None
    f0_curve: F0Curve | None = None


@dataclass(frozen=True)
class VoiceInfo:
    """A voice the user can pick.

    voice_id: stable unique id, e.g. "builtin/higher" or "sovits/my-voice".
    name: display name. kind: "builtin" or "sovits".
    defaults: the voice's own parameter defaults (a preset's transpose, formant, …).
    details: extra facts to show (sample rate, encoder, ssl_dim, …), as strings.
    """

    voice_id: str
    name: str
    kind: str
    description: str = ""
    speakers: tuple[str, ...] = ()
    sample_rate: int | None = None
    defaults: ConversionParams = field(default_factory=ConversionParams)
    details: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None


@dataclass(frozen=True)
class AudioInfo:
    """What the loader sees in a file (before mixing and resampling)."""

    path: str
    format: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True)
class AudioDeviceInfo:
    """An audio device as the sound system lists it."""

    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float
    is_default_input: bool = False
    is_default_output: bool = False


def check_cancel(cancel: threading.Event | None) -> None:
    """Raise ConversionCancelled if the event is set (call between chunks)."""
    if cancel is not None and cancel.is_set():
        raise ConversionCancelled()
