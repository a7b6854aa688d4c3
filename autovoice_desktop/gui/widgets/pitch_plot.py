"""Pitch plot on a musical axis: F0 in MIDI note numbers (log-frequency), note names on the grid lines.

Three curves: the input's F0, the target F0 the voice was asked for (after transpose) and the F0 measured in
the output. Unvoiced frames (F0 = 0) are gaps. Each curve is drawn from at most two points per pixel column of
the visible range (gui/widgets/decimate.py), redrawn when the view pans, zooms or resizes, so the first paint
of a long file costs what a short one does; `curve_data()` has the full curves.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.widgets.decimate import min_max_decimate
from autovoice_desktop.gui.widgets.time_plot import TimePlot

NOTE_NAMES = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")
DEFAULT_RANGE = (40.0, 76.0)  # E2 … E5


def hz_to_midi(f0: np.ndarray) -> np.ndarray:
    """MIDI note numbers of `f0` in Hz (69 = A4 = 440 Hz); NaN where f0 <= 0 (unvoiced)."""
    f0 = np.asarray(f0, dtype=np.float64)
    out = np.full(f0.shape, np.nan)
    voiced = f0 > 0
    out[voiced] = 69.0 + 12.0 * np.log2(f0[voiced] / 440.0)
    return out


def note_name(midi: float) -> str:
    """'A4' for 69, 'C♯3' for 49."""
    n = int(round(midi))
    return f"{NOTE_NAMES[n % 12]}{n // 12 - 1}"


class NoteAxis(pg.AxisItem):
    """Left axis labelled with note names: C of each octave (major) and the other naturals (minor)."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        """C notes as major ticks; naturals (or every semitone when zoomed in) as minor ticks."""
        lo, hi = int(np.floor(minVal)), int(np.ceil(maxVal))
        span = hi - lo
        majors = [float(n) for n in range(lo, hi + 1) if n % 12 == 0]
        if span <= 14:
            minors = [float(n) for n in range(lo, hi + 1) if n % 12 != 0]
        elif span <= 40:
            minors = [float(n) for n in range(lo, hi + 1) if n % 12 in (4, 9)]  # E, A
        else:
            minors = []
        if not majors:
            majors, minors = minors, []
        return [(12.0, majors), (1.0, minors)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        """Note names of the tick values."""
        return [note_name(v) for v in values]


class PitchPlot(TimePlot):
    """F0 curves of input, target and output on a note axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.curves = {
            "input": pg.PlotCurveItem(connect="finite", name="Input F0"),
            "target": pg.PlotCurveItem(connect="finite", name="Target F0"),
            "output": pg.PlotCurveItem(connect="finite", name="Output F0"),
        }
        super().__init__("Pitch", parent, left_axis=NoteAxis(orientation="left"))
        self.showGrid(x=False, y=True, alpha=0.25)
        self.legend = self.addLegend(offset=(-10, 4), colCount=3)
        for curve in self.curves.values():
            self.addItem(curve)
        self.setYRange(*DEFAULT_RANGE, padding=0)
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # (x0, x1, pixel columns) each curve's shown points were decimated for
        self._drawn_for: dict[str, tuple[float, float, int] | None] = {}
        view = self.getPlotItem().getViewBox()
        view.sigXRangeChanged.connect(self._redraw)
        view.sigResized.connect(self._redraw)
        self.apply_theme()

    def apply_theme(self) -> None:
        """Recolour the curves."""
        super().apply_theme()
        if not hasattr(self, "curves"):
            return
        t = theme.current()
        self.curves["input"].setPen(pg.mkPen(t.f0_in, width=2))
        self.curves["target"].setPen(pg.mkPen(t.f0_target, width=3, style=Qt.PenStyle.DashLine))
        self.curves["output"].setPen(pg.mkPen(t.f0_out, width=1.5))
        if getattr(self, "legend", None) is not None:
            self.legend.setLabelTextColor(t.muted)
            self.legend.setBrush(pg.mkBrush(t.plot_bg + "d0"))

    def set_curve(self, which: str, times: np.ndarray, f0_hz: np.ndarray) -> None:
        """Set curve `which` ("input", "target", "output") from frame times (s) and F0 (Hz, 0 = unvoiced)."""
        midi = hz_to_midi(f0_hz)
        times = np.asarray(times, dtype=np.float64)
        self._data[which] = (times, midi)
        self._drawn_for[which] = None
        self._draw(which)
        self.set_placeholder("")
        self._fit_y()

    def clear_curves(self, keep_input: bool = False) -> None:
        """Remove the curves (all, or all but the input's)."""
        for which, curve in self.curves.items():
            if keep_input and which == "input":
                continue
            curve.setData([], [])
            self._data.pop(which, None)
            self._drawn_for.pop(which, None)
        self._fit_y()

    def curve_data(self, which: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The full curve `which` as set: (frame times in s, MIDI note numbers with NaN gaps), or None."""
        return self._data.get(which)

    def _columns(self) -> int:
        return max(200, int(self.getPlotItem().getViewBox().width()))

    def _draw(self, which: str) -> None:
        """Show curve `which` decimated to the visible range (whole when it has few enough points)."""
        times, midi = self._data[which]
        columns = self._columns()
        if len(times) <= 2 * columns:
            if self._drawn_for.get(which) != (0.0, 0.0, 0):
                self.curves[which].setData(times, midi)
                self._drawn_for[which] = (0.0, 0.0, 0)  # all points: no redraw on view changes
            return
        (x0, x1), _ = self.viewRange()
        key = (float(x0), float(x1), columns)
        if self._drawn_for.get(which) == key:
            return
        x, y = min_max_decimate(times, midi, x0, x1, columns)
        self.curves[which].setData(x, y)
        self._drawn_for[which] = key

    def _redraw(self, *_: object) -> None:
        for which in self._data:
            self._draw(which)

    def _fit_y(self) -> None:
        values = [m[np.isfinite(m)] for _, m in self._data.values()]
        values = [v for v in values if v.size]
        if not values:
            self.setYRange(*DEFAULT_RANGE, padding=0)
            return
        allv = np.concatenate(values)
        lo, hi = np.percentile(allv, [1, 99])
        lo, hi = min(lo, hi - 12), max(hi, lo + 12)
        self.setYRange(np.floor(lo) - 2, np.ceil(hi) + 6, padding=0)  # headroom for the legend
