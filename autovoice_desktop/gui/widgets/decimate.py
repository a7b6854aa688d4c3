"""Min/max decimation of a curve over time to what a plot can show: at most two points per pixel column.

Stroking a curve costs time per point, and a wide dashed pen costs most: the first paint of the pitch plot's
dashed target curve with 60 000 points (a 10-minute file) took 234 ms on the GUI thread, 26-28 ms for each
solid curve (offscreen, 940x700 panel, loaded 2-core machine). Drawn from the min and max of each pixel
column, a curve looks the same (peaks kept, gaps kept where a whole column is unvoiced) and costs the same for
any file length; zoomed in far enough, every point is drawn.
"""

from __future__ import annotations

import numpy as np


def min_max_decimate(
    times: np.ndarray, values: np.ndarray, x0: float, x1: float, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """The points of (times (N,) ascending, values (N,), NaN = gap) in [x0, x1] plus one on either side,
    as they are when there are at most 2*bins of them, else as the min and max of each of about `bins`
    equal runs of points, in time order (2 points per run; NaN for a run without a finite value)."""
    n = len(times)
    lo = max(0, int(np.searchsorted(times, x0, side="left")) - 1)
    hi = min(n, int(np.searchsorted(times, x1, side="right")) + 1)
    t, v = times[lo:hi], values[lo:hi]
    bins = max(1, int(bins))
    if len(t) <= 2 * bins:
        return t, v
    k = -(-len(t) // bins)  # points per run
    runs = -(-len(t) // k)
    padded = np.full(runs * k, np.nan, dtype=np.float64)
    padded[: len(v)] = v
    grid = padded.reshape(runs, k)
    finite = np.isfinite(grid)
    i_min = np.argmin(np.where(finite, grid, np.inf), axis=1)
    i_max = np.argmax(np.where(finite, grid, -np.inf), axis=1)
    base = np.arange(runs) * k
    index = np.stack([base + np.minimum(i_min, i_max), base + np.maximum(i_min, i_max)], axis=1).ravel()
    y = padded[index]
    y[np.repeat(~finite.any(axis=1), 2)] = np.nan
    x = t[np.minimum(index, len(t) - 1)]
    return x, y
