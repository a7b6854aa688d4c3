"""The batch window: a queue of files with per-item status and progress, an output folder, Start/Cancel.

It only shows state and emits intents (`start_requested(paths, folder)`, `cancel_requested()`,
`removed(row)`); app.batch runs the conversions and calls the `set_*` methods back.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".w64", ".caf", ".rf64")
AUDIO_FILTER = "Audio files (" + " ".join(f"*{s}" for s in AUDIO_SUFFIXES) + ");;All files (*)"
QUEUED, CONVERTING, DONE, FAILED, SKIPPED, CANCELLED = (
    "Queued",
    "Converting",
    "Done",
    "Failed",
    "Skipped",
    "Cancelled",
)


def audio_files_in(paths: list[str]) -> list[str]:
    """The audio files among `paths`; a folder gives its audio files (not recursive, sorted by name)."""
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
            found += sorted(str(p) for p in inside)
        elif path.suffix.lower() in AUDIO_SUFFIXES:
            found.append(str(path))
    return found


class BatchDialog(QDialog):
    """Non-modal; rows are queue items in order (row index = item index of the running batch)."""

    start_requested = Signal(list, str)
    cancel_requested = Signal()
    removed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch conversion — AutoVoice")
        self.setAcceptDrops(True)
        self.setMinimumSize(640, 420)
        self.resize(780, 480)
        self.paths: list[str] = []
        self.running = False
        self.folder = ""
        self.voice_label = QLabel("")
        self.voice_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["File", "Status", "Progress"])
        self.table.setAccessibleName("Batch queue")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "Done: speech…0000.higher.wav"
        self.table.setWordWrap(False)  # wrapped, the status read "Done: …" (the name on an unseen 2nd line)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, 220)
        self.add_files_button = self._button("Add files…", "Add audio files to the queue", self.ask_files)
        self.add_folder_button = self._button(
            "Add folder…", "Add every audio file of a folder", self.ask_folder
        )
        self.remove_button = self._button(
            "Remove", "Remove the selected files from the queue", self.remove_selected
        )
        self.folder_label = QLabel("Output folder: not chosen")
        self.folder_label.setWordWrap(True)
        self.folder_button = self._button(
            "Output folder…", "Where the converted files are written", self.ask_folder_out
        )
        self.start_button = self._button(
            "Convert all", "Convert the queued files with the current voice", self._start
        )
        self.start_button.setObjectName("primary")
        self.cancel_button = self._button("Cancel", "Stop after the current chunk", self.cancel_requested)
        self.summary = QLabel("Drop files or a folder here, or use Add files…")
        layout = QVBoxLayout(self)
        layout.addWidget(self.voice_label)
        row = QHBoxLayout()
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        out = QHBoxLayout()
        out.addWidget(self.folder_label, 1)
        out.addWidget(self.folder_button)
        layout.addLayout(out)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.start_button)
        layout.addLayout(bottom)
        self.refresh()

    def _button(self, text: str, tip: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        return button

    # --- queue ---------------------------------------------------------------------------------------
    def add_paths(self, paths: list[str]) -> int:
        """Queue the audio files among `paths` (folders give their files); returns how many were added."""
        added = 0
        for path in audio_files_in(paths):
            if path in self.paths:
                continue
            self.paths.append(path)
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = QTableWidgetItem(Path(path).name)
            name.setToolTip(path)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(QUEUED))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(0)
            self.table.setCellWidget(row, 2, bar)
            added += 1
        if added and not self.folder:
            self.set_folder(str(Path(self.paths[0]).parent))
        self.refresh()
        return added

    def remove_selected(self) -> None:
        """Remove the selected rows that are not converting (a running batch skips them)."""
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            if self.status(row) == CONVERTING:
                continue
            if self.running:  # rows keep their item index while a batch runs: mark, do not delete
                self.set_status(row, "Removed")
                self.removed.emit(row)
            else:
                self.table.removeRow(row)
                del self.paths[row]
        self.refresh()

    def status(self, row: int) -> str:
        """The status text of `row` (first word: Queued, Converting, Done, Failed, …)."""
        item = self.table.item(row, 1)
        return item.text().split(":", 1)[0] if item is not None else ""

    def status_text(self, row: int) -> str:
        """The full status text of `row` (with the message of a failure)."""
        item = self.table.item(row, 1)
        return item.text() if item is not None else ""

    def set_status(self, row: int, text: str, tooltip: str = "") -> None:
        """Show `text` as the status of `row`."""
        item = QTableWidgetItem(text)
        item.setToolTip(tooltip or text)
        self.table.setItem(row, 1, item)

    def set_progress(self, row: int, fraction: float) -> None:
        """Progress of `row` (0…1)."""
        bar = self.table.cellWidget(row, 2)
        if isinstance(bar, QProgressBar):
            bar.setValue(round(min(1.0, max(0.0, fraction)) * 1000))

    # --- choices -------------------------------------------------------------------------------------
    def ask_files(self) -> None:
        """Choose audio files to queue."""
        paths, _ = QFileDialog.getOpenFileNames(self, "Add audio files", self.folder, AUDIO_FILTER)
        self.add_paths(paths)

    def ask_folder(self) -> None:
        """Choose a folder whose audio files are queued."""
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of audio files", self.folder)
        if folder:
            self.add_paths([folder])

    def ask_folder_out(self) -> None:
        """Choose the output folder."""
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.folder)
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        """The output folder."""
        self.folder = folder
        self.folder_label.setText(f"Output folder: {folder}")
        self.folder_label.setToolTip(folder)

    def ask_existing(self, names: list[str]) -> str:
        """Some outputs exist: "replace", "skip" or "cancel"."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Files already exist",
            f"{len(names)} output file(s) already exist, e.g. {names[0]}.",
            parent=self,
        )
        replace_button = box.addButton("Replace them", QMessageBox.ButtonRole.AcceptRole)
        skip_button = box.addButton("Skip those files", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "replace" if clicked is replace_button else "skip" if clicked is skip_button else "cancel"

    # --- state ---------------------------------------------------------------------------------------
    def set_voice_text(self, text: str) -> None:
        """Which voice and settings a batch uses."""
        self.voice_label.setText(text)

    def set_running(self, running: bool) -> None:
        """A batch started (True) or ended (False)."""
        self.running = running
        self.refresh()

    def refresh(self) -> None:
        """Enable what can be used now and count the queue."""
        pending = [r for r in range(self.table.rowCount()) if self.status(r) in (QUEUED, CANCELLED)]
        self.start_button.setEnabled(not self.running and bool(pending))
        self.start_button.setToolTip(
            "Convert the queued files with the current voice" if pending else "Add files first"
        )
        self.cancel_button.setEnabled(self.running)
        self.add_folder_button.setEnabled(not self.running)
        self.add_files_button.setEnabled(not self.running)
        self.folder_button.setEnabled(not self.running)
        counts = {
            s: sum(self.status(r) == s for r in range(self.table.rowCount())) for s in (QUEUED, DONE, FAILED)
        }
        if self.table.rowCount():
            self.summary.setText(
                f"{self.table.rowCount()} file(s): {counts[DONE]} done, "
                f"{counts[FAILED]} failed, {counts[QUEUED]} queued"
            )

    def _start(self) -> None:
        rows = [r for r in range(self.table.rowCount()) if self.status(r) in (QUEUED, CANCELLED)]
        if rows and self.folder:
            self.start_requested.emit(rows, self.folder)
        elif not self.folder:
            self.summary.setText("Choose an output folder first")

    # --- drag and drop -------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Accept local files and folders."""
        if event.mimeData().hasUrls() and not self.running:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Queue the dropped files (folders give their audio files)."""
        self.add_paths([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        """Delete removes the selected rows."""
        key = getattr(event, "key", lambda: None)()
        if key == Qt.Key.Key_Delete:
            self.remove_selected()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]
