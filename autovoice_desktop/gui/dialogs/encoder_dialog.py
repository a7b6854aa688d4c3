"""The content-encoder dialog: what So-VITS-SVC voices still need, and three ways to get it — download it
(size, progress with time left, cancel; a later download resumes), or use a local file or folder."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from autovoice_desktop.gui.widgets.convert_card import time_left


class EncoderDialog(QDialog):
    """Emits intents; app.encoder runs the jobs and calls the `show_*` methods back."""

    download_requested = Signal()
    local_requested = Signal(str)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Content encoder — AutoVoice")
        self.setMinimumWidth(520)
        self.busy = False
        self._started = 0.0
        self.text = QLabel("Checking…")
        self.text.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Download progress")
        self.progress.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("primary")
        self.download_button.clicked.connect(self._download)
        self.file_button = QPushButton("Use a local file…")
        self.file_button.setToolTip("checkpoint_best_legacy_500.pt or RVC's hubert_base.pt")
        self.file_button.clicked.connect(self.ask_file)
        self.folder_button = QPushButton("Use a local folder…")
        self.folder_button.setToolTip("A content-vec-best folder: config.json + pytorch_model.bin")
        self.folder_button.clicked.connect(self.ask_folder)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        for button in (self.download_button, self.file_button, self.folder_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)

    # --- intents -------------------------------------------------------------------------------------
    def _download(self) -> None:
        self.download_requested.emit()

    def _cancel_or_close(self) -> None:
        if self.busy:
            self.cancel_requested.emit()
        else:
            self.close()

    def ask_file(self) -> None:
        """Choose a checkpoint file."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Content encoder file", "", "Checkpoints (*.pt *.bin);;All (*)"
        )
        if path:
            self.local_requested.emit(path)

    def ask_folder(self) -> None:
        """Choose a content-vec-best folder."""
        path = QFileDialog.getExistingDirectory(self, "content-vec-best folder")
        if path:
            self.local_requested.emit(path)

    # --- state ---------------------------------------------------------------------------------------
    def show_needed(self, title: str, approx_mb: int, licence: str, homepage: str, reason: str = "") -> None:
        """The encoder is missing: say what it is, how big, and the choices."""
        lead = f"{reason}\n\n" if reason else ""
        self.text.setText(
            f"{lead}So-VITS-SVC voices need a content encoder, downloaded once: {title}, "
            f"about {approx_mb} MB "
            f"({licence}, {homepage}). After that AutoVoice works offline. An interrupted download resumes "
            "where it stopped. If you already have the files, use them instead."
        )
        self._set_busy(False)
        self.status.setText("")
        self._fit()

    def show_ready(self, path: str) -> None:
        """The encoder is there."""
        self.text.setText(f"The content encoder is ready: {path}\nSo-VITS-SVC voices can convert now.")
        self._set_busy(False)
        self.download_button.setEnabled(False)
        self.progress.hide()
        self._fit()

    def show_started(self) -> None:
        """A download started."""
        self._started = time.monotonic()
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Connecting…")
        self._set_busy(True)
        self._fit()

    def show_progress(self, fraction: float, stage: str) -> None:
        """Download progress (stage names the file and the MB so far)."""
        fraction = min(1.0, max(0.0, fraction))
        self.progress.setValue(round(fraction * 1000))
        left = time_left(time.monotonic() - self._started, fraction)
        self.progress.setFormat(f"{fraction * 100:.0f}%")
        self.status.setText(stage + (f" · {left}" if left else ""))
        self._fit()

    def show_stopped(self, message: str) -> None:
        """The download or the check of local files failed, or was cancelled."""
        self._set_busy(False)
        self.status.setText(message)
        self._fit()

    def _fit(self) -> None:
        """Grow to the wrapped text (a shown dialog keeps its size otherwise: the text was cut off) and keep
        it from being made smaller than that."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        self.setMinimumHeight(needed)
        if self.height() < needed:
            self.resize(self.width(), needed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in (self.download_button, self.file_button, self.folder_button):
            button.setEnabled(not busy)
        self.cancel_button.setText("Cancel download" if busy else "Close")
