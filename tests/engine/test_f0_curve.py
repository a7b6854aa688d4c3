import numpy as np

from autovoice_desktop.core.types import F0Curve
from autovoice_desktop.engine.f0_curve import curve_on_grid


def _curve(times, hz):
    return F0Curve(tuple(float(t) for t in times), tuple(float(h) for h in hz))


def test_on_its_own_grid_the_curve_is_unchanged():
    times = np.arange(200) * 0.01
    hz = np.where(np.arange(200) % 37 < 5, 0.0, 220.0 + np.arange(200))
    np.testing.assert_array_equal(curve_on_grid(_curve(times, hz), times), hz)


def test_voiced_frames_interpolate_and_unvoiced_stay_unvoiced():
    curve = _curve([0.0, 0.1, 0.2, 0.3], [100.0, 200.0, 0.0, 0.0])
    out = curve_on_grid(curve, np.array([0.05, 0.12, 0.18, 0.25, 0.5, -1.0]))
    np.testing.assert_allclose(out, [150.0, 200.0, 0.0, 0.0, 0.0, 100.0])


def test_empty_curve_gives_unvoiced():
    assert not curve_on_grid(_curve([], []), np.arange(3) * 0.01).any()
