"""Batch conversion from the window: File → Batch convert…, or several audio files dropped at once.

The BatchDialog (gui) shows the queue; a BatchJob (workers) converts the queued files one after another
with the window's current voice and parameters, into the chosen folder, named by the CLI's rule
(core.naming.output_name: <stem>.<slug>.wav). Existing outputs are never replaced without asking.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from autovoice_desktop.audio.output_check import check_output_folder
from autovoice_desktop.core.errors import OutputError
from autovoice_desktop.core.naming import output_name, voice_slug
from autovoice_desktop.gui.batch_dialog import CANCELLED, CONVERTING, DONE, FAILED, SKIPPED, BatchDialog
from autovoice_desktop.gui.main_window import MainWindow
from autovoice_desktop.workers.batch_worker import BatchItem, BatchJob


class BatchController(QObject):
    """Owns the batch dialog and the running BatchJob (one at a time). Lives on the GUI thread."""

    batch_ended = Signal(str)  # "done" or "cancelled"

    def __init__(self, window: MainWindow, controller: Any) -> None:
        super().__init__(window)
        self.window, self.controller = window, controller
        self.dialog = BatchDialog(window)
        self.job: BatchJob | None = None
        self.dialog.start_requested.connect(self.start)
        self.dialog.cancel_requested.connect(self.cancel)
        self.dialog.removed.connect(self.remove)
        self.action = QAction("&Batch convert…", window)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.action.setStatusTip("Convert many files (or a folder) with the current voice")
        self.action.triggered.connect(self.show)
        window.addAction(self.action)
        for entry in window.menuBar().actions():
            menu = entry.menu()
            if menu is not None and window.actions_.open in menu.actions():
                menu.insertAction(window.actions_.save, self.action)
        window.batch_files_dropped.connect(self.show_with)
        window.batch_available = True

    def show(self) -> None:
        """Open the batch window (non-modal) with the current voice described."""
        voice = self.window.voice_panel.current_voice()
        params = self.window.voice_panel.params()
        f0 = params.f0_method or "voice default"
        text = (
            f"Voice: {voice.name} · transpose {params.transpose:+g} · F0 {f0} · device {params.device}"
            if voice
            else "Choose a voice in the main window first"
        )
        self.dialog.set_voice_text(text)
        self.dialog.show()
        self.dialog.raise_()

    def show_with(self, paths: list[str]) -> None:
        """Several files were dropped on the window: queue them and show the batch window."""
        self.dialog.add_paths(list(paths))
        self.show()

    def targets(self, rows: list[int], folder: str) -> dict[int, str]:
        """Output path of each row, by the CLI's naming rule."""
        voice = self.window.voice_panel.current_voice()
        slug = voice_slug(voice) if voice else "converted"
        return {row: str(Path(folder) / output_name(self.dialog.paths[row], slug)) for row in rows}

    def start(self, rows: list[int], folder: str) -> None:
        """Start converting `rows` into `folder` (asks first when outputs exist)."""
        voice = self.window.voice_panel.current_voice()
        if self.job is not None or voice is None:
            return
        if getattr(self.controller, "conversion_job", None) is not None:
            self.dialog.summary.setText("A conversion is running in the main window: wait for it first")
            return
        targets = self.targets(rows, folder)
        if not self._folder_usable(targets):
            return
        existing = [row for row, path in targets.items() if Path(path).exists()]
        if existing:
            answer = self.dialog.ask_existing([Path(targets[r]).name for r in existing])
            if answer == "cancel":
                return
            if answer == "skip":
                for row in existing:
                    self.dialog.set_status(row, f"{SKIPPED}: {Path(targets[row]).name} exists")
                    del targets[row]
        if not targets:
            self.dialog.refresh()
            return
        items = [BatchItem(row, self.dialog.paths[row], path) for row, path in targets.items()]
        job = BatchJob(self.controller.bridge, voice.voice_id, self.window.voice_panel.params(), items)
        job.item_started.connect(self._on_started)
        job.item_progress.connect(self.dialog.set_progress)
        job.item_done.connect(self._on_done)
        job.item_failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        job.failed.connect(self._on_job_failed)
        job.finished.connect(self._on_finished)
        self.job = job
        self.dialog.set_running(True)
        self.window.set_busy(True)
        self.controller.runner.start(job)

    def _folder_usable(self, targets: dict[int, str]) -> bool:
        """The CLI's check before converting: the output folder can be opened and written (else say why)."""
        try:
            for target in {Path(path).parent: path for path in targets.values()}.values():
                check_output_folder(Path(target))  # one empty file created and removed: cheap
        except OutputError as exc:
            self.dialog.summary.setText(exc.user_message())  # the sentence `autovoice convert` prints
            self.window.statusBar().showMessage(exc.user_message(), 8000)
            return False
        return True

    def cancel(self) -> None:
        """Stop the batch at the current item's next chunk."""
        if self.job is not None:
            self.job.request_cancel()
            self.dialog.summary.setText("Cancelling…")

    def remove(self, row: int) -> None:
        """A queued row was removed while the batch runs: skip it."""
        if self.job is not None:
            self.job.skip(row)

    def _on_started(self, row: int) -> None:
        self.dialog.set_status(row, CONVERTING)
        self.dialog.table.scrollToItem(self.dialog.table.item(row, 0))

    def _on_done(self, row: int, path: str) -> None:
        self.dialog.set_status(row, f"{DONE}: {Path(path).name}", path)
        self.dialog.set_progress(row, 1.0)
        self.dialog.refresh()

    def _on_failed(self, row: int, message: str) -> None:
        self.dialog.set_status(row, f"{FAILED}: {message}", message)
        self.dialog.refresh()

    def _on_cancelled(self) -> None:
        for row in range(self.dialog.table.rowCount()):
            if self.dialog.status(row) == CONVERTING:
                self.dialog.set_status(row, CANCELLED)
                self.dialog.set_progress(row, 0.0)
        self.batch_ended.emit("cancelled")

    def _on_job_failed(self, title: str, message: str) -> None:
        self.dialog.summary.setText(f"{title}: {message}")

    def _on_finished(self) -> None:
        cancelled = self.job is not None and self.job.cancel_event.is_set()
        self.job = None
        self.dialog.set_running(False)
        self.window.set_busy(False)
        if not cancelled:
            self.batch_ended.emit("done")


def attach_batch(window: MainWindow, controller: Any) -> BatchController:
    """Add File → Batch convert… and multi-file drops to `window`."""
    return BatchController(window, controller)
