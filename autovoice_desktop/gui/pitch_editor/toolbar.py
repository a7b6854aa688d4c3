"""The pitch editor's tool row above the pitch plot: edit on/off, select/draw, tools for the selection."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from autovoice_desktop.gui.pitch_editor.curve_ops import KEYS, SCALES

CENTS_STEP = 0.1  # semitones per step with Shift held (10 cents)


class ModifierButton(QToolButton):
    """A tool button that knows whether Shift was held for the click that is being delivered."""

    shift_held = False

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """`clicked` is emitted in here: shift_held is true for its slots only if Shift was down."""
        self.shift_held = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        try:
            super().mouseReleaseEvent(event)
        finally:
            self.shift_held = False


def _button(text: str, tip: str, checkable: bool = False) -> QToolButton:
    button = ModifierButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip.split(" (")[0])
    button.setCheckable(checkable)
    return button


class PitchToolbar(QWidget):
    """Emits what the user asked for; the PitchEditor does it (the tools act on the selection)."""

    edit_toggled = Signal(bool)
    tool_changed = Signal(str)  # "select" or "draw"
    shift = Signal(float)
    snap = Signal(str, str)
    flatten = Signal(float)
    vibrato = Signal(float)
    voiced = Signal(bool)
    reset = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit_button = _button("✎ Edit pitch", "Edit the target pitch on the plot (drag to select)", True)
        self.select_button = _button("Select", "Select a span, then drag it up or down (Shift: cents)", True)
        self.draw_button = _button("Draw", "Draw the pitch freehand", True)
        self.select_button.setChecked(True)
        self.tools = QButtonGroup(self)
        self.tools.addButton(self.select_button)
        self.tools.addButton(self.draw_button)
        self.down_button = _button("−1 st", "Down a semitone (Shift: 10 cents)")
        self.up_button = _button("+1 st", "Up a semitone (Shift: 10 cents)")
        self.octave_down = _button("Octave −", "Octave down (fix an octave error)")
        self.octave_up = _button("Octave +", "Octave up (fix an octave error)")
        self.key_combo = QComboBox()
        self.key_combo.addItems(list(KEYS))
        self.key_combo.setAccessibleName("Key")
        self.scale_combo = QComboBox()
        self.scale_combo.addItems(list(SCALES))
        self.scale_combo.setAccessibleName("Scale")
        self.snap_button = _button("Snap", "Snap the selection to the nearest notes of the key")
        self.percent = QSpinBox()
        self.percent.setRange(0, 100)
        self.percent.setValue(50)
        self.percent.setSuffix(" %")
        self.percent.setAccessibleName("Amount")
        self.flatten_button = _button("Flatten", "Pull each note toward its centre by the amount")
        self.vibrato_button = _button("Less vibrato", "Reduce vibrato by the amount")
        self.voiced_button = _button("Voiced", "Mark the selection voiced (sung)")
        self.unvoiced_button = _button("Unvoiced", "Mark the selection unvoiced (no pitch)")
        self.reset_button = _button("Reset", "Reset the selection to the detected pitch")
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.edit_widgets = [
            self.select_button,
            self.draw_button,
            self.down_button,
            self.up_button,
            self.octave_down,
            self.octave_up,
            self.reset_button,
            self.key_combo,
            self.scale_combo,
            self.snap_button,
            self.percent,
            self.flatten_button,
            self.vibrato_button,
            self.voiced_button,
            self.unvoiced_button,
        ]
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        first, second = QHBoxLayout(), QHBoxLayout()
        for row, widgets in (
            (first, [self.edit_button, *self.edit_widgets[:7]]),
            (second, self.edit_widgets[7:]),
        ):
            row.setSpacing(4)
            for widget in widgets:
                widget.setMinimumWidth(widget.sizeHint().width())
                row.addWidget(widget)
            rows.addLayout(row)
        first.addWidget(self.status, 1)
        second.addStretch(1)
        self._connect()
        self.set_editing(False)

    def _connect(self) -> None:
        self.edit_button.toggled.connect(self.set_editing)
        self.edit_button.toggled.connect(self.edit_toggled)
        self.select_button.toggled.connect(self._tool)
        self.down_button.clicked.connect(self._down)
        self.up_button.clicked.connect(self._up)
        self.octave_down.clicked.connect(self._octave_down)
        self.octave_up.clicked.connect(self._octave_up)
        self.snap_button.clicked.connect(self._snap)
        self.flatten_button.clicked.connect(self._flatten)
        self.vibrato_button.clicked.connect(self._vibrato)
        self.voiced_button.clicked.connect(self._voiced)
        self.unvoiced_button.clicked.connect(self._unvoiced)
        self.reset_button.clicked.connect(self.reset)

    def set_editing(self, on: bool) -> None:
        """Show the tools only while editing."""
        for widget in self.edit_widgets:
            widget.setVisible(on)

    def set_available(self, available: bool) -> None:
        """Editing needs a converted curve."""
        self.edit_button.setEnabled(available)
        if not available:
            self.edit_button.setChecked(False)

    def _tool(self, select_checked: bool) -> None:
        self.tool_changed.emit("select" if select_checked else "draw")

    def _down(self) -> None:
        self.shift.emit(-(CENTS_STEP if self.down_button.shift_held else 1.0))

    def _up(self) -> None:
        self.shift.emit(CENTS_STEP if self.up_button.shift_held else 1.0)

    def _octave_down(self) -> None:
        self.shift.emit(-12.0)

    def _octave_up(self) -> None:
        self.shift.emit(12.0)

    def _snap(self) -> None:
        self.snap.emit(self.key_combo.currentText(), self.scale_combo.currentText())

    def _flatten(self) -> None:
        self.flatten.emit(float(self.percent.value()))

    def _vibrato(self) -> None:
        self.vibrato.emit(float(self.percent.value()))

    def _voiced(self) -> None:
        self.voiced.emit(True)

    def _unvoiced(self) -> None:
        self.voiced.emit(False)
