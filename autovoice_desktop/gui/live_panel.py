"""The window's Live mode: microphone -> voice -> speakers (or the AutoVoice Microphone), as a side card.

Intents go out as signals (start, stop, bypass, voice and settings changes); state comes in through slots
(devices, voices, running, stats, levels, errors). Meters and counters are repainted by a GUI timer, never
once per audio block. The bypass shortcut (F8) works while the window has focus; Qt has no global
hotkeys, so it does not work from other programs (said in the tooltip and docs/live.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from autovoice_desktop.core.types import AudioDeviceInfo
from autovoice_desktop.gui.record_panel import REDRAW_MS, LevelMeter
from autovoice_desktop.gui.widgets.card import Card

#: output names that are virtual cables on Windows/macOS (marked in the output list; see docs/live.md)
VIRTUAL_CABLE_NAMES = ("cable input", "vb-audio", "voicemeeter", "blackhole", "loopback audio", "soundflower")
BYPASS_SHORTCUT = "F8"


def is_virtual_cable(name: str) -> bool:
    """True for the common virtual audio cables (VB-CABLE, VoiceMeeter, BlackHole, Loopback, Soundflower)."""
    low = name.lower()
    return any(marker in low for marker in VIRTUAL_CABLE_NAMES)


def _labelled_rows(rows: list[tuple[str, QWidget]]) -> QGridLayout:
    """A label and a widget on each row; the widgets take the spare width."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(6)
    for index, (text, widget) in enumerate(rows):
        grid.addWidget(QLabel(text), index, 0)
        grid.addWidget(widget, index, 1)
    grid.setColumnStretch(1, 1)
    return grid


class LivePanel(Card):
    """Live voice changer controls."""

    start_requested = Signal()
    stop_requested = Signal()
    bypass_changed = Signal(bool)
    voice_changed = Signal(str)
    settings_changed = Signal(float, float)  # transpose, formant (semitones)
    devices_refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Live", parent)
        self.input_combo = QComboBox()
        self.input_combo.setAccessibleName("Live input device")
        self.output_combo = QComboBox()
        self.output_combo.setAccessibleName("Live output device")
        self.output_combo.setToolTip("Speakers, or a virtual cable other programs record from")
        self.virtual_mic_checkbox = QCheckBox('Send to "AutoVoice Microphone"')
        self.virtual_mic_checkbox.setToolTip(
            "Linux (PulseAudio/PipeWire): a microphone other programs can pick; removed when Live stops"
        )
        self.voice_combo = QComboBox()
        self.voice_combo.setAccessibleName("Live voice")
        self.voice_combo.currentTextChanged.connect(self.voice_changed)
        self.transpose_spin = _spin(-24, 24, " st")
        self.transpose_spin.setToolTip("Transpose in semitones (applies within one block)")
        self.formant_spin = _spin(-12, 12, " st formant")
        self.formant_spin.setToolTip("Formant shift in semitones (built-in voices)")
        for spin in (self.transpose_spin, self.formant_spin):
            spin.valueChanged.connect(self._emit_settings)
        self.start_button = QPushButton("Start live")
        self.start_button.setObjectName("liveButton")
        self.start_button.clicked.connect(self.toggle)
        self.bypass_checkbox = QCheckBox(f"Bypass ({BYPASS_SHORTCUT})")
        self.bypass_checkbox.setToolTip(
            f"Pass the dry voice through. {BYPASS_SHORTCUT} works while this window has focus "
            "(not from other programs: Qt has no global shortcuts)"
        )
        self.bypass_checkbox.toggled.connect(self.bypass_changed)
        self.shortcut = QShortcut(QKeySequence(BYPASS_SHORTCUT), self)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self.bypass_checkbox.toggle)
        self.input_meter = LevelMeter()
        self.input_meter.setAccessibleName("Live input level")
        self.output_meter = LevelMeter()
        self.output_meter.setAccessibleName("Live output level")
        self.stats_label = QLabel("latency – · dropouts – · block –")
        self.stats_label.setObjectName("fileMeta")
        self.stats_label.setAccessibleName("Live latency and dropouts")
        self.status_label = QLabel("")
        self.status_label.setObjectName("fileMeta")
        self.status_label.setWordWrap(True)
        self.running = False
        self._layout()
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self._redraw)

    def _layout(self) -> None:
        self.body.addLayout(
            _labelled_rows(
                [("In", self.input_combo), ("Out", self.output_combo), ("Voice", self.voice_combo)]
            )
        )
        self.body.addWidget(self.virtual_mic_checkbox)
        settings = QHBoxLayout()
        settings.addWidget(self.transpose_spin)
        settings.addWidget(self.formant_spin)
        self.body.addLayout(settings)
        row = QHBoxLayout()
        row.addWidget(self.start_button, 1)
        row.addWidget(self.bypass_checkbox)
        self.body.addLayout(row)
        # labels beside the meters, not above: the card fits the side panel at the minimum window size
        self.body.addLayout(_labelled_rows([("Input", self.input_meter), ("Output", self.output_meter)]))
        self.body.addWidget(self.stats_label)
        self.body.addWidget(self.status_label)

    # --- intents ---------------------------------------------------------------------------------------
    def toggle(self) -> None:
        """Start or stop (the button)."""
        if self.running:
            self.stop_requested.emit()
        else:
            self.status_label.setText("Starting…")
            self.start_button.setEnabled(False)
            self.start_requested.emit()

    def _emit_settings(self) -> None:
        self.settings_changed.emit(self.transpose_spin.value(), self.formant_spin.value())

    def input_device(self) -> str:
        """The chosen input device name ("" = system default)."""
        return str(self.input_combo.currentData() or "")

    def output_device(self) -> str:
        """The chosen output device name ("" = system default)."""
        return str(self.output_combo.currentData() or "")

    def voice(self) -> str:
        """The chosen voice's name."""
        return self.voice_combo.currentText()

    # --- state -----------------------------------------------------------------------------------------
    def set_devices(self, devices: Sequence[AudioDeviceInfo]) -> None:
        """Fill both pickers (virtual cables are marked in the output list)."""
        for combo, has in (
            (self.input_combo, "max_input_channels"),
            (self.output_combo, "max_output_channels"),
        ):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("System default", "")
            for dev in devices:
                if getattr(dev, has) > 0:
                    label = f"{dev.name}  [virtual cable]" if is_virtual_cable(dev.name) else dev.name
                    combo.addItem(label, dev.name)
            index = combo.findData(keep)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)

    def set_voices(self, names: Sequence[str]) -> None:
        """The voices to choose from."""
        self.voice_combo.blockSignals(True)
        self.voice_combo.clear()
        self.voice_combo.addItems(list(names))
        self.voice_combo.blockSignals(False)

    def set_running(self, running: bool) -> None:
        """Running or stopped: button text, pickers, meters."""
        self.running = running
        self.start_button.setEnabled(True)
        self.start_button.setText("Stop live" if running else "Start live")
        for widget in (self.input_combo, self.output_combo, self.virtual_mic_checkbox):
            widget.setEnabled(not running)
        if running:
            self.status_label.setText("Live")
            self.redraw_timer.start()
        else:
            self.redraw_timer.stop()
            self.input_meter.reset()
            self.output_meter.reset()

    def set_stats(self, latency_ms: float, dropouts: int, block_ms: float, note: str = "") -> None:
        """The live counters (called by the wiring's poll timer)."""
        text = f"latency ≈ {latency_ms:.0f} ms · dropouts {dropouts} · block {block_ms:.0f} ms"
        self.stats_label.setText(f"{text} · {note}" if note else text)

    def set_levels(self, input_db: float, output_db: float) -> None:
        """Peak levels (dBFS) since the last poll."""
        self.input_meter.set_levels(input_db, input_db, input_db >= -0.1)
        self.output_meter.set_levels(output_db, output_db, output_db >= -0.1)

    def set_error(self, message: str) -> None:
        """Show a problem (device lost, start failed); the stream is stopped."""
        self.set_running(False)
        self.status_label.setText(message)

    def _redraw(self) -> None:
        self.input_meter.tick(REDRAW_MS / 1000.0)
        self.output_meter.tick(REDRAW_MS / 1000.0)


def _spin(low: float, high: float, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(0.5)
    spin.setDecimals(1)
    spin.setSuffix(suffix)
    return spin
