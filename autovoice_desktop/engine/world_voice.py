"""The built-in voices: a WORLD vocoder (pyworld) that changes pitch, formants and breathiness.

The input is cut into chunks of a few seconds with context on both sides, so memory stays bounded however
long the input is (the spectral envelopes of a chunk are the largest arrays). Two passes: first the F0 of
every chunk (small; gives the median for "flat" pitch and a target median), then envelope analysis,
parameter changes and synthesis per chunk. Neighbouring chunks are joined with a raised-cosine crossfade
after aligning the new chunk's waveform to the previous one (a shift of at most a few ms, chosen by
normalised cross-correlation), so periodic sounds keep their phase across the join and there is no click.
The output rate is the input rate.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

import numpy as np

from autovoice_desktop.core.errors import AudioContentError
from autovoice_desktop.core.types import ConversionParams, F0Curve, VoiceInfo, check_cancel
from autovoice_desktop.engine import world_cache, world_dsp
from autovoice_desktop.engine.f0_curve import curve_on_grid
from autovoice_desktop.engine.stream import VoiceStream
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack, Voice, VoiceRequest
from autovoice_desktop.engine.world_params import (  # noqa: F401 - part of this module's API
    DEFAULT_F0_METHOD,
    FORMANT_LIMIT,
    PITCH_MODES,
    TRANSPOSE_LIMIT,
    _checked,
    target_pitch,
)

log = logging.getLogger(__name__)

MIN_DURATION_S = 0.1
_CROSSFADE_S = 0.04
_MAX_ALIGN_SHIFT_S = 0.0125
_ANALYSIS_MARGIN_S = 0.15
_PEAK_LIMIT = 0.99
_INPUT_F0 = "input-f0"  # world_cache kind: (source F0 (T,) of a whole input, its median voiced F0)


@dataclass(frozen=True)
class _Chunk:
    """Samples [start, stop) are analysed; [core_start, core_stop) is what this chunk contributes."""

    start: int
    stop: int
    core_start: int
    core_stop: int


def _frame_step(sample_rate: int) -> int:
    """Smallest sample count that is a whole number of WORLD frames (5 ms)."""
    frames_per_second = round(1000.0 / world_dsp.FRAME_PERIOD_MS)
    return sample_rate // math.gcd(sample_rate, frames_per_second)


def _quiet_border(samples: np.ndarray, nominal: int, search: int, step: int, window: int) -> int:
    """The frame-aligned position within ±search of nominal where the signal is quietest (10 ms RMS)."""
    lo, hi = max(step, nominal - search), min(len(samples) - step, nominal + search)
    if hi <= lo:
        return nominal
    candidates = np.arange((lo + step - 1) // step * step, hi, step)
    if len(candidates) == 0:
        return nominal
    energy = [
        float(np.mean(np.square(samples[max(0, c - window // 2) : c + window // 2]))) for c in candidates
    ]
    return int(candidates[int(np.argmin(energy))])


def plan_chunks(samples: np.ndarray, sample_rate: int, chunk_seconds: float) -> list[_Chunk]:
    """Frame-aligned chunks covering samples (N,), each with context for analysis and crossfades.

    Borders sit at the quietest point within a quarter chunk of every chunk_seconds, so most joins fall in
    pauses or consonants, where no waveform alignment is needed.
    """
    length = len(samples)
    step = _frame_step(sample_rate)
    core = max(step, round(chunk_seconds * sample_rate / step) * step)
    context_samples = _CROSSFADE_S / 2 + _MAX_ALIGN_SHIFT_S + _ANALYSIS_MARGIN_S
    context = math.ceil(context_samples * sample_rate / step) * step
    nominal = list(range(core, length, core))
    if nominal and length - nominal[-1] < core // 4:
        nominal.pop()  # fold a tiny last chunk into the previous one
    search = core // 4
    window = max(2, int(0.01 * sample_rate))
    borders = [0] + [_quiet_border(samples, b, search, step, window) for b in nominal] + [length]
    return [
        _Chunk(max(0, lo - context), min(length, hi + context), lo, hi)
        for lo, hi in zip(borders[:-1], borders[1:], strict=True)
        if hi > lo
    ]


def _fades(length: int) -> tuple[np.ndarray, np.ndarray]:
    """Raised-cosine fade-in and fade-out (length,) that sum to 1."""
    fade_in = 0.5 - 0.5 * np.cos(np.pi * (np.arange(length) + 0.5) / length)
    return fade_in, 1.0 - fade_in


def best_alignment(previous: np.ndarray, candidate: np.ndarray, max_shift: int) -> int:
    """Shift s in [-max_shift, max_shift] where candidate[max_shift + s:][:W] best matches previous (W,).

    candidate has W + 2 * max_shift samples. Silence gives 0.
    """
    width = len(previous)
    if not np.any(previous) or not np.any(candidate):
        return 0
    correlation = np.correlate(candidate, previous, mode="valid")  # (2 * max_shift + 1,)
    energy = np.cumsum(np.concatenate(([0.0], candidate**2)))
    window_energy = energy[width:] - energy[:-width]
    score = correlation / np.sqrt(np.maximum(window_energy, 1e-12))
    return int(np.argmax(score)) - max_shift


def _prepared_input(audio: np.ndarray) -> np.ndarray:
    """Mono float32 (N,), finite and within full scale; copies only when something must change (long
    inputs stay a single float32 array; chunks become float64 one at a time)."""
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim == 2:
        samples = samples.mean(axis=1, dtype=np.float32)
    if not np.isfinite(samples).all():
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    peak = max(float(samples.max()), -float(samples.min())) if len(samples) else 0.0  # no |x| temporary
    if peak > 1.0:  # legal in float files, but WORLD's analysis overflows on huge values
        log.warning("built-in voice: input peaks at %.3g (above full scale); scaled down to fit", peak)
        samples = samples * np.float32(_PEAK_LIMIT / peak)
    return samples


def _frame_times(first_frame: int, count: int) -> np.ndarray:
    """Times (count,) in seconds of WORLD frames first_frame … first_frame + count - 1."""
    return (first_frame + np.arange(count)) * world_dsp.FRAME_PERIOD_MS / 1000.0


def apply_curve(
    own_target: np.ndarray, first_frame: int, default_target: np.ndarray, curve: F0Curve
) -> np.ndarray:
    """A chunk's target F0 (T,) with the user's curve: the curve wherever it differs from the target the
    conversion would use without it (default_target, on the whole input's grid), else the chunk's own target.

    So an exported, unedited curve converts exactly like no curve (a chunk's context frames keep the chunk's
    own estimate), and an edited frame, or a curve made with another transpose, is followed as given.
    """
    wanted = curve_on_grid(curve, _frame_times(first_frame, len(own_target)))
    index = np.clip(first_frame + np.arange(len(own_target)), 0, max(0, len(default_target) - 1))
    default = default_target[index] if len(default_target) else np.zeros(len(own_target))
    same = ((wanted > 0) == (default > 0)) & np.isclose(wanted, default, rtol=1e-9, atol=1e-6)
    return np.where(same, own_target, wanted)


def _track(source_f0: np.ndarray, default_target: np.ndarray, params: ConversionParams) -> PitchTrack:
    """PitchTrack on the whole input's 5 ms grid; the target is params.f0_curve there when one is given."""
    times = _frame_times(0, len(source_f0))
    target = default_target
    if params.f0_curve is not None and params.pitch_mode != "whisper":
        target = apply_curve(default_target, 0, default_target, params.f0_curve)
    return PitchTrack(times=times, source_f0=source_f0, target_f0=target)


class WorldVoice(Voice):
    """A built-in voice: WORLD analysis/synthesis with the preset's (or the caller's) parameters."""

    def __init__(self, info: VoiceInfo, *, chunk_seconds: float = 8.0) -> None:
        self.info = info
        self.chunk_seconds = chunk_seconds

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        """Convert mono float32 (N,) audio; returns (N,) float32 at the same rate and the pitch track."""
        params, samples = _checked(request.params), _prepared_input(request.audio)
        sample_rate = request.sample_rate
        if len(samples) < MIN_DURATION_S * sample_rate:
            raise AudioContentError(
                f"input is too short ({len(samples) / sample_rate:.3f} s)",
                f"give at least {MIN_DURATION_S} s",
            )
        chunks = plan_chunks(samples, sample_rate, self.chunk_seconds)
        source_f0, chunk_f0, median_f0 = self._pitch_pass(request, params, samples, chunks)
        default_target = target_pitch(source_f0, params, median_f0)
        output = self._synthesize_chunks(
            samples, sample_rate, chunks, chunk_f0, params, median_f0, request, default_target
        )
        request.report(1.0, "done")
        return ConversionResult(
            audio=output,
            sample_rate=sample_rate,
            pitch=_track(source_f0, default_target, params),
            device="cpu",
        )

    def _analyse_pitch(self, request: VoiceRequest) -> PitchTrack:
        """Source and target F0 on the 5 ms WORLD grid, exactly as `convert` would use them (no synthesis)."""
        params, samples = _checked(request.params), _prepared_input(request.audio)
        chunks = plan_chunks(samples, request.sample_rate, self.chunk_seconds)
        source_f0, _, median_f0 = self._pitch_pass(request, params, samples, chunks)
        request.report(1.0, "done")
        return _track(source_f0, target_pitch(source_f0, params, median_f0), params)

    def _pitch_pass(
        self, request: VoiceRequest, params: ConversionParams, samples: np.ndarray, chunks: list[_Chunk]
    ) -> tuple[np.ndarray, list[np.ndarray], float | None]:
        """`_analyse_chunks` of the prepared input samples (N,), remembered for `convert_span`."""
        found = self._analyse_chunks(samples, request.sample_rate, chunks, params, request)
        source_f0, _, median_f0 = found
        world_cache.remember(
            _INPUT_F0, samples, request.sample_rate, (params.f0_method,), (source_f0, median_f0)
        )
        return found

    def _convert_span(self, request: VoiceRequest, lo: int, hi: int) -> ConversionResult:
        """Samples [lo, hi) of the whole input (N,) converted (hi - lo output samples), for the pitch editor.

        When this input was converted (or its pitch analysed) with the same F0 method before, its source F0
        and median are reused (the same values the full conversion used; no F0 analysis), so only the span's
        envelopes are analysed and it is synthesised, from the frame boundary at or before lo. Otherwise
        the span is converted on its own, as `Voice.convert_span` does.
        """
        checked, samples = _checked(request.params), _prepared_input(request.audio)
        sample_rate = request.sample_rate
        known = world_cache.recall(_INPUT_F0, samples, sample_rate, (checked.f0_method,))
        if known is None or hi - lo < MIN_DURATION_S * sample_rate:
            return super()._convert_span(request, lo, hi)
        source_f0, median_f0 = known
        start = lo - lo % _frame_step(sample_rate)  # a whole number of 5 ms frames from the input's start
        hop = sample_rate * world_dsp.FRAME_PERIOD_MS / 1000.0
        first, count = round(start / hop), int((hi - start) / hop) + 1  # WORLD's frames of the segment
        f0 = np.zeros(count)
        known_part = source_f0[first : first + count]
        f0[: len(known_part)] = known_part
        output = self._synthesize_chunks(
            samples[:hi],
            sample_rate,
            [_Chunk(start, hi, start, hi)],
            [f0],
            checked,
            median_f0,
            request,
            target_pitch(source_f0, checked, median_f0),
        )
        request.report(1.0, "done")
        return ConversionResult(audio=output[lo:hi], sample_rate=sample_rate, device="cpu")

    @staticmethod
    def _analyse_chunks(
        samples: np.ndarray,
        sample_rate: int,
        chunks: list[_Chunk],
        params: ConversionParams,
        request: VoiceRequest,
    ) -> tuple[np.ndarray, list[np.ndarray], float | None]:
        """Pass 1: (source F0 (T,) on the whole input's grid, each chunk's own F0, median voiced F0).

        request: its progress and cancel hooks."""
        hop = sample_rate * world_dsp.FRAME_PERIOD_MS / 1000.0
        total_frames = int(len(samples) / hop) + 1
        source_f0 = np.zeros(total_frames)
        chunk_f0: list[np.ndarray] = []
        for index, chunk in enumerate(chunks):  # pass 1: pitch (small arrays only)
            check_cancel(request.cancel)
            request.report(0.3 * index / len(chunks), "analysing pitch")
            part = samples[chunk.start : chunk.stop]
            f0 = world_cache.cached(  # the pitch editor re-renders spans, Convert follows the input analysis
                "f0",
                part,
                sample_rate,
                (params.f0_method,),
                lambda part=part: world_dsp.estimate_f0(part, sample_rate, params.f0_method),
                max_seconds=None,  # small at any length: the window's input analysis is reused by Convert
            )
            chunk_f0.append(f0)
            first, offset = round(chunk.core_start / hop), round(chunk.start / hop)
            last = total_frames if chunk is chunks[-1] else round(chunk.core_stop / hop)
            core_part = f0[first - offset : last - offset]
            source_f0[first : first + len(core_part)] = core_part
        voiced = source_f0[source_f0 > 0]
        return source_f0, chunk_f0, float(np.median(voiced)) if len(voiced) else None

    def open_stream(self, params: ConversionParams, *, context_samples: int) -> VoiceStream:
        """A WORLD stream for the live voice changer (engine/world_stream.py), at its LIVE_RATE."""
        from autovoice_desktop.engine.world_stream import WorldStream

        return WorldStream(params, context_samples=context_samples)

    @staticmethod
    def _shift_limit(f0: np.ndarray, chunk: _Chunk, border: int, sample_rate: int) -> int:
        """Half the pitch period at a join (the most a phase alignment may move a chunk); 0 if unvoiced."""
        hop = sample_rate * world_dsp.FRAME_PERIOD_MS / 1000.0
        frame = min(len(f0) - 1, max(0, round((border - chunk.start) / hop)))
        nearby = f0[max(0, frame - 2) : frame + 3]
        voiced = nearby[nearby > 0]
        return int(math.ceil(0.5 * sample_rate / float(np.min(voiced)))) if len(voiced) else 0

    def _synthesize_chunks(
        self,
        samples: np.ndarray,
        sample_rate: int,
        chunks: list[_Chunk],
        chunk_f0: list[np.ndarray],
        params: ConversionParams,
        median_f0: float | None,
        request: VoiceRequest,
        default_target: np.ndarray,
    ) -> np.ndarray:
        """Pass 2: envelope analysis, changes and synthesis per chunk, joined by aligned crossfades.

        request: its progress and cancel hooks (the samples (N,) are the prepared input)."""
        output = np.zeros(len(samples), dtype=np.float32)
        half = max(1, round(_CROSSFADE_S * sample_rate / 2))
        max_shift = round(_MAX_ALIGN_SHIFT_S * sample_rate)
        fade_in, fade_out = _fades(2 * half)
        previous: tuple[np.ndarray, int] | None = None  # (synthesised chunk, its start in output samples)
        previous_target = np.zeros(0)
        for index, (chunk, f0) in enumerate(zip(chunks, chunk_f0, strict=True)):
            check_cancel(request.cancel)
            request.report(0.3 + 0.7 * index / len(chunks), "converting")
            segment = samples[chunk.start : chunk.stop]
            envelope = world_cache.cached(
                "envelope",
                segment,
                sample_rate,
                (hashlib.blake2b(f0.tobytes(), digest_size=16).digest(),),
                lambda segment=segment, f0=f0: world_dsp.analyse_envelope(segment, f0, sample_rate),
            )
            envelope = world_dsp.Envelope(
                spectral=world_dsp.shift_formants(envelope.spectral, params.formant_shift),
                aperiodicity=world_dsp.scale_breathiness(envelope.aperiodicity, params.breathiness),
            )
            if params.pitch_mode == "whisper":
                envelope = world_dsp.Envelope(envelope.spectral, np.ones_like(envelope.aperiodicity))
            target = target_pitch(f0, params, median_f0)
            if params.f0_curve is not None and params.pitch_mode != "whisper":
                first_frame = round(chunk.start / (sample_rate * world_dsp.FRAME_PERIOD_MS / 1000.0))
                target = apply_curve(target, first_frame, default_target, params.f0_curve)
            synthesised = world_dsp.synthesize(target, envelope, sample_rate, len(segment) + max_shift)
            start = chunk.start  # output sample t is synthesised[t - start]
            if previous is not None:
                border = chunk.core_start
                prev_audio, prev_start = previous
                tail = prev_audio[border - half - prev_start : border + half - prev_start]
                shift_limit = self._shift_limit(previous_target, chunks[index - 1], border, sample_rate)
                shift_limit = min(shift_limit, max_shift)
                window = synthesised[
                    border - half - shift_limit - start : border + half + shift_limit - start
                ]
                start -= best_alignment(tail, window, shift_limit)
                head = synthesised[border - half - start : border + half - start]
                output[border - half : border + half] = tail * fade_out + head * fade_in
            write_from = chunk.core_start + (half if previous is not None else 0)
            write_to = chunk.core_stop - (half if index < len(chunks) - 1 else 0)
            output[write_from:write_to] = synthesised[write_from - start : write_to - start]
            previous, previous_target = (synthesised, start), target
        output = np.nan_to_num(output, nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(np.max(np.abs(output)))
        if peak > _PEAK_LIMIT:
            log.info("built-in voice: output peak %.2f scaled to %.2f", peak, _PEAK_LIMIT)
            output *= _PEAK_LIMIT / peak
        return output
