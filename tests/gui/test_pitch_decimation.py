"""The pitch plot draws long curves from at most two points per pixel column (first paint of a long file)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autovoice_desktop.gui.widgets.decimate import min_max_decimate
from autovoice_desktop.gui.widgets.pitch_plot import PitchPlot, hz_to_midi


def test_decimation_keeps_peaks_gaps_and_time_order() -> None:
    times = np.arange(100_000) / 200.0
    values = np.full(100_000, 60.0)
    values[31_234] = 72.0  # a one-frame spike
    values[50_000:60_000] = np.nan  # a 50 s gap
    x, y = min_max_decimate(times, values, 0.0, times[-1], 500)
    assert len(x) <= 2 * 500 + 4
    assert np.all(np.diff(x) >= 0)
    assert np.nanmax(y) == 72.0 and x[np.nanargmax(y)] == times[31_234]
    gap = (x > 250.5) & (x < 299.5)
    assert gap.any() and np.isnan(y[gap]).all()
    assert np.isfinite(y[x < 249]).all() and np.isfinite(y[x > 301]).all()


def test_few_points_in_the_range_are_drawn_as_they_are() -> None:
    times = np.arange(1000) / 100.0
    values = np.sin(times)
    x, y = min_max_decimate(times, values, 2.0, 3.0, 500)
    assert np.array_equal(x, times[199:302]) and np.array_equal(y, values[199:302])


def test_a_long_curve_is_drawn_decimated_and_in_full_when_zoomed_in(qtbot: Any) -> None:
    plot = PitchPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 300)
    plot.show()
    qtbot.waitExposed(plot)
    times = np.arange(120_000) / 200.0  # a 10-minute file at 200 frames a second
    f0 = 200.0 * 2 ** (np.sin(times) / 12)
    f0[70_000] = 800.0  # two octaves up for one frame
    plot.set_duration(600.0)
    plot.setXRange(0, 600, padding=0)
    plot.set_curve("target", times, f0)
    columns = int(plot.getPlotItem().getViewBox().width())
    x, y = plot.curves["target"].getData()
    assert 100 < len(x) <= 2 * max(200, columns) + 4
    assert np.nanmax(y) == hz_to_midi(np.array([800.0]))[0]  # the peak is still drawn
    full = plot.curve_data("target")
    assert full is not None and len(full[0]) == 120_000
    plot.setXRange(100.0, 101.0, padding=0)  # 200 frames in view: every one is drawn
    x, _ = plot.curves["target"].getData()
    inside = x[(x >= 100.0) & (x <= 101.0)]
    assert len(inside) == 201
