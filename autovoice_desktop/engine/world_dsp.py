"""WORLD vocoder steps on one segment: F0 analysis, spectral analysis, parameter changes, synthesis.

All arrays are float64 as pyworld wants them. Frames are FRAME_PERIOD_MS apart; T = number of frames,
B = fft_size // 2 + 1 spectral bins.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from autovoice_desktop.engine.f0_range import F0_CEIL_HZ, F0_FLOOR_HZ  # noqa: F401 - part of this module's API

FRAME_PERIOD_MS = 5.0
#: pyworld's unvoiced marker
UNVOICED = 0.0


def pyworld_module() -> ModuleType:
    """pyworld, imported without its pkg_resources deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyworld

    return pyworld


#: F0 methods of the built-in voices. harvest and dio (WORLD's) are each cross-checked with the other; nccf
#: is causal_f0's normalised cross-correlation (periodicity, so it needs no fundamental: Piper's TTS voices
#: have theirs 30 dB down, and harvest/dio then lock on to harmonics and disagree), about 14x cheaper.
F0_METHODS = ("harvest", "dio", "nccf")
#: frames where harvest and dio disagree by more than this are treated as unvoiced
AGREEMENT_CENTS = 50.0
#: voiced runs lose this many frames at each end (0: onsets keep their timing, which estimators notice)
EDGE_FRAMES = 0
#: voiced runs shorter than this become unvoiced
MIN_VOICED_FRAMES = 3
#: a frame counts as period-doubled when the two-period correlation beats the one-period one by this much
SUBHARMONIC_MARGIN = 0.15
#: below this one-period correlation a frame is too weakly periodic to have a trustworthy pitch
PERIODICITY_MIN = 0.5
#: refine_by_correlation looks for the period within ×/÷ SEARCH_RATIO of harvest's, over a window of
#: REFINE_PERIODS periods (at least REFINE_MIN_WINDOW_S)
SEARCH_RATIO = 1.08
REFINE_PERIODS = 3.0
REFINE_MIN_WINDOW_S = 0.02
#: a frame-to-frame F0 change larger than this (cents per 5 ms) is a tracking jump, not a glide
JUMP_CENTS = 50.0
#: unvoiced gaps up to this many frames between voiced frames this close in pitch are bridged
BRIDGE_FRAMES = 8
BRIDGE_STEP_CENTS = 200.0


def _raw_f0(x: np.ndarray, sample_rate: int, method: str) -> np.ndarray:
    if method not in F0_METHODS:
        raise ValueError(f"the built-in voice supports f0 methods {F0_METHODS}, not {method!r}")
    if method == "nccf":
        from autovoice_desktop.engine import causal_f0

        frames = int(1000.0 * len(x) / sample_rate / FRAME_PERIOD_MS) + 1  # as many frames as WORLD gives
        return causal_f0.track(x, sample_rate, np.arange(frames) * sample_rate * FRAME_PERIOD_MS / 1000.0)
    world = pyworld_module()
    estimator = world.harvest if method == "harvest" else world.dio
    f0, times = estimator(
        x, sample_rate, f0_floor=F0_FLOOR_HZ, f0_ceil=F0_CEIL_HZ, frame_period=FRAME_PERIOD_MS
    )
    refined = world.stonemask(x, f0, times, sample_rate)
    refined[f0 <= 0] = UNVOICED
    return refined


def keep_reliable_runs(
    f0: np.ndarray, edge: int = EDGE_FRAMES, min_length: int = MIN_VOICED_FRAMES
) -> np.ndarray:
    """F0 (T,) with `edge` frames trimmed off both ends of each voiced run and short runs removed."""
    voiced = np.concatenate(([False], f0 > 0, [False]))
    changes = np.flatnonzero(voiced[1:] != voiced[:-1])
    result = np.zeros_like(f0)
    for start, stop in zip(changes[::2], changes[1::2], strict=True):
        start, stop = start + edge, stop - edge
        if stop - start >= min_length:
            result[start:stop] = f0[start:stop]
    return result


def _nccf(x: np.ndarray, center: int, lag: int, width: int) -> float:
    """Normalised correlation of a width-sample span of x around `center` with the span `lag` later."""
    start = max(0, center - width // 2 - lag // 2)
    first = x[start : start + width]
    second = x[start + lag : start + lag + width]
    if len(second) < width or len(first) < width:
        return 0.0
    denominator = np.sqrt(np.dot(first, first) * np.dot(second, second))
    return float(np.dot(first, second) / denominator) if denominator > 0 else 0.0


def unreliable_frames(x: np.ndarray, f0: np.ndarray, sample_rate: int) -> np.ndarray:
    """(T,) bool: voiced frames whose waveform barely repeats after one period (weak or no periodicity), or
    repeats clearly better after two periods (creak / subharmonics).

    Estimators disagree about the pitch of such frames (often by an octave), so the voice renders them
    unvoiced instead of picking one.
    """
    hop = sample_rate * FRAME_PERIOD_MS / 1000.0
    doubled = np.zeros(len(f0), dtype=bool)
    for index in np.flatnonzero(f0 > 0):
        period = int(round(sample_rate / f0[index]))
        center = int(round(index * hop))
        width = 2 * period
        single = _nccf(x, center, period, width)
        double = _nccf(x, center, 2 * period, width)
        doubled[index] = single < PERIODICITY_MIN or double - single > SUBHARMONIC_MARGIN
    return doubled


def refine_by_correlation(x: np.ndarray, f0: np.ndarray, sample_rate: int) -> np.ndarray:
    """F0 (T,) moved to the period (within ±SEARCH_RATIO) that maximises the normalised autocorrelation over
    a window of REFINE_PERIODS periods (at least REFINE_MIN_WINDOW_S), with parabolic interpolation.

    This is the periodicity a listener and long-window estimators (Praat, pYIN) lock on to; frames whose best
    correlation is weak become unvoiced.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    hop = sample_rate * FRAME_PERIOD_MS / 1000.0
    refined = np.zeros_like(f0)
    for index in np.flatnonzero(f0 > 0):
        period = sample_rate / f0[index]
        shortest = max(2, int(period / SEARCH_RATIO) - 1)
        longest = int(period * SEARCH_RATIO) + 2
        width = max(int(REFINE_PERIODS * period), int(REFINE_MIN_WINDOW_S * sample_rate))
        start = int(round(index * hop)) - (width + int(period)) // 2
        if start < 0 or start + longest + width > len(x):
            continue
        reference = x[start : start + width]
        candidates = sliding_window_view(x[start + shortest : start + longest + width], width)
        energy = np.einsum("ij,ij->i", candidates, candidates) * np.dot(reference, reference)
        scores = candidates @ reference / np.sqrt(np.maximum(energy, 1e-20))
        best = int(np.argmax(scores))
        if scores[best] < PERIODICITY_MIN:
            continue
        offset = 0.0
        if 0 < best < len(scores) - 1:
            left, mid, right = scores[best - 1], scores[best], scores[best + 1]
            curvature = left - 2 * mid + right
            offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        refined[index] = sample_rate / (shortest + best + offset)
    return refined


def pitch_jumps(f0: np.ndarray, limit_cents: float) -> np.ndarray:
    """(T,) bool: voiced frames next to a voiced neighbour more than limit_cents away (a tracking jump: real
    voices glide by at most a few tens of cents per 5 ms frame)."""
    jumps = np.zeros(len(f0), dtype=bool)
    pair = (f0[1:] > 0) & (f0[:-1] > 0)
    step = np.zeros(len(f0) - 1)
    step[pair] = np.abs(1200.0 * np.log2(f0[1:][pair] / f0[:-1][pair]))
    big = step > limit_cents
    jumps[1:] |= big
    jumps[:-1] |= big
    return jumps


def bridge_gaps(f0: np.ndarray, longest: int, max_step_cents: float) -> np.ndarray:
    """F0 (T,) with unvoiced gaps of at most `longest` frames filled by interpolating log F0, where the voiced
    frames on both sides are within max_step_cents of each other (a short dropout, not a new phrase)."""
    result = f0.copy()
    unvoiced = np.concatenate(([False], f0 <= 0, [False]))
    changes = np.flatnonzero(unvoiced[1:] != unvoiced[:-1])
    for start, stop in zip(changes[::2], changes[1::2], strict=True):
        before, after = start - 1, stop
        if stop - start > longest or before < 0 or after >= len(f0):
            continue
        if abs(1200.0 * np.log2(f0[after] / f0[before])) > max_step_cents:
            continue
        weights = (np.arange(start, stop) - before) / (after - before)
        result[start:stop] = np.exp((1 - weights) * np.log(f0[before]) + weights * np.log(f0[after]))
    return result


def estimate_f0(segment: np.ndarray, sample_rate: int, method: str) -> np.ndarray:
    """F0 (T,) in Hz, 0 where unvoiced, of a segment (N,), with voicing kept only where the pitch is clear.

    harvest (or dio) + StoneMask gives the track (or nccf, see F0_METHODS); a frame becomes unvoiced where the
    other WORLD estimator (harvest/dio only) disagrees by more than AGREEMENT_CENTS, where the waveform is
    weakly periodic or period-doubled
    (unreliable_frames), or where the track jumps (pitch_jumps). The rest is refined to the period with the
    best normalised autocorrelation (refine_by_correlation), and voiced runs shorter than MIN_VOICED_FRAMES
    are dropped. Frames whose pitch is ambiguous are thus rendered as breath noise rather than at a pitch
    that may be an octave or a semitone off.
    """
    x = np.ascontiguousarray(segment, dtype=np.float64)
    primary = _raw_f0(x, sample_rate, method)
    unclear = np.zeros(len(primary), dtype=bool)
    if method != "nccf":
        check = _raw_f0(x, sample_rate, "dio" if method == "harvest" else "harvest")
        both = (primary > 0) & (check > 0)
        cents = np.zeros_like(primary)
        cents[both] = 1200.0 * np.abs(np.log2(primary[both] / check[both]))
        unclear = both & (cents > AGREEMENT_CENTS)
    unclear |= unreliable_frames(x, primary, sample_rate)
    refined = refine_by_correlation(x, primary, sample_rate)
    unclear |= refined <= 0
    clear = np.where(unclear, UNVOICED, refined)
    clear[pitch_jumps(clear, JUMP_CENTS)] = UNVOICED
    clear = bridge_gaps(clear, BRIDGE_FRAMES, BRIDGE_STEP_CENTS)
    return np.ascontiguousarray(keep_reliable_runs(clear, EDGE_FRAMES, MIN_VOICED_FRAMES), dtype=np.float64)


@dataclass(frozen=True)
class Envelope:
    """spectral: (T, B) power envelope (CheapTrick); aperiodicity: (T, B) in [0, 1] (D4C)."""

    spectral: np.ndarray
    aperiodicity: np.ndarray


def analyse_envelope(segment: np.ndarray, f0: np.ndarray, sample_rate: int) -> Envelope:
    """CheapTrick and D4C of a segment (N,) given its F0 (T,)."""
    world = pyworld_module()
    x = np.ascontiguousarray(segment, dtype=np.float64)
    times = np.arange(len(f0), dtype=np.float64) * FRAME_PERIOD_MS / 1000.0
    spectral = world.cheaptrick(x, f0, times, sample_rate)
    aperiodicity = world.d4c(x, f0, times, sample_rate)
    return Envelope(spectral=spectral, aperiodicity=aperiodicity)


def shift_formants(spectral: np.ndarray, semitones: float) -> np.ndarray:
    """Move the envelope (T, B) up (semitones > 0) or down along frequency; F0 is not touched.

    The new envelope at bin k is the old one at bin k / ratio, interpolated on log power. Beyond the old
    top bin the last value is held.
    """
    if semitones == 0:
        return spectral
    ratio = 2.0 ** (semitones / 12.0)
    bins = spectral.shape[1]
    source_bins = np.arange(bins, dtype=np.float64) / ratio
    log_power = np.log(np.maximum(spectral, 1e-16))
    lower = np.clip(np.floor(source_bins).astype(np.int64), 0, bins - 1)
    upper = np.clip(lower + 1, 0, bins - 1)
    weight = np.clip(source_bins - lower, 0.0, 1.0)
    warped = log_power[:, lower] * (1.0 - weight) + log_power[:, upper] * weight
    return np.ascontiguousarray(np.exp(warped))


def scale_breathiness(aperiodicity: np.ndarray, breathiness: float) -> np.ndarray:
    """breathiness > 1 raises aperiodicity (breathier), < 1 lowers it; 1 leaves it unchanged."""
    if breathiness == 1.0:
        return aperiodicity
    exponent = 1.0 / max(breathiness, 1e-3)
    return np.ascontiguousarray(np.clip(aperiodicity, 1e-12, 1.0) ** exponent)


def synthesize(f0: np.ndarray, envelope: Envelope, sample_rate: int, length: int) -> np.ndarray:
    """WORLD synthesis of exactly `length` samples (float64) from F0 (T,) and envelopes (T, B)."""
    world = pyworld_module()
    audio = world.synthesize(
        np.ascontiguousarray(f0, dtype=np.float64),
        np.ascontiguousarray(envelope.spectral),
        np.ascontiguousarray(envelope.aperiodicity),
        sample_rate,
        FRAME_PERIOD_MS,
    )
    if len(audio) >= length:
        return audio[:length]
    return np.pad(audio, (0, length - len(audio)))
