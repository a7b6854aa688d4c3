"""SOLA joins between consecutive converted blocks (synchronous overlap-add).

Each block is converted with `extra = crossfade + search` more samples than it contributes. The last
`crossfade` samples after the emitted part are held back; the next block's output is aligned to them by a
short normalised cross-correlation search (up to `search` samples), and the two are crossfaded. The fade keeps
the power constant for the measured correlation r of the two overlaps: w_in = sin(θ), w_out = cos(θ),
both divided by sqrt(1 + 2 r sinθ cosθ) (equal-power for uncorrelated overlaps, r = 0; equal-gain for
identical ones, r = 1), so aligned periodic sounds keep their amplitude and noise keeps its loudness.
What this adds to the latency: `crossfade + search - shift` samples (the held tail plus the search room).
"""

from __future__ import annotations

import numpy as np


def best_shift(reference: np.ndarray, candidate: np.ndarray) -> tuple[int, float]:
    """(shift, r): the offset s in [0, len(candidate) - len(reference)] where candidate[s:][:W] best matches
    reference (W,) by normalised cross-correlation, and that correlation (0 for silence)."""
    width = len(reference)
    ref_energy = float(np.dot(reference, reference))
    if ref_energy <= 1e-12 or not np.any(candidate):
        return 0, 0.0
    correlation = np.correlate(candidate, reference, mode="valid")
    energy = np.cumsum(np.concatenate(([0.0], np.square(candidate, dtype=np.float64))))
    window_energy = np.maximum(energy[width:] - energy[:-width], 1e-12)
    score = correlation / np.sqrt(window_energy * ref_energy)
    shift = int(np.argmax(score))
    return shift, float(np.clip(score[shift], 0.0, 1.0))


class SolaJoiner:
    """Turns converted windows (block + extra,) into a click-free stream of (block,) pieces."""

    def __init__(self, crossfade: int, search: int) -> None:
        if crossfade < 1 or search < 0:
            raise ValueError("crossfade must be >= 1 and search >= 0 samples")
        self.crossfade = int(crossfade)
        self.search = int(search)
        angle = 0.5 * np.pi * (np.arange(self.crossfade) + 0.5) / self.crossfade
        self._sin, self._cos = np.sin(angle), np.cos(angle)
        self._tail: np.ndarray | None = None
        self.last_shift = 0
        self.last_correlation = 0.0

    @property
    def extra(self) -> int:
        """Samples to convert beyond each block."""
        return self.crossfade + self.search

    def reset(self) -> None:
        """Forget the held tail (the next block fades in from silence)."""
        self._tail = None

    def join(self, converted: np.ndarray, block: int) -> np.ndarray:
        """converted: (block + extra,) float32 ending at the newest input sample -> (block,) to play."""
        converted = np.asarray(converted, dtype=np.float32)
        if len(converted) != block + self.extra:
            raise ValueError(f"expected {block + self.extra} samples, got {len(converted)}")
        tail = self._tail if self._tail is not None else np.zeros(self.crossfade, dtype=np.float32)
        shift, r = best_shift(tail, converted[: self.crossfade + self.search])
        self.last_shift, self.last_correlation = shift, r
        aligned = converted[shift:]
        out = aligned[:block].copy()
        overlap = min(self.crossfade, block)
        norm = np.sqrt(1.0 + 2.0 * r * self._sin * self._cos)
        fade_in, fade_out = (self._sin / norm)[:overlap], (self._cos / norm)[:overlap]
        out[:overlap] = tail[:overlap] * fade_out + aligned[:overlap] * fade_in
        self._tail = aligned[block : block + self.crossfade].copy()
        return out
