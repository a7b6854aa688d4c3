"""The editing tools as pure functions on a target F0 curve (numpy only, no Qt).

Every function takes the edited F0 `f0` (T,) in Hz (0 = unvoiced) and a boolean `span` mask (T,) of the
frames to change, and returns a new (T,) array; frames outside the span are returned unchanged. Pitch is
moved on the log scale (semitones), so an octave is exactly a factor of 2.
"""

from __future__ import annotations

import numpy as np

KEYS = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")
SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "chromatic": tuple(range(12)),
}
VIBRATO_WINDOW_S = 0.2  # a moving average this long keeps the melody and removes 5-7 Hz vibrato


def to_midi(f0: np.ndarray) -> np.ndarray:
    """MIDI note numbers (T,) of Hz (T,); NaN where unvoiced."""
    f0 = np.asarray(f0, dtype=np.float64)
    out = np.full(f0.shape, np.nan)
    voiced = f0 > 0
    out[voiced] = 69.0 + 12.0 * np.log2(f0[voiced] / 440.0)
    return out


def to_hz(midi: np.ndarray) -> np.ndarray:
    """Hz (T,) of MIDI note numbers (T,); 0 where NaN."""
    midi = np.asarray(midi, dtype=np.float64)
    out = np.zeros(midi.shape)
    ok = np.isfinite(midi)
    out[ok] = 440.0 * 2.0 ** ((midi[ok] - 69.0) / 12.0)
    return out


def shift(f0: np.ndarray, span: np.ndarray, semitones: float) -> np.ndarray:
    """Move the voiced frames of the span by `semitones` (fractions = cents / 100)."""
    out = np.array(f0, dtype=np.float64, copy=True)
    move = span & (out > 0)
    out[move] *= 2.0 ** (semitones / 12.0)
    return out


def snap(f0: np.ndarray, span: np.ndarray, key: str, scale: str) -> np.ndarray:
    """Move each voiced frame of the span to the nearest note of `key` `scale` (e.g. "A", "minor")."""
    tonic = KEYS.index(key)
    allowed = np.array(sorted({(tonic + step) % 12 for step in SCALES[scale]}))
    midi = to_midi(f0)
    move = span & np.isfinite(midi)
    base = np.floor(midi[move] / 12.0) * 12.0
    candidates = base[:, None] + np.concatenate([allowed - 12, allowed, allowed + 12])[None, :]
    nearest = candidates[np.arange(len(candidates)), np.argmin(np.abs(candidates - midi[move, None]), axis=1)]
    out = np.array(f0, dtype=np.float64, copy=True)
    out[move] = to_hz(nearest)
    return out


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """Centered moving average (T,) of a NaN-free array, edges averaged over what exists."""
    kernel = np.ones(max(1, min(width, len(values))))  # never wider than the run ("same" would grow it)
    total = np.convolve(values, kernel, mode="same")
    count = np.convolve(np.ones_like(values), kernel, mode="same")
    return total / count


def reduce_vibrato(f0: np.ndarray, span: np.ndarray, percent: float, frame_s: float) -> np.ndarray:
    """Reduce the wobble around each voiced run's moving average (VIBRATO_WINDOW_S) by percent (0…100)."""
    return _toward(f0, span, percent, lambda midi: _moving_average(midi, round(VIBRATO_WINDOW_S / frame_s)))


def flatten(f0: np.ndarray, span: np.ndarray, percent: float) -> np.ndarray:
    """Pull each voiced run of the span toward its median pitch by `percent` (100 = one steady note)."""
    return _toward(f0, span, percent, lambda midi: np.full_like(midi, np.median(midi)))


def _toward(f0: np.ndarray, span: np.ndarray, percent: float, centre) -> np.ndarray:  # noqa: ANN001
    """Move each voiced run inside the span toward centre(run midi) by percent."""
    keep = 1.0 - float(np.clip(percent, 0.0, 100.0)) / 100.0
    midi = to_midi(f0)
    out = np.array(f0, dtype=np.float64, copy=True)
    for start, stop in _runs(span & np.isfinite(midi)):
        run = midi[start:stop]
        target = centre(run)
        out[start:stop] = to_hz(target + keep * (run - target))
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in mask (T,)."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def set_voiced(f0: np.ndarray, detected: np.ndarray, span: np.ndarray, voiced: bool) -> np.ndarray:
    """Mark the span unvoiced (0 Hz), or voiced: frames without pitch take the detected pitch, or else the
    pitch interpolated from the nearest voiced frames (on the note scale)."""
    out = np.array(f0, dtype=np.float64, copy=True)
    if not voiced:
        out[span] = 0.0
        return out
    need = span & (out <= 0)
    out[need] = np.asarray(detected, dtype=np.float64)[need]
    still = span & (out <= 0)
    known = np.flatnonzero(out > 0)
    if still.any() and known.size:
        index = np.flatnonzero(still)
        out[index] = to_hz(np.interp(index, known, to_midi(out[known])))
    return out


def reset(f0: np.ndarray, detected: np.ndarray, span: np.ndarray) -> np.ndarray:
    """The detected curve back on the span."""
    out = np.array(f0, dtype=np.float64, copy=True)
    out[span] = np.asarray(detected, dtype=np.float64)[span]
    return out


def draw(f0: np.ndarray, times: np.ndarray, points: list[tuple[float, float]]) -> np.ndarray:
    """Freehand: the frames between the first and last drawn point (time s, MIDI note) follow the stroke,
    interpolated linearly on the note scale (they become voiced)."""
    out = np.array(f0, dtype=np.float64, copy=True)
    if not points:
        return out
    stroke = sorted(points)
    xs = np.array([p[0] for p in stroke])
    ys = np.array([p[1] for p in stroke])
    inside = (times >= xs[0]) & (times <= xs[-1])
    if len(stroke) == 1:
        inside = np.abs(times - xs[0]) <= 0.5 * float(np.median(np.diff(times))) if len(times) > 1 else inside
    out[inside] = to_hz(np.interp(times[inside], xs, ys))
    return out
