"""Min/max envelope pyramid: what a waveform plot draws, at any zoom, in a bounded number of points.

A 10-minute file at 48 kHz has 29 M samples; drawing them all would freeze the window. The pyramid keeps
the minimum and maximum of every bin of 32, 256, 2048, 16384 and 131072 samples; `segment()` picks the
finest level that fits the visible range into about `max_points` points, so every redraw costs the same
whatever the length.
"""

from __future__ import annotations

import numpy as np

BIN_SIZES = (32, 256, 2048, 16384, 131072)


class Envelope:
    """Peak envelope of mono samples (N,) at `sample_rate`, for plotting against time in seconds."""

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        self.samples = np.ascontiguousarray(samples, dtype=np.float32)
        self.sample_rate = int(sample_rate)
        self.levels: list[tuple[int, np.ndarray, np.ndarray]] = []
        mins = maxs = self.samples
        previous = 1
        for size in BIN_SIZES:
            factor = size // previous
            usable = len(mins) // factor * factor
            if usable == 0:
                break
            if previous == 1:
                blocks = self.samples[:usable].reshape(-1, factor)
                mins, maxs = blocks.min(axis=1), blocks.max(axis=1)
            else:
                mins = mins[:usable].reshape(-1, factor).min(axis=1)
                maxs = maxs[:usable].reshape(-1, factor).max(axis=1)
            self.levels.append((size, mins, maxs))
            previous = size

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate if self.sample_rate else 0.0

    def segment(self, start: float, stop: float, max_points: int = 4000) -> tuple[np.ndarray, np.ndarray]:
        """(x seconds, y amplitude) covering [start, stop] with at most about `max_points` points."""
        n = len(self.samples)
        i0 = max(0, int(np.floor(start * self.sample_rate)))
        i1 = min(n, int(np.ceil(stop * self.sample_rate)) + 1)
        if i1 <= i0:
            return np.zeros(0), np.zeros(0)
        if i1 - i0 <= max_points:
            x = np.arange(i0, i1, dtype=np.float64) / self.sample_rate
            return x, self.samples[i0:i1]
        for size, mins, maxs in self.levels:
            b0, b1 = i0 // size, min(len(mins), i1 // size + 1)
            if 2 * (b1 - b0) <= max_points or size == self.levels[-1][0]:
                lo, hi = mins[b0:b1], maxs[b0:b1]
                group = int(np.ceil(2 * len(lo) / max_points))
                if group > 1:  # longer than the coarsest level can show: merge its bins
                    usable = len(lo) // group * group
                    lo = lo[:usable].reshape(-1, group).min(axis=1)
                    hi = hi[:usable].reshape(-1, group).max(axis=1)
                    size *= group
                    b0 //= group
                centres = (np.arange(b0, b0 + len(lo), dtype=np.float64) + 0.5) * size / self.sample_rate
                x = np.repeat(centres, 2)
                y = np.empty(2 * len(lo), dtype=np.float32)
                y[0::2] = lo
                y[1::2] = hi
                return x, y
        x = np.arange(i0, i1, dtype=np.float64) / self.sample_rate
        return x, self.samples[i0:i1]
