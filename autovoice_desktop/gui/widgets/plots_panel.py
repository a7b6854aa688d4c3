"""The right side: an empty-state drop hint, or input/output waveforms and the pitch plot, x-axes linked."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.style.icons import icon
from autovoice_desktop.gui.widgets.convert_card import time_left
from autovoice_desktop.gui.widgets.paint_cache import cache_curves
from autovoice_desktop.gui.widgets.pitch_plot import PitchPlot
from autovoice_desktop.gui.widgets.waveform_plot import WaveformPlot


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
    """Page 0: drop hint; page 1: the plots. `seek_requested(seconds)` from a click on any plot."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_hint = DropHint()
        self._pitch_started = 0.0  # time.monotonic() when the input's pitch analysis started
        self.input_plot = WaveformPlot("Input", "wave_in")
        self.output_plot = WaveformPlot("Output", "wave_out")
        self.pitch_plot = PitchPlot()
        cache_curves([*self.pitch_plot.curves.values(), self.input_plot.curve, self.output_plot.curve])
        self.output_plot.setXLink(self.input_plot)
        self.pitch_plot.setXLink(self.input_plot)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        for plot in self.plots:
            plot.setMinimumHeight(90)
            self.splitter.addWidget(plot)
            plot.seek_requested.connect(self.seek_requested)
        self.splitter.setSizes([200, 200, 260])
        self.addWidget(self.drop_hint)
        self.addWidget(self.splitter)
        self.output_plot.clear_audio("Convert to see the output here")

    @property
    def plots(self) -> tuple[WaveformPlot, WaveformPlot, PitchPlot]:
        """Input waveform, output waveform, pitch."""
        return self.input_plot, self.output_plot, self.pitch_plot

    def apply_theme(self) -> None:
        """Recolour every plot."""
        self.drop_hint.refresh_icons()
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
        for plot in self.plots:
            plot.set_playhead(seconds)
