"""A So-VITS-SVC voice from the window alone: the content encoder is offered where it is needed.

- Selecting (or importing) a So-VITS-SVC voice checks for the encoder; when it is missing the window says so,
  and after an import the dialog opens at once.
- A So-VITS-SVC conversion that failed for want of the encoder opens the dialog instead of pointing at a
  terminal command.
- Voice → Content encoder… opens it at any time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from autovoice_desktop.gui.dialogs.encoder_dialog import EncoderDialog
from autovoice_desktop.gui.main_window import MainWindow
from autovoice_desktop.workers.weights_worker import (
    EncoderCheckJob,
    EncoderDownloadJob,
    EncoderLocalJob,
    EncoderStatus,
)

NEEDED_TITLE = "This voice needs the content encoder"


class EncoderController(QObject):
    """Lives on the GUI thread; every job signal is connected to a bound method here (queued)."""

    encoder_ready = Signal(str)

    def __init__(self, window: MainWindow, controller: Any, base_url: str | None = None) -> None:
        super().__init__(window)
        self.window, self.controller, self.base_url = window, controller, base_url
        self.dialog = EncoderDialog(window)
        self.status: EncoderStatus | None = None
        self.job: Any = None
        self._open_if_missing = False
        self._reason = ""
        self.action = QAction("Content &encoder…", window)
        self.action.setStatusTip("Download the content encoder So-VITS-SVC voices need, or use local files")
        self.action.triggered.connect(self.open_dialog)
        window.addAction(self.action)
        for entry in window.menuBar().actions():
            menu = entry.menu()
            if menu is not None and window.actions_.import_folder in menu.actions():
                menu.insertAction(window.actions_.convert, self.action)
        self.dialog.download_requested.connect(self.download)
        self.dialog.local_requested.connect(self.use_local)
        self.dialog.cancel_requested.connect(self.cancel)
        controller.voice_imported.connect(self._on_imported)
        window.voice_panel.voice_changed.connect(self._on_voice)
        controller.conversion_ended.connect(self._on_conversion_ended)

    def _sovits_selected(self) -> bool:
        voice = self.window.voice_panel.current_voice()
        return voice is not None and voice.kind == "sovits"

    # --- when it is needed ---------------------------------------------------------------------------
    def _on_imported(self, _voice_id: str) -> None:
        if self._sovits_selected():
            self.check(
                open_if_missing=True,
                reason="The voice was imported; to convert with it, one more download is needed.",
            )

    def _on_voice(self, *_: object) -> None:
        if self._sovits_selected():
            self.check()

    def _on_conversion_ended(self, outcome: str) -> None:
        if outcome == "failed" and self._sovits_selected():
            self.check(
                open_if_missing=True, reason="The conversion could not run: the content encoder is missing."
            )

    def open_dialog(self) -> None:
        """Voice → Content encoder…: show the dialog with the current state."""
        self.check(open_if_missing=True)
        self.dialog.show()
        self.dialog.raise_()

    # --- jobs ----------------------------------------------------------------------------------------
    def check(self, open_if_missing: bool = False, reason: str = "") -> None:
        """Look for the encoder in the background."""
        self._open_if_missing, self._reason = open_if_missing, reason
        job = EncoderCheckJob()
        job.succeeded.connect(self._on_status)
        self.controller.runner.start(job)

    def _on_status(self, status: EncoderStatus) -> None:
        self.status = status
        if status.path is not None:
            if not self.dialog.busy:
                self.dialog.show_ready(status.path)
            return
        if self.dialog.busy:
            return
        self.dialog.show_needed(status.title, status.approx_mb, status.licence, status.homepage, self._reason)
        if self._sovits_selected():
            self.window.show_notice(
                NEEDED_TITLE,
                f"ContentVec, about {status.approx_mb} MB, downloaded "
                "once: Voice → Content encoder… (or use files you already have).",
            )
        if self._open_if_missing:
            self.dialog.show()
            self.dialog.raise_()

    def download(self) -> None:
        """Start (or resume) the download."""
        if self.job is not None:
            return
        job = EncoderDownloadJob(self.base_url)
        self._watch(job)
        job.progress.connect(self.dialog.show_progress)
        job.cancelled.connect(self._on_cancelled)
        self.dialog.show_started()
        self.controller.runner.start(job)

    def use_local(self, path: str) -> None:
        """Use a file or folder the user already has."""
        if self.job is not None:
            return
        job = EncoderLocalJob(path)
        self._watch(job)
        self.controller.runner.start(job)

    def cancel(self) -> None:
        """Stop the download (the part already fetched is kept: the next download resumes)."""
        if self.job is not None:
            self.job.request_cancel()

    def _watch(self, job: Any) -> None:
        job.succeeded.connect(self._on_ready)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self.job = job

    def _on_ready(self, path: str) -> None:
        self.dialog.show_ready(path)
        self.window.banner.hide()
        self.window.statusBar().showMessage("Content encoder ready: So-VITS-SVC voices can convert", 6000)
        self.encoder_ready.emit(path)

    def _on_failed(self, title: str, message: str) -> None:
        self.dialog.show_stopped(f"{title}: {message}")

    def _on_cancelled(self) -> None:
        self.dialog.show_stopped("Download cancelled. Press Download again to resume where it stopped.")

    def _on_finished(self) -> None:
        self.job = None


def attach_encoder(window: MainWindow, controller: Any) -> EncoderController:
    """Offer the content encoder from the window (menu, import, failed conversion)."""
    return EncoderController(window, controller)
