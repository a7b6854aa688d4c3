"""Convert card: the Convert button (Ctrl+Enter), Cancel, a progress bar with stage and %, the result line."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from autovoice_desktop.gui.style.icons import icon
from autovoice_desktop.gui.style.theme import current
from autovoice_desktop.gui.widgets.card import Card

CONVERT_TIP = "Convert the input into the chosen voice (Ctrl+Enter)"


def time_left(elapsed: float, fraction: float) -> str:
    """ "about 12 s left" from the time spent so far and the fraction done ("" while too early to tell)."""
    if elapsed < 1.0 or fraction < 0.03 or fraction >= 1.0:
        return ""
    seconds = elapsed * (1.0 - fraction) / fraction
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    minutes, rest = divmod(round(seconds), 60)
    return f"about {minutes} min {rest:02d} s left"


def convert_blocker(has_input: bool, has_voice: bool, busy: bool) -> str:
    """Why Convert is disabled, as an instruction ("" when it can be pressed)."""
    if busy:
        return "A conversion is running: wait for it or press Cancel (Esc)"
    if not has_input:
        return "Open (Ctrl+O), drop or record an audio file to convert"
    if not has_voice:
        return "Choose a voice to convert into"
    return ""


class ConvertCard(Card):
    """Emits `convert_clicked` and `cancel_clicked`; shows progress and the last result."""

    convert_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Convert", parent)
        self.convert_button = QPushButton("Convert")
        self.convert_button.setObjectName("primary")
        self.convert_button.setToolTip(CONVERT_TIP)
        self.convert_button.setAccessibleName("Convert")
        self.convert_button.clicked.connect(self.convert_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the conversion (Esc)")
        self.cancel_button.setAccessibleName("Cancel conversion")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self.progress.setAccessibleName("Conversion progress")
        self._started = 0.0  # time.monotonic() when the running conversion started (0: none)
        self.result_label = QLabel("")
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.convert_button, 1)
        row.addWidget(self.cancel_button)
        self.body.addLayout(row)
        self.body.addWidget(self.progress)
        self.body.addWidget(self.result_label)
        self.refresh_icons()

    def refresh_icons(self) -> None:
        """Re-tint icons after a theme change."""
        self.convert_button.setIcon(icon("convert", current().accent_text))
        self.cancel_button.setIcon(icon("cancel"))

    def explain(self, blocker: str) -> None:
        """Say why Convert is disabled (tooltip and, while nothing was converted, the result line)."""
        self.convert_button.setToolTip(f"{blocker}." if blocker else CONVERT_TIP)
        self.convert_button.setAccessibleDescription(blocker)
        if self.progress.format() == "Ready" and not self.result_label.text().startswith("Done"):
            self.result_label.setText(blocker if blocker and "running" not in blocker else "")

    def set_busy(self, busy: bool) -> None:
        """Converting: Convert off, Cancel on."""
        self.cancel_button.setEnabled(busy)
        self._started = time.monotonic() if busy else 0.0
        if busy:
            self.convert_button.setEnabled(False)
            self.result_label.setText("")
            self.set_progress(0.0, "Starting")

    def set_progress(self, fraction: float, stage: str) -> None:
        """Show `stage`, `fraction` (0…1) and, once it can be estimated, the time left."""
        fraction = min(1.0, max(0.0, fraction))
        self.progress.setValue(round(fraction * 1000))
        left = time_left(time.monotonic() - self._started, fraction) if self._started else ""
        self.progress.setFormat(f"{stage} — {fraction * 100:.0f}%" + (f" · {left}" if left else ""))
        self.progress.setAccessibleDescription(self.progress.format())

    def set_result(self, text: str, progress_text: str = "Done") -> None:
        """Show the outcome of the last conversion."""
        self.result_label.setText(text)
        self.progress.setFormat(progress_text)
        if progress_text == "Done":
            self.progress.setValue(1000)
