"""A voice's details (kind, speakers, sample rate, encoder, checkpoint, folder) with Rename… and Remove…
for imported voices (both confirmed by the user)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from autovoice_desktop.core.types import VoiceInfo


class VoiceDetailsDialog(QDialog):
    """Emits `rename_requested(voice_id, new name)` and `remove_requested(voice_id)` after asking."""

    rename_requested = Signal(str, str)
    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Voice details — AutoVoice")
        self.setMinimumWidth(460)
        self.voice: VoiceInfo | None = None
        self.form = QFormLayout()
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._rename)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.clicked.connect(self._remove)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        row = QHBoxLayout()
        row.addWidget(self.rename_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)

    def show_voice(self, voice: VoiceInfo) -> None:
        """Fill in `voice`'s facts; rename/remove only for imported voices."""
        self.voice = voice
        while self.form.rowCount():
            self.form.removeRow(0)
        rows = [
            ("Name", voice.name),
            ("Kind", "built-in" if voice.kind == "builtin" else "So-VITS-SVC"),
            ("About", voice.description),
        ]
        if voice.speakers:
            rows.append(("Speakers", ", ".join(voice.speakers)))
        rows += [(key[:1].upper() + key[1:], value) for key, value in voice.details.items()]
        if voice.path:
            rows.append(("Folder", voice.path))
        for key, value in rows:
            label = QLabel(value)
            label.setWordWrap(True)
            self.form.addRow(key, label)
        imported = voice.kind == "sovits"
        self.rename_button.setEnabled(imported)
        self.remove_button.setEnabled(imported)
        tip = "" if imported else "Built-in voices cannot be renamed or removed"
        self.rename_button.setToolTip(tip)
        self.remove_button.setToolTip(tip)

    def value(self, key: str) -> str:
        """The text shown for `key` ("" if absent)."""
        for row in range(self.form.rowCount()):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label is not None and label.widget().text() == key and field is not None:
                return field.widget().text()
        return ""

    def ask_new_name(self, current: str) -> str | None:
        """The new name, or None when cancelled."""
        text, ok = QInputDialog.getText(self, "Rename voice", "New name:", text=current)
        return text.strip() if ok and text.strip() else None

    def confirm_remove(self, name: str) -> bool:
        """Whether to delete the voice for good."""
        answer = QMessageBox.question(
            self,
            "Remove voice",
            f"Remove the voice “{name}” and delete its files?\n\nThis cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _rename(self) -> None:
        if self.voice is not None:
            name = self.ask_new_name(self.voice.name)
            if name and name != self.voice.name:
                self.rename_requested.emit(self.voice.voice_id, name)

    def _remove(self) -> None:
        if self.voice is not None and self.confirm_remove(self.voice.name):
            self.remove_requested.emit(self.voice.voice_id)
