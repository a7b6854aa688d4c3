"""Put a user's target F0 curve (core.types.F0Curve) onto a voice's own analysis frame grid."""

from __future__ import annotations

import numpy as np

from autovoice_desktop.core.types import F0Curve


def curve_on_grid(curve: F0Curve, grid_times_s: np.ndarray) -> np.ndarray:
    """Target F0 (T,) float64 Hz at grid_times_s (T,), 0 = unvoiced.

    Between two voiced curve frames the F0 is interpolated linearly; a grid frame whose nearest curve frame is
    unvoiced stays unvoiced, and so does a grid frame between a voiced and an unvoiced curve frame when the
    unvoiced one is nearer. Outside the curve the nearest end frame is used. On the curve's own grid the
    curve comes back unchanged.
    """
    times = np.asarray(curve.times_s, dtype=np.float64)
    hz = np.asarray(curve.f0_hz, dtype=np.float64)
    grid = np.asarray(grid_times_s, dtype=np.float64)
    if times.size == 0 or grid.size == 0:
        return np.zeros(grid.shape, dtype=np.float64)
    right = np.clip(np.searchsorted(times, grid, side="left"), 0, times.size - 1)
    left = np.clip(right - 1, 0, times.size - 1)
    left_nearer = np.abs(grid - times[left]) <= np.abs(times[right] - grid)
    nearest = np.where(left_nearer, left, right)
    out = hz[nearest].copy()
    both_voiced = (hz[left] > 0) & (hz[right] > 0) & (right != left)
    span = np.where(both_voiced, times[right] - times[left], 1.0)
    weight = np.clip((grid - times[left]) / span, 0.0, 1.0)
    interpolated = hz[left] + weight * (hz[right] - hz[left])
    out[both_voiced] = interpolated[both_voiced]
    exact = np.isclose(times[nearest], grid, rtol=0.0, atol=1e-9)
    out[exact] = hz[nearest][exact]
    return out


def shift_curve(curve: F0Curve, offset_s: float, start_s: float, stop_s: float) -> F0Curve:
    """The frames of `curve` near [start_s, stop_s) (one frame beyond each end), times moved by -offset_s."""
    times = np.asarray(curve.times_s, dtype=np.float64)
    lo = max(0, int(np.searchsorted(times, start_s, side="left")) - 1)
    hi = min(len(times), int(np.searchsorted(times, stop_s, side="right")) + 1)
    return F0Curve(tuple(float(t) - offset_s for t in times[lo:hi]), tuple(curve.f0_hz[lo:hi]))
