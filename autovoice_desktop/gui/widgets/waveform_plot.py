"""Waveform plot that stays fast for long files: it redraws only the visible range from an Envelope."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.widgets.envelope import Envelope
from autovoice_desktop.gui.widgets.time_plot import TimePlot

#: Above this many samples the envelope is built on a helper thread (numpy releases the GIL meanwhile).
BACKGROUND_BUILD_SAMPLES = 4_000_000


class _Builder(QObject):
    done = Signal(object, int)


class WaveformPlot(TimePlot):
    """Mono waveform in seconds; `set_audio(samples, rate)` or `clear_audio()`."""

    def __init__(self, title: str, colour_role: str = "wave_in", parent: QWidget | None = None) -> None:
        self._colour_role = colour_role
        self.curve = pg.PlotCurveItem()
        super().__init__(title, parent)
        self.addItem(self.curve)
        self.envelope: Envelope | None = None
        self._generation = 0
        self._keep_view = False
        self._builder = _Builder(self)
        self._builder.done.connect(self._on_envelope)
        self.setYRange(-1.0, 1.0, padding=0.05)
        self.getAxis("left").setTicks([[(-1.0, "-1"), (0.0, "0"), (1.0, "1")]])
        self.getPlotItem().getViewBox().sigXRangeChanged.connect(self._redraw)

    def apply_theme(self) -> None:
        """Recolour, including the curve."""
        super().apply_theme()
        self.curve.setPen(pg.mkPen(getattr(theme.current(), self._colour_role), width=1))

    def set_audio(self, samples: np.ndarray, sample_rate: int, keep_view: bool = False) -> None:
        """Show `samples` (N,) float32 at `sample_rate`; long files build the envelope off the GUI thread.
        keep_view: keep the current zoom (a conversion result) instead of showing the whole file."""
        self._generation += 1
        self._keep_view = keep_view
        generation = self._generation
        self.set_placeholder("")
        duration = len(samples) / sample_rate if sample_rate else 0.0
        self.set_duration(duration)
        if len(samples) > BACKGROUND_BUILD_SAMPLES:
            builder = self._builder

            def build() -> None:
                envelope = Envelope(samples, sample_rate)
                with contextlib.suppress(RuntimeError):  # the plot was closed meanwhile: nothing to show
                    builder.done.emit(envelope, generation)

            threading.Thread(target=build, name="waveform-envelope", daemon=True).start()
        else:
            self._on_envelope(Envelope(samples, sample_rate), generation)

    def clear_audio(self, placeholder: str = "") -> None:
        """Remove the waveform."""
        self._generation += 1
        self.envelope = None
        self.curve.setData([], [])
        self.set_placeholder(placeholder)

    def _on_envelope(self, envelope: Envelope, generation: int) -> None:
        if generation != self._generation:
            return
        self.envelope = envelope
        if self._keep_view:
            self._redraw()
        else:
            self.setXRange(0, max(envelope.duration, 0.01), padding=0)
            self._redraw()

    def _redraw(self) -> None:
        if self.envelope is None:
            return
        (x0, x1), _ = self.viewRange()
        width = max(200, int(self.getPlotItem().getViewBox().width()))
        x, y = self.envelope.segment(x0, x1, max_points=2 * width)
        self.curve.setData(x, y)
