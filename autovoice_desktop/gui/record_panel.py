"""The record panel: device pickers, Record/Stop (Ctrl+R), elapsed time, a level meter, recording options.

The panel never touches the sound system: it emits intents (`record_requested`, `stop_requested`,
`devices_refresh_requested`, device choices) and shows what it is told through its slots (`set_devices`,
`set_levels`, `set_elapsed`, `set_error`, `set_recording`). Levels only update stored values; the meter is
redrawn by a GUI QTimer at display rate (~30 Hz), never once per signal. A count-in (0-5 s) runs on a GUI
timer before `record_requested` goes out; Stop during the count-in cancels it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from autovoice_desktop.core.types import AudioDeviceInfo
from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.widgets.card import Card

FLOOR_DB = -60.0
REDRAW_MS = 33
PEAK_HOLD_S = 1.0
PEAK_FALL_DB_PER_S = 20.0


def format_elapsed(seconds: float) -> str:
    """'1:02.3' style elapsed time."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


class LevelMeter(QWidget):
    """Horizontal meter: RMS bar, peak-hold tick, clip lamp; values in dBFS, painted on `tick()`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(16)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Input level")
        self.peak_db = FLOOR_DB
        self.rms_db = FLOOR_DB
        self.held_peak_db = FLOOR_DB
        self.clipped = False
        self._hold_left = 0.0
        self.redraws = 0

    def set_levels(self, peak_db: float, rms_db: float, clipped: bool) -> None:
        """Store the newest levels (no repaint here)."""
        self.peak_db, self.rms_db = max(FLOOR_DB, peak_db), max(FLOOR_DB, rms_db)
        if self.peak_db >= self.held_peak_db:
            self.held_peak_db, self._hold_left = self.peak_db, PEAK_HOLD_S
        self.clipped = self.clipped or bool(clipped)

    def reset(self) -> None:
        """Back to silence, clip lamp off."""
        self.peak_db = self.rms_db = self.held_peak_db = FLOOR_DB
        self.clipped = False
        self.update()

    def tick(self, dt: float) -> None:
        """Advance the peak hold by `dt` seconds and repaint (called by the panel's GUI timer)."""
        if self._hold_left > 0:
            self._hold_left -= dt
        else:
            self.held_peak_db = max(self.peak_db, self.held_peak_db - PEAK_FALL_DB_PER_S * dt)
        self.redraws += 1
        self.update()

    @staticmethod
    def _x(db: float, width: float) -> float:
        return width * (min(0.0, max(FLOOR_DB, db)) - FLOOR_DB) / -FLOOR_DB

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Bar (RMS), lighter bar (peak), tick (held peak), lamp (clip)."""
        painter = QPainter(self)
        lamp = self.height()
        width = max(1.0, self.width() - lamp - 4.0)
        height = float(self.height())
        t = theme.current()  # trough, tick and unlit lamp follow the theme (was a dark bar in the light one)
        painter.fillRect(QRectF(0, 0, width, height), QColor(t.border))
        colour = QColor(80, 200, 120) if self.peak_db < -6 else QColor(230, 190, 60)
        peak_colour = QColor(colour)
        peak_colour.setAlpha(110)
        painter.fillRect(QRectF(0, 0, self._x(self.peak_db, width), height), peak_colour)
        painter.fillRect(QRectF(0, 0, self._x(self.rms_db, width), height), colour)
        tick = self._x(self.held_peak_db, width)
        painter.fillRect(QRectF(max(0.0, tick - 1.5), 0, 2.0, height), QColor(t.text))
        lamp_colour = QColor(220, 50, 50)  # lit: the same signal red in both themes
        if not self.clipped:
            lamp_colour = QColor(t.danger)
            lamp_colour.setAlpha(60)
        painter.fillRect(QRectF(width + 4.0, 0, lamp, height), lamp_colour)
        painter.end()


class RecordPanel(Card):
    """Recording controls. Intents out as signals, state in through slots."""

    record_requested = Signal(str, float)  # input device name ("" = default), max seconds (0 = no limit)
    stop_requested = Signal()
    devices_refresh_requested = Signal()
    input_device_changed = Signal(str)
    output_device_changed = Signal(str)
    open_take_requested = Signal(str)  # a take recovered after a crash, to load as the input

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Record", parent)
        self.input_combo = QComboBox()
        self.input_combo.setAccessibleName("Input device")
        self.input_combo.setToolTip("Microphone / input device")
        self.output_combo = QComboBox()
        self.output_combo.setAccessibleName("Output device")
        self.output_combo.setToolTip("Device for playback")
        self.refresh_button = QToolButton()
        self.refresh_button.setText("↻")
        self.refresh_button.setToolTip("List the audio devices again")
        self.refresh_button.setAccessibleName("Refresh devices")
        self.refresh_button.clicked.connect(self.devices_refresh_requested)
        self.record_button = QPushButton("Record")
        self.record_button.setObjectName("recordButton")
        self.record_button.setToolTip("Start or stop recording (Ctrl+R)")
        self.record_button.clicked.connect(self.toggle_recording)
        self.shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self.toggle_recording)
        self.elapsed_label = QLabel(format_elapsed(0.0))
        self.elapsed_label.setAccessibleName("Elapsed time")
        self.level_label = QLabel("peak –∞ dBFS · RMS –∞ dBFS")
        self.level_label.setObjectName("fileMeta")
        self.meter = LevelMeter()
        self.count_in_spin = QSpinBox()
        self.count_in_spin.setRange(0, 5)
        self.count_in_spin.setSuffix(" s count-in")
        self.count_in_spin.setToolTip("Seconds of countdown before recording starts")
        self.max_length_spin = QSpinBox()
        self.max_length_spin.setRange(0, 3600)
        self.max_length_spin.setValue(300)
        self.max_length_spin.setSuffix(" s max")
        self.max_length_spin.setSpecialValueText("no limit")
        self.max_length_spin.setToolTip("Stop recording after this many seconds (0: no limit)")
        self.convert_checkbox = QCheckBox("Convert when I stop")
        self.convert_checkbox.setToolTip("Convert the take with the current voice as soon as recording stops")
        self.status_label = QLabel("")
        self.status_label.setObjectName("fileMeta")
        self.status_label.setWordWrap(True)
        self.recovered_button = QPushButton("Open recovered take")
        self.recovered_button.setToolTip(
            "A recording was interrupted last time; it was saved and can be opened"
        )
        self.recovered_button.clicked.connect(self._open_recovered)
        self.recovered_button.hide()
        self._recovered: list[str] = []
        self._layout()
        self.input_combo.currentIndexChanged.connect(
            lambda _i: self.input_device_changed.emit(self.input_device())
        )
        self.output_combo.currentIndexChanged.connect(
            lambda _i: self.output_device_changed.emit(self.output_device())
        )
        self.recording = False
        self.counting_in = 0
        self._count_timer = QTimer(self)
        self._count_timer.setInterval(1000)
        self._count_timer.timeout.connect(self._count_down)
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(lambda: self.meter.tick(REDRAW_MS / 1000.0))

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.addWidget(QLabel("In"), 0, 0)
        grid.addWidget(self.input_combo, 0, 1)
        grid.addWidget(self.refresh_button, 0, 2)
        grid.addWidget(QLabel("Out"), 1, 0)
        grid.addWidget(self.output_combo, 1, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        row = QHBoxLayout()
        row.addWidget(self.record_button, 1)
        row.addWidget(self.elapsed_label)
        self.body.addLayout(row)
        self.body.addWidget(self.meter)
        self.body.addWidget(self.level_label)
        options = QHBoxLayout()
        options.addWidget(self.count_in_spin)
        options.addWidget(self.max_length_spin)
        self.body.addLayout(options)
        self.body.addWidget(self.convert_checkbox)
        self.body.addWidget(self.status_label)
        self.body.addWidget(self.recovered_button)

    # --- intents -------------------------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        """Record (after the count-in) or Stop, depending on the state."""
        if self.recording:
            self.set_recording(False)
            self.stop_requested.emit()
        elif self.counting_in:
            self._count_timer.stop()
            self.counting_in = 0
            self.record_button.setText("Record")
            self.status_label.setText("Count-in cancelled")
        elif self.count_in_spin.value() > 0:
            self.counting_in = self.count_in_spin.value()
            self.record_button.setText(f"Starting in {self.counting_in}… (Stop)")
            self._count_timer.start()
        else:
            self._start()

    def _count_down(self) -> None:
        self.counting_in -= 1
        if self.counting_in > 0:
            self.record_button.setText(f"Starting in {self.counting_in}… (Stop)")
            return
        self._count_timer.stop()
        self._start()

    def _start(self) -> None:
        self.set_error("")
        self.set_recording(True)
        self.status_label.setText("Starting the microphone… speak when the time starts running")
        self.record_requested.emit(self.input_device(), float(self.max_length_spin.value()))

    # --- state in ------------------------------------------------------------------------------------------
    def input_device(self) -> str:
        """The chosen input device's name ("" = the system default)."""
        return str(self.input_combo.currentData() or "")

    def output_device(self) -> str:
        """The chosen output device's name ("" = the system default)."""
        return str(self.output_combo.currentData() or "")

    @property
    def convert_on_stop(self) -> bool:
        """Whether the take should be converted as soon as recording stops."""
        return self.convert_checkbox.isChecked()

    def set_devices(self, devices: Sequence[AudioDeviceInfo]) -> None:
        """Fill both pickers; keep the current choices if still there, else preselect the defaults."""
        for combo, has, is_default in (
            (self.input_combo, "max_input_channels", "is_default_input"),
            (self.output_combo, "max_output_channels", "is_default_output"),
        ):
            previous = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("System default", "")
            selected = 0
            for dev in devices:
                if getattr(dev, has) <= 0:
                    continue
                label = f"{dev.name} ({dev.host_api})" + ("  ★" if getattr(dev, is_default) else "")
                combo.addItem(label, dev.name)
                if dev.name == previous:
                    selected = combo.count() - 1
            combo.setCurrentIndex(selected)
            combo.blockSignals(False)
        has_input = any(dev.max_input_channels > 0 for dev in devices)
        self.record_button.setEnabled(has_input or self.recording)
        self.status_label.setText("" if has_input else "No microphone found: connect one and press ↻")

    def set_recording(self, recording: bool) -> None:
        """Show the recording state (the wiring calls it with False when the take is finished)."""
        self.recording = recording
        self.record_button.setText("Stop" if recording else "Record")
        self.input_combo.setEnabled(not recording)
        self.refresh_button.setEnabled(not recording)
        if recording:
            self.meter.reset()
            self.set_elapsed(0.0)
            self.redraw_timer.start()
        else:
            self.redraw_timer.stop()
            self.meter.tick(0.0)

    def set_levels(self, peak_db: float, rms_db: float, clipped: bool) -> None:
        """Newest input levels in dBFS (drawn by the redraw timer)."""
        self.meter.set_levels(peak_db, rms_db, clipped)
        clip = "  CLIP" if self.meter.clipped else ""
        peak = f"{peak_db:.1f}" if peak_db > -120 else "–∞"
        rms = f"{rms_db:.1f}" if rms_db > -120 else "–∞"
        self.level_label.setText(f"peak {peak} dBFS · RMS {rms} dBFS{clip}")

    def set_elapsed(self, seconds: float) -> None:
        """Elapsed recording time."""
        limit = self.max_length_spin.value()
        suffix = f" / {format_elapsed(limit)}" if limit and self.recording else ""
        self.elapsed_label.setText(format_elapsed(seconds) + suffix)

    def show_started(self, device: str, sample_rate: int) -> None:
        """Audio is flowing: the take has started."""
        self.status_label.setText(f"Recording from {device or 'the default microphone'} at {sample_rate} Hz")

    def set_error(self, message: str) -> None:
        """Show a problem (empty clears it)."""
        self.status_label.setText(message)
        self.status_label.setStyleSheet("color: #e06060;" if message else "")

    def set_recovered(self, paths: Sequence[str]) -> None:
        """Offer takes recovered after a crash (the newest is opened by the button)."""
        self._recovered = list(paths)
        self.recovered_button.setVisible(bool(paths))
        if paths:
            self.set_status(f"{len(paths)} interrupted recording(s) recovered")

    def _open_recovered(self) -> None:
        if self._recovered:
            self.open_take_requested.emit(self._recovered.pop())
        self.recovered_button.setVisible(bool(self._recovered))

    def set_status(self, message: str) -> None:
        """Show a neutral note (e.g. where the take went)."""
        self.status_label.setStyleSheet("")
        self.status_label.setText(message)
