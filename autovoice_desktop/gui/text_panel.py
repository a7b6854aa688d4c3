"""The Text card: type a line, pick a TTS voice, press Speak — the speech becomes the input.

The card only emits `speak_requested(text, tts_voice)` / `cancel_requested()` and shows what it is told
(`set_voices`, `set_unavailable`, `set_busy`, `set_status`). The speech is opened like a file, so Convert,
A/B, the pitch plot and Save work on it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QWidget

from autovoice_desktop.gui.widgets.card import Card

#: Longest text the window speaks at once (about 10 minutes of speech); the CLI takes much longer texts.
WINDOW_MAX_CHARS = 10_000


class TextPanel(Card):
    """Text box, TTS voice picker and Speak/Cancel; Ctrl+Shift+Return speaks."""

    speak_requested = Signal(str, str)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Text", parent)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Type something, then press Speak: the speech becomes the input")
        self.editor.setAccessibleName("Text to speak")
        self.editor.setFixedHeight(72)
        self.editor.textChanged.connect(self._refresh)
        self.voice_combo = QComboBox()
        self.voice_combo.setAccessibleName("Text-to-speech voice")
        self.voice_combo.setToolTip("The voice that reads the text; the selected AutoVoice voice converts it")
        self.speak_button = QPushButton("Speak")
        self.speak_button.setToolTip("Read the text aloud into a new input (Ctrl+Shift+Return)")
        self.speak_button.setAccessibleName("Speak the text")
        self.speak_button.clicked.connect(self._on_speak)
        self.status = QLabel("Looking for text-to-speech voices…")
        self.status.setObjectName("fileMeta")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # copy the hint
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.voice_combo, 1)
        row.addWidget(self.speak_button)
        self.body.addWidget(self.editor)
        self.body.addLayout(row)
        self.body.addWidget(self.status)
        self.busy = False
        self.available = False
        shortcut = QShortcut(QKeySequence("Ctrl+Shift+Return"), self)
        shortcut.activated.connect(self._on_speak)
        self._refresh()

    def text(self) -> str:
        """The typed text."""
        return self.editor.toPlainText()

    def set_voices(self, names: Sequence[str]) -> None:
        """The installed TTS voices (the first is selected)."""
        self.available = bool(names)
        self.voice_combo.clear()
        self.voice_combo.addItems(list(names))
        self.set_status(f"{len(names)} text-to-speech voice(s) installed" if names else "")
        self._refresh()

    def set_unavailable(self, message: str) -> None:
        """No engine or no voice: say how to install one instead of offering Speak."""
        self.available = False
        self.voice_combo.clear()
        self.set_status(message)
        self._refresh()

    def set_busy(self, busy: bool) -> None:
        """While speaking, Speak becomes Cancel."""
        self.busy = busy
        self.speak_button.setText("Cancel" if busy else "Speak")
        self._refresh()

    def set_status(self, message: str) -> None:
        """One line under the controls (progress, errors, the install hint)."""
        self.status.setText(message)
        self.status.setVisible(bool(message))

    def _refresh(self) -> None:
        has_text = bool(self.text().strip())
        self.speak_button.setEnabled(self.busy or (self.available and has_text))
        self.voice_combo.setEnabled(self.available and not self.busy)
        self.editor.setReadOnly(self.busy)

    def _on_speak(self) -> None:
        if self.busy:
            self.cancel_requested.emit()
            return
        if not self.speak_button.isEnabled():
            return
        text = self.text()
        if len(text) > WINDOW_MAX_CHARS:
            self.set_status(
                f"The text is too long for the window ({len(text):,} characters; the limit is "
                f"{WINDOW_MAX_CHARS:,}): shorten it, or use `autovoice say --text-file`"
            )
            return
        self.speak_requested.emit(text, self.voice_combo.currentText())
