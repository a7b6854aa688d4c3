"""The right side: an empty-state drop hint, or input/output waveforms and the pitch plot, x-axes linked.

The plots are built lazily: importing pyqtgraph and building three plot widgets took about 0.3 s of the
window's start-up, and the drop hint (page 0) is what a new window shows anyway. The panel's first paint
schedules `build()`; any use of a plot before that builds them on the spot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.style.icons import icon
from autovoice_desktop.gui.widgets.convert_card import time_left

if TYPE_CHECKING:
    from autovoice_desktop.gui.widgets.pitch_plot import PitchPlot
    from autovoice_desktop.gui.widgets.waveform_plot import WaveformPlot

DEFAULT_SPLITTER_SIZES = (200, 200, 260)


class DropHint(QWidget):
    """What the right side shows before a file is loaded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon_label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("Drop an audio file here", alignment=Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.hint = QLabel(
            "or press Ctrl+O to open one — wav, flac, ogg, mp3.\n"
            "Drop a voice folder or zip to import a So-VITS-SVC voice.",
            alignment=Qt.AlignmentFlag.AlignCenter,
        )
        self.hint.setObjectName("muted")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.icon_label)
        layout.addSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self.refresh_icons()

    def refresh_icons(self) -> None:
        """Re-tint the icon after a theme change."""
        self.icon_label.setPixmap(icon("file", theme.current().muted).pixmap(64, 64))


class PlotsPanel(QStackedWidget):
    """Page 0: drop hint; page 1: the plots (built by `build()`, or on first use of a plot).
    `seek_requested(seconds)` from a click on any plot."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_hint = DropHint()
        self.addWidget(self.drop_hint)
        self._pitch_started = 0.0  # time.monotonic() when the input's pitch analysis started
        self._built: tuple[WaveformPlot, WaveformPlot, PitchPlot, QSplitter] | None = None
        self._splitter_sizes: list[int] = list(DEFAULT_SPLITTER_SIZES)  # applied when built
        self._when_built: list[Callable[[], None]] = []
        self._build_scheduled = False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The first paint (the window is on screen) schedules `build()` for when the event loop is free."""
        super().paintEvent(event)
        if self._built is None and not self._build_scheduled:
            self._build_scheduled = True
            QTimer.singleShot(0, self.build)

    # --- lazy construction -------------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        """Whether the plot widgets exist (pyqtgraph is imported)."""
        return self._built is not None

    def build(self) -> None:
        """Import pyqtgraph and build the plots (once); then run the `when_built` callbacks."""
        if self._built is not None:
            return
        from autovoice_desktop.gui.widgets.paint_cache import cache_curves
        from autovoice_desktop.gui.widgets.pitch_plot import PitchPlot
        from autovoice_desktop.gui.widgets.waveform_plot import WaveformPlot

        input_plot = WaveformPlot("Input", "wave_in")
        output_plot = WaveformPlot("Output", "wave_out")
        pitch_plot = PitchPlot()
        cache_curves([*pitch_plot.curves.values(), input_plot.curve, output_plot.curve])
        output_plot.setXLink(input_plot)
        pitch_plot.setXLink(input_plot)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(6)
        self._built = (input_plot, output_plot, pitch_plot, splitter)
        for plot in self.plots:
            plot.setMinimumHeight(90)
            splitter.addWidget(plot)
            plot.seek_requested.connect(self.seek_requested)
        splitter.setSizes(self._splitter_sizes)
        self.addWidget(splitter)
        output_plot.clear_audio("Convert to see the output here")
        callbacks, self._when_built = self._when_built, []
        for callback in callbacks:
            callback()

    def when_built(self, callback: Callable[[], None]) -> None:
        """Call `callback()` once the plots exist (now, if they do)."""
        if self._built is not None:
            callback()
        else:
            self._when_built.append(callback)

    def _parts(self) -> tuple[WaveformPlot, WaveformPlot, PitchPlot, QSplitter]:
        if self._built is None:
            self.build()
        assert self._built is not None
        return self._built

    @property
    def input_plot(self) -> WaveformPlot:
        """The input's waveform (builds the plots if needed)."""
        return self._parts()[0]

    @property
    def output_plot(self) -> WaveformPlot:
        """The output's waveform (builds the plots if needed)."""
        return self._parts()[1]

    @property
    def pitch_plot(self) -> PitchPlot:
        """The pitch plot (builds the plots if needed)."""
        return self._parts()[2]

    @property
    def splitter(self) -> QSplitter:
        """The vertical splitter holding the plots (builds them if needed)."""
        return self._parts()[3]

    @property
    def plots(self) -> tuple[WaveformPlot, WaveformPlot, PitchPlot]:
        """Input waveform, output waveform, pitch (builds them if needed)."""
        input_plot, output_plot, pitch_plot, _ = self._parts()
        return input_plot, output_plot, pitch_plot

    def splitter_sizes(self) -> list[int]:
        """Heights of the three plots (the sizes to apply, before they are built)."""
        return self._built[3].sizes() if self._built is not None else list(self._splitter_sizes)

    def set_splitter_sizes(self, sizes: list[int]) -> None:
        """Heights of the three plots (kept until they are built)."""
        self._splitter_sizes = list(sizes)
        if self._built is not None:
            self._built[3].setSizes(self._splitter_sizes)

    def apply_theme(self) -> None:
        """Recolour every plot (those not built yet take the theme when they are)."""
        self.drop_hint.refresh_icons()
        if self._built is None:
            return
        for plot in self.plots:
            plot.apply_theme()

    def show_input(self, samples: np.ndarray, sample_rate: int) -> None:
        """Show a newly loaded input; forget the previous output and pitch curves."""
        self.setCurrentIndex(1)
        duration = len(samples) / sample_rate
        self.input_plot.set_audio(samples, sample_rate)
        self.output_plot.clear_audio("Convert to see the output here")
        self.output_plot.set_duration(duration)
        self.pitch_plot.clear_curves()
        self.pitch_plot.set_duration(duration)
        self.pitch_plot.set_placeholder("Analysing pitch…")
        self._pitch_started = time.monotonic()

    def show_pitch_progress(self, fraction: float) -> None:
        """ "Analysing pitch… 40 % · about 12 s left" on the pitch plot while the input is analysed."""
        if fraction <= 0.0:
            self._pitch_started = time.monotonic()
        left = time_left(time.monotonic() - self._pitch_started, fraction) if self._pitch_started else ""
        text = f"Analysing pitch… {fraction * 100:.0f}%"
        self.pitch_plot.set_placeholder(text + (f" · {left}" if left else ""))

    def show_output(self, samples: np.ndarray, sample_rate: int) -> None:
        """Show the converted audio (the view keeps its zoom)."""
        view = self.input_plot.viewRange()[0]
        self.output_plot.set_audio(samples, sample_rate, keep_view=True)
        self.input_plot.setXRange(*view, padding=0)

    def set_playhead(self, seconds: float | None) -> None:
        """Move the playhead on every plot (None hides it)."""
        if self._built is None:
            return
        for plot in self.plots:
            plot.set_playhead(seconds)
