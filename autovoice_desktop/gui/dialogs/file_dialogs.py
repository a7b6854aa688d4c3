"""File choosers, behind one small class so tests can replace them with answers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

AUDIO_FILTER = (
    "Audio files (*.wav *.flac *.ogg *.oga *.mp3 *.aiff *.aif *.au *.w64 *.caf *.rf64);;All files (*)"
)
SAVE_FILTERS = {"WAV audio (*.wav)": ".wav", "FLAC audio (*.flac)": ".flac"}
VOICE_FILTER = "Voice zip, config.json or .pth (*.zip config.json *.pth);;All files (*)"


class FileDialogs:
    """Native-looking file choosers; every method returns a path or None when the user cancels."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def ask_open_audio(self, start_dir: str) -> str | None:
        """An audio file to open."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open audio", start_dir, AUDIO_FILTER)
        return path or None

    def ask_save_audio(self, suggested: str) -> str | None:
        """Where to save the output (wav or flac; the suffix follows the chosen filter)."""
        path, chosen = QFileDialog.getSaveFileName(
            self.parent, "Save converted audio", suggested, ";;".join(SAVE_FILTERS)
        )
        if not path:
            return None
        if Path(path).suffix.lower() not in SAVE_FILTERS.values():
            path += SAVE_FILTERS.get(chosen, ".wav")
        return path

    def ask_voice_source(self, start_dir: str) -> str | None:
        """A voice to import: a zip, or a file inside a voice folder (the folder is imported)."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Import voice", start_dir, VOICE_FILTER)
        if not path:
            return None
        return path if path.lower().endswith(".zip") else str(Path(path).parent)

    def ask_replace_voice(self, message: str) -> bool:
        """Whether to replace an installed voice of the same name."""
        answer = QMessageBox.question(
            self.parent, "Voice already installed", f"{message[:1].upper()}{message[1:]}.\n\nReplace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_voice_folder(self, start_dir: str) -> str | None:
        """A voice folder to import."""
        return QFileDialog.getExistingDirectory(self.parent, "Import voice folder", start_dir) or None
