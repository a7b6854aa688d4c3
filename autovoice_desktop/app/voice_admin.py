"""Voice → Voice details…: see a voice's facts; rename or remove an imported voice (with confirmation)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from autovoice_desktop.gui.dialogs.voice_details_dialog import VoiceDetailsDialog
from autovoice_desktop.gui.main_window import MainWindow
from autovoice_desktop.workers.voice_admin_worker import RemoveVoiceJob, RenameVoiceJob


class VoiceAdmin(QObject):
    """Lives on the GUI thread; job results come back to its bound methods."""

    voices_changed = Signal()

    def __init__(self, window: MainWindow, controller: Any) -> None:
        super().__init__(window)
        self.window, self.controller = window, controller
        self.dialog = VoiceDetailsDialog(window)
        self.dialog.rename_requested.connect(self.rename)
        self.dialog.remove_requested.connect(self.remove)
        self.action = QAction("Voice &details…", window)
        self.action.setStatusTip("The chosen voice's details; rename or remove an imported voice")
        self.action.triggered.connect(self.show)
        window.addAction(self.action)
        for entry in window.menuBar().actions():
            menu = entry.menu()
            if menu is not None and window.actions_.import_folder in menu.actions():
                menu.insertAction(window.actions_.convert, self.action)

    def show(self) -> None:
        """Show the current voice's details."""
        voice = self.window.voice_panel.current_voice()
        if voice is None:
            self.window.statusBar().showMessage("No voice chosen", 4000)
            return
        self.dialog.show_voice(voice)
        self.dialog.show()
        self.dialog.raise_()

    def _busy(self) -> bool:
        if getattr(self.controller, "conversion_job", None) is not None:
            self.window.show_notice("Voice in use", "A conversion is running: wait for it or cancel it.")
            return True
        return False

    def rename(self, voice_id: str, new_name: str) -> None:
        """Rename in the background."""
        if not self._busy():
            self._start(RenameVoiceJob(self.controller.bridge, voice_id, new_name))

    def remove(self, voice_id: str) -> None:
        """Remove in the background."""
        if not self._busy():
            self._start(RemoveVoiceJob(self.controller.bridge, voice_id))

    def _start(self, job: Any) -> None:
        job.succeeded.connect(self._on_changed)
        job.failed.connect(self.window.show_error)
        self.controller.runner.start(job)

    def _on_changed(self, result: tuple[str, list[Any]]) -> None:
        selected, voices = result
        self.controller.voices = list(voices)
        panel = self.window.voice_panel
        panel.set_voices(self.controller.voices, selected)
        current = panel.current_voice()
        self.controller.update_settings(voice_id=current.voice_id if current else "")
        self.window.set_status(voice=f"Voice: {current.name}" if current else "Voice: none")
        self.window.refresh_enabled()
        if current is not None and selected:
            self.dialog.show_voice(current)
        else:
            self.dialog.close()
        self.voices_changed.emit()


def attach_voice_admin(window: MainWindow, controller: Any) -> VoiceAdmin:
    """Add Voice → Voice details… (rename, remove) to `window`."""
    return VoiceAdmin(window, controller)
