"""The input card: which file is loaded (name, duration, rate), Open… and the recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy, QToolButton, QWidget

from autovoice_desktop.core.text import printable
from autovoice_desktop.core.types import AudioInfo
from autovoice_desktop.gui.style.icons import icon
from autovoice_desktop.gui.widgets.card import Card


def format_duration(seconds: float) -> str:
    """'0:03.2' style duration."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of widening the panel."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._full = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802
        """Set the full text (shown elided to the current width)."""
        self._full = text
        self.setAccessibleName(text)
        self._elide()

    def full_text(self) -> str:
        """The text before eliding."""
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Re-elide to the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(40, self.width())
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


class InputCard(Card):
    """Shows the loaded file; emits `open_clicked` and `recent_chosen(path)`."""

    open_clicked = Signal()
    recent_chosen = Signal(str)
    record_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Input", parent)
        self.name_label = ElidedLabel("No file loaded")
        self.name_label.setObjectName("fileName")
        self.meta_label = QLabel("Open a recording or drop one on the window")
        self.meta_label.setObjectName("fileMeta")
        self.meta_label.setWordWrap(True)
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open an audio file (Ctrl+O): wav, flac, ogg, mp3…")
        self.open_button.setAccessibleName("Open audio file")
        self.open_button.clicked.connect(self.open_clicked)
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setToolTip("Open a recently used file")
        self.recent_button.setAccessibleName("Recent files")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.recent_menu = QMenu("Open Recent", self)
        self.recent_button.setMenu(self.recent_menu)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.open_button, 1)
        row.addWidget(self.recent_button)
        self.record_button = QPushButton("Record")
        self.record_button.setToolTip("Record from the microphone (Ctrl+R): starts a take in the Record card")
        self.record_button.setAccessibleName("Record a take")
        self.record_button.clicked.connect(self.record_clicked)
        self.record_button.hide()  # shown once a record panel is attached (app.record_access)
        row.addWidget(self.record_button)
        self.body.addWidget(self.name_label)
        self.body.addWidget(self.meta_label)
        self.body.addLayout(row)
        self.set_recent_files(())
        self.refresh_icons()

    def refresh_icons(self) -> None:
        """Re-tint icons after a theme change."""
        self.open_button.setIcon(icon("open"))
        self.recent_button.setIcon(icon("file"))

    def set_file(self, info: AudioInfo | None, shown_rate: int | None = None) -> None:
        """Show `info` (None = nothing loaded)."""
        if info is None:
            self.name_label.setText("No file loaded")
            self.meta_label.setText("Open a recording or drop one on the window")
            return
        self.name_label.setText(printable(Path(info.path).name, 1000))  # a file name never acts on the text
        channels = "mono" if info.channels == 1 else f"{info.channels} channels"
        self.meta_label.setText(
            f"{format_duration(info.duration)}  ·  {info.sample_rate / 1000:g} kHz  ·  {channels}"
            f"  ·  {info.format}"
        )
        self.name_label.setToolTip(info.path)

    def _on_recent_action(self) -> None:
        action = self.sender()
        if action is not None:
            self.recent_chosen.emit(str(action.data()))

    def set_recent_files(self, paths: tuple[str, ...] | list[str]) -> None:
        """Fill the recent-files menu."""
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(printable(Path(path).name, 1000))
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(self._on_recent_action)
        self.recent_button.setEnabled(bool(paths))
