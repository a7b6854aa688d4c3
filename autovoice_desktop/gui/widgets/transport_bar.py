"""Transport bar above the plots: play/pause, stop, A/B (input/output at the same position), time, Save As."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from autovoice_desktop.gui.style.icons import icon
from autovoice_desktop.gui.widgets.input_card import format_duration


class TransportBar(QWidget):
    """Emits `play_clicked`, `stop_clicked`, `source_changed("input"|"output")`, `export_clicked`."""

    play_clicked = Signal()
    stop_clicked = Signal()
    source_changed = Signal(str)
    export_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._playing = False
        self._duration = 0.0
        self.play_button = QToolButton()
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.setAccessibleName("Play")
        self.play_button.clicked.connect(self.play_clicked)
        self.stop_button = QToolButton()
        self.stop_button.setToolTip("Stop and go back to the start")
        self.stop_button.setAccessibleName("Stop")
        self.stop_button.clicked.connect(self.stop_clicked)
        self.a_button = QToolButton()
        self.a_button.setText("A · Input")
        self.a_button.setToolTip("Listen to the input (B compares at the same position; Ctrl+B toggles)")
        self.a_button.setAccessibleName("Listen to input")
        self.b_button = QToolButton()
        self.b_button.setText("B · Output")
        self.b_button.setToolTip("Listen to the converted output at the same position (Ctrl+B toggles)")
        self.b_button.setAccessibleName("Listen to output")
        self.source_group = QButtonGroup(self)
        self.source_group.setExclusive(True)
        for button in (self.a_button, self.b_button):
            button.setCheckable(True)
            self.source_group.addButton(button)
        self.a_button.setChecked(True)
        self.b_button.toggled.connect(self._on_b_toggled)
        self.time_label = QLabel("0:00.0 / 0:00.0")
        self.time_label.setObjectName("muted")
        self.time_label.setAccessibleName("Playback position")
        self.export_button = QPushButton("Save As…")
        self.export_button.setToolTip("Save the converted audio as wav or flac (Ctrl+S)")
        self.export_button.setAccessibleName("Save output as")
        self.export_button.clicked.connect(self.export_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for w in (self.play_button, self.stop_button):
            layout.addWidget(w)
        layout.addSpacing(12)
        layout.addWidget(self.a_button)
        layout.addWidget(self.b_button)
        layout.addSpacing(12)
        layout.addWidget(self.time_label)
        layout.addStretch(1)
        layout.addWidget(self.export_button)
        self.refresh_icons()
        self.set_available(has_input=False, has_output=False)

    def _on_b_toggled(self, checked: bool) -> None:
        self.source_changed.emit("output" if checked else "input")

    def refresh_icons(self) -> None:
        """Re-tint icons after a theme change."""
        self.play_button.setIcon(icon("pause" if self._playing else "play"))
        self.stop_button.setIcon(icon("stop"))
        self.export_button.setIcon(icon("save"))

    @property
    def source(self) -> str:
        """ "input" or "output"."""
        return "output" if self.b_button.isChecked() else "input"

    def set_source(self, source: str) -> None:
        """Check A or B (emits source_changed if it changes)."""
        (self.b_button if source == "output" else self.a_button).setChecked(True)

    def set_available(self, has_input: bool, has_output: bool) -> None:
        """Enable what can be used now."""
        self.play_button.setEnabled(has_input)
        self.stop_button.setEnabled(has_input)
        self.a_button.setEnabled(has_input)
        self.b_button.setEnabled(has_output)
        self.export_button.setEnabled(has_output)
        if not has_output and self.b_button.isChecked():
            self.a_button.setChecked(True)

    def set_playing(self, playing: bool) -> None:
        """Show pause while playing, play otherwise."""
        self._playing = playing
        self.play_button.setIcon(icon("pause" if playing else "play"))
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def set_time(self, position: float, duration: float | None = None) -> None:
        """Show `position / duration`."""
        if duration is not None:
            self._duration = duration
        self.time_label.setText(f"{format_duration(position)} / {format_duration(self._duration)}")
