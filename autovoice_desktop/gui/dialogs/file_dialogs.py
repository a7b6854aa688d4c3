"""File choosers, behind one small class so tests can replace them with answers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

AUDIO_FILTER = (
    "Audio files (*.wav *.flac *.ogg *.oga *.mp3 *.aiff *.aif *.au *.w64 *.caf *.rf64);;All files (*)"
)
#: Save As choices: filter -> (suffix, libsndfile subtype). The first is the default (what the CLI writes).
SAVE_FORMATS = {
    "WAV 16-bit (*.wav)": (".wav", "PCM_16"),
    "WAV 24-bit (*.wav)": (".wav", "PCM_24"),
    "WAV 32-bit float (*.wav)": (".wav", "FLOAT"),
    "FLAC 16-bit (*.flac)": (".flac", "PCM_16"),
    "FLAC 24-bit (*.flac)": (".flac", "PCM_24"),
}
SAVE_FILTERS = {name: suffix for name, (suffix, _) in SAVE_FORMATS.items()}
VOICE_FILTER = "Voice zip, config.json or .pth (*.zip config.json *.pth);;All files (*)"


def save_choice(path: str, chosen_filter: str) -> tuple[str, str | None]:
    """(path with the right suffix, libsndfile subtype) for a Save As answer. A typed .wav/.flac suffix wins
    over the filter's; the bit depth comes from the filter when its suffix matches, else the default."""
    suffix, subtype = SAVE_FORMATS.get(chosen_filter, (".wav", None))
    typed = Path(path).suffix.lower()
    if typed not in SAVE_FILTERS.values():
        return path + suffix, subtype
    return path, subtype if typed == suffix else None


class FileDialogs:
    """Native-looking file choosers; every method returns a path or None when the user cancels."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.save_subtype: str | None = None  # bit depth of the last Save As (None: the format's default)
        self.save_filter = next(iter(SAVE_FORMATS))

    def ask_open_audio(self, start_dir: str) -> str | None:
        """An audio file to open."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open audio", start_dir, AUDIO_FILTER)
        return path or None

    def ask_save_audio(self, suggested: str) -> str | None:
        """Where to save the output and at which bit depth (`save_subtype`); the type sets the suffix."""
        self.save_subtype = None
        path, chosen = QFileDialog.getSaveFileName(
            self.parent, "Save converted audio", suggested, ";;".join(SAVE_FORMATS), self.save_filter
        )
        if not path:
            return None
        path, self.save_subtype = save_choice(path, chosen)
        self.save_filter = chosen if chosen in SAVE_FORMATS else self.save_filter
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
            self.parent,
            "Voice already installed",
            f"{message[:1].upper()}{message[1:]}.\n\nReplace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_voice_folder(self, start_dir: str) -> str | None:
        """A voice folder to import."""
        return QFileDialog.getExistingDirectory(self.parent, "Import voice folder", start_dir) or None
