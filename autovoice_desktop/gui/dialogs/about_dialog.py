"""About AutoVoice: version, licences of the bundled components, and where the data lives."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from autovoice_desktop.core import paths

COMPONENTS = (
    ("Qt 6 / PySide6", "LGPL-3.0"),
    ("pyqtgraph", "MIT"),
    ("PyTorch", "BSD-3-Clause"),
    ("NumPy", "BSD-3-Clause"),
    ("SciPy", "BSD-3-Clause"),
    ("librosa", "ISC"),
    ("soundfile / libsndfile", "BSD-3-Clause / LGPL-2.1"),
    ("sounddevice / PortAudio", "MIT"),
    ("python-soxr / libsoxr", "LGPL-2.1"),
    ("pyworld / WORLD vocoder", "MIT / BSD-3-Clause"),
    ("transformers (ContentVec / HuBERT model code)", "Apache-2.0"),
    ("torchfcpe (FCPE pitch model)", "MIT"),
    ("platformdirs, tomli-w", "MIT"),
    ("So-VITS-SVC 4.x model format (svc-develop-team)", "AGPL-3.0 (reference implementation)"),
)


def data_folders() -> list[tuple[str, str]]:
    """(label, path) of every folder AutoVoice writes to."""
    return [
        ("Settings", str(paths.config_dir())),
        ("Imported voices", str(paths.voices_dir())),
        ("Cache (downloaded weights, recordings)", str(paths.cache_dir())),
        ("Log files", str(paths.log_dir())),
    ]


class AboutDialog(QDialog):
    """Non-blocking About box (open it with `.open()`)."""

    def __init__(self, version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About AutoVoice")
        self.setMinimumSize(520, 460)
        header = QLabel(
            f"<h2>AutoVoice Desktop {escape(version)}</h2>"
            "<p>Voice conversion with So-VITS-SVC voices and built-in WORLD voices, on an NVIDIA GPU or the "
            "CPU. MIT licence.</p>"
        )
        header.setWordWrap(True)
        rows = "".join(
            f"<tr><td>{escape(n)}</td><td>&nbsp;&nbsp;{escape(lic)}</td></tr>" for n, lic in COMPONENTS
        )
        folders = "".join(
            f"<tr><td>{escape(label)}</td><td>&nbsp;&nbsp;<a href='{QUrl.fromLocalFile(p).toString()}'>"
            f"{escape(p)}</a></td></tr>"
            for label, p in data_folders()
        )
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(QDesktopServices.openUrl)
        self.details.setHtml(
            f"<h3>Bundled components</h3><table>{rows}</table><h3>Data folders</h3><table>{folders}</table>"
        )
        self.details.setAccessibleName("Licences and data folders")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)
