"""Fast re-render of an edited span: convert only [start, stop) plus context, and splice it into the output.

Generic over `Voice`: the span (with `context_s` of input on each side, so the voice's analysis and chunk
joins see the same surroundings) goes through the voice's `convert_span` (by default its ordinary `convert`
of the segment, with the target curve moved to the segment's time axis; the built-in voices reuse the F0
analysis of the whole input from its last conversion and analyse only the segment's envelopes). The new
audio replaces the output on [start, stop) and is joined to the old output with raised-cosine crossfades
of `crossfade_s` on both sides; every sample outside
[start - crossfade, stop + crossfade) is the old output, untouched.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autovoice_desktop.core.types import ConversionParams, ProgressFn
from autovoice_desktop.engine.f0_curve import shift_curve
from autovoice_desktop.engine.voice import Voice

__all__ = [
    "DEFAULT_CONTEXT_S",
    "DEFAULT_CROSSFADE_S",
    "SplicedOutput",
    "render_span",
    "shift_curve",
    "splice_output_f0",
]

DEFAULT_CONTEXT_S = 0.2
DEFAULT_CROSSFADE_S = 0.02


@dataclass(frozen=True)
class SplicedOutput:
    """audio: (M,) float32, the new full output at sample_rate; changed: [first, last) output samples that
    differ from the previous output (crossfades included); seconds: input seconds that were converted."""

    audio: np.ndarray
    sample_rate: int
    changed: tuple[int, int]
    seconds: float


def render_span(  # noqa: PLR0913 - the span, its surroundings and the previous result all matter
    voice: Voice,
    audio: np.ndarray,
    sample_rate: int,
    params: ConversionParams,
    previous: np.ndarray,
    previous_rate: int,
    start_s: float,
    stop_s: float,
    *,
    context_s: float = DEFAULT_CONTEXT_S,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> SplicedOutput:
    """Convert input audio (N,) on [start_s, stop_s) again and splice it into `previous` (M,) (the full output
    of the same voice at previous_rate). params.f0_curve, if set, is on the whole input's time axis."""
    length = len(audio)
    start_s, stop_s = max(0.0, min(start_s, stop_s)), min(length / sample_rate, max(start_s, stop_s))
    if stop_s <= start_s:
        return SplicedOutput(np.asarray(previous, dtype=np.float32), previous_rate, (0, 0), 0.0)
    margin = context_s + crossfade_s
    lo = max(0, math.floor((start_s - margin) * sample_rate))
    hi = min(length, math.ceil((stop_s + margin) * sample_rate))
    offset_s = lo / sample_rate
    result = voice.convert_span(audio, sample_rate, params, lo, hi, progress=progress, cancel=cancel)
    if result.sample_rate != previous_rate:
        raise ValueError(f"the voice now gives {result.sample_rate} Hz, the output is {previous_rate} Hz")
    rate = previous_rate
    new = np.asarray(result.audio, dtype=np.float32)
    seg_start = round(offset_s * rate)  # output sample seg_start + j is new[j]
    out = np.array(previous, dtype=np.float32, copy=True)
    fade = max(1, round(crossfade_s * rate))
    first = max(0, round(start_s * rate) - fade, seg_start)
    last = min(len(out), round(stop_s * rate) + fade, seg_start + len(new))
    if last <= first:
        return SplicedOutput(out, rate, (0, 0), (hi - lo) / sample_rate)
    weight = np.ones(last - first, dtype=np.float64)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)  # raised cosine 0 -> 1
    head = min(fade, round(start_s * rate) - first)
    if head > 0:
        weight[:head] = ramp[fade - head :]
    tail = min(fade, last - round(stop_s * rate))
    if tail > 0:
        weight[len(weight) - tail :] = ramp[:tail][::-1]
    old = out[first:last].astype(np.float64)
    fresh = new[first - seg_start : last - seg_start].astype(np.float64)
    out[first:last] = (old + weight * (fresh - old)).astype(np.float32)
    return SplicedOutput(out, rate, (first, last), (hi - lo) / sample_rate)


F0_MARGIN_S = 0.1  # audio measured on each side of the changed samples (the estimator's edges are unsure)
F0_REACH_S = 0.05  # output F0 frames this near the changed samples are measured again


def splice_output_f0(
    estimate: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    audio: np.ndarray,
    sample_rate: int,
    previous_f0: tuple[np.ndarray, np.ndarray],
    changed: tuple[int, int],
    hop: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The output's F0 (times (T,), Hz (T,)) after a splice, measuring only the changed samples.

    previous_f0 is `estimate(previous output)`: frame k at k * hop samples. Frames within F0_REACH_S of the
    changed samples [first, last) of audio (M,) are measured again on that part of the audio (with
    F0_MARGIN_S on each side, starting on a whole frame); the others are kept. None when previous_f0 is not
    on that grid (measure the whole output instead).
    """
    times, f0 = previous_f0
    first, last = changed
    if len(times) != len(audio) // hop or len(f0) != len(times):
        return None
    if last <= first:
        return times, f0
    margin, reach = round(F0_MARGIN_S * sample_rate), round(F0_REACH_S * sample_rate)
    start = max(0, first - margin) // hop * hop
    _, part = estimate(audio[start : min(len(audio), last + margin)], sample_rate)
    frames = np.arange(max(0, (first - reach) // hop), min(len(f0), -(-(last + reach) // hop)))
    frames = frames[frames - start // hop < len(part)]
    new = np.array(f0, copy=True)
    new[frames] = part[frames - start // hop]
    return times, new
