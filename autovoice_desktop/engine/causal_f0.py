"""A short-window, causal F0 tracker for the live voice changer (DIO needs ~150 ms windows, Harvest is
~70 ms of compute per block: both too slow or too long for 20-40 ms blocks).

For each requested frame, WINDOW_S of signal centred on the frame (or ending at the newest sample, near the
end; decimated to 8 kHz) is compared
with itself `lag` samples earlier by normalised cross-correlation (NCCF) for every lag between
1/F0_CEIL and 1/F0_FLOOR. The period is the shortest lag whose NCCF is within OCTAVE_TOLERANCE of the best
(which avoids picking a multiple of the period), refined by parabolic interpolation; frames whose best NCCF is
under VOICING_THRESHOLD, or that are quieter than SILENCE_RMS, are unvoiced (0).
No sample after the newest one is needed, so a block's F0 never waits for future audio.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autovoice_desktop.engine.f0_range import F0_CEIL_HZ, F0_FLOOR_HZ

ANALYSIS_RATE = 8000
WINDOW_S = 0.025
VOICING_THRESHOLD = 0.7
OCTAVE_TOLERANCE = 0.9
SILENCE_RMS = 3e-3
F0_CEIL = min(F0_CEIL_HZ, 1000.0)  # lags shorter than 8 samples at 8 kHz are too coarse


def history_needed(sample_rate: int) -> int:
    """Samples of signal a frame needs before it (window + longest lag), at sample_rate."""
    return math.ceil((WINDOW_S + 1.0 / F0_FLOOR_HZ) * sample_rate) + 2


def track(x: np.ndarray, sample_rate: int, positions: np.ndarray) -> np.ndarray:
    """F0 in Hz (len(positions),), 0 where unvoiced, at sample positions (K,) of x (N,), from x[:position]."""
    import soxr

    low = soxr.resample(np.asarray(x, dtype=np.float32), sample_rate, ANALYSIS_RATE, quality="LQ")
    scale = ANALYSIS_RATE / sample_rate
    width = round(WINDOW_S * ANALYSIS_RATE)
    min_lag = max(2, math.floor(ANALYSIS_RATE / F0_CEIL))
    max_lag = math.ceil(ANALYSIS_RATE / F0_FLOOR_HZ)
    f0 = np.zeros(len(positions))
    for index, position in enumerate(positions):
        end = min(len(low), round(position * scale) + width // 2)  # centred where the signal allows
        start = end - width - max_lag
        if start < 0:
            continue
        reference = low[end - width : end].astype(np.float64)
        energy = float(np.dot(reference, reference))
        if energy < width * SILENCE_RMS**2:
            continue
        candidates = sliding_window_view(low[start : end - min_lag], width)  # row i: lag max_lag - i
        dots = candidates @ reference
        norms = np.sqrt(np.maximum(np.einsum("ij,ij->i", candidates, candidates) * energy, 1e-20))
        nccf = (dots / norms)[::-1]  # now index i is lag min_lag + i
        best = float(np.max(nccf))
        if best < VOICING_THRESHOLD:
            continue
        peaks = np.flatnonzero(nccf >= OCTAVE_TOLERANCE * best)
        pick = _first_local_peak(nccf, int(peaks[0]))
        f0[index] = ANALYSIS_RATE / (min_lag + pick + _parabolic(nccf, pick))
    return f0


def _first_local_peak(nccf: np.ndarray, start: int) -> int:
    """The local maximum reached by climbing from start."""
    index = start
    while index + 1 < len(nccf) and nccf[index + 1] > nccf[index]:
        index += 1
    return index


def _parabolic(values: np.ndarray, index: int) -> float:
    """Sub-sample offset of the peak at index (0 at the ends)."""
    if index <= 0 or index >= len(values) - 1:
        return 0.0
    left, mid, right = values[index - 1], values[index], values[index + 1]
    curvature = left - 2 * mid + right
    return float(0.5 * (left - right) / curvature) if curvature < 0 else 0.0
