"""Dialogs of the project files: where to save, which project to open, where a moved input went, recover?"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PROJECT_FILTER = "AutoVoice projects (*.avproj)"


class ProjectDialogs:
    """Modal questions; tests replace the methods on the instance."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def ask_save_project(self, suggested: str) -> str | None:
        """Where to save the project (".avproj" added when missing)."""
        path, _ = QFileDialog.getSaveFileName(self.parent, "Save project", suggested, PROJECT_FILTER)
        if not path:
            return None
        return path if path.lower().endswith(".avproj") else path + ".avproj"

    def ask_open_project(self, start_dir: str) -> str | None:
        """Which project to open."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open project", start_dir, PROJECT_FILTER)
        return path or None

    def ask_moved_input(self, missing: str) -> str | None:
        """The project's recording is not where it was: ask for its new place."""
        QMessageBox.information(
            self.parent,
            "Where is the recording?",
            f"The project's recording is no longer at\n{missing}\n\nShow AutoVoice where it is now.",
        )
        path, _ = QFileDialog.getOpenFileName(
            self.parent, f"Find {Path(missing).name}", str(Path(missing).parent), "Audio (*.*)"
        )
        return path or None

    def ask_recover(self, description: str) -> bool:
        """After a crash: restore the autosaved project?"""
        answer = QMessageBox.question(
            self.parent,
            "Recover your last session?",
            f"AutoVoice did not close normally. Autosaved project:\n{description}\n\nRestore it?",
        )
        return answer == QMessageBox.StandardButton.Yes
