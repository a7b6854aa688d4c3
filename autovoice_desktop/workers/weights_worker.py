"""The content encoder So-VITS-SVC voices need, from the window: check, download (progress, cancel, resume,
verification: engine.download) or use local files. Each runs as a Job on a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autovoice_desktop.workers.job import Job


@dataclass(frozen=True)
class EncoderStatus:
    """Whether the content encoder is there, and what the download is (for the dialog's text)."""

    path: str | None
    title: str
    approx_mb: int
    licence: str
    homepage: str


class EncoderCheckJob(Job):
    """Succeeds with an EncoderStatus (file checks only: no network, no hashing)."""

    title = "Could not check the content encoder"

    def work(self) -> EncoderStatus:
        """Look for a usable content encoder."""
        from autovoice_desktop.engine import download
        from autovoice_desktop.engine.weights import DEFAULT_CONTENT_ENCODER, KNOWN_WEIGHTS

        spec = KNOWN_WEIGHTS[DEFAULT_CONTENT_ENCODER]
        found: Any = None
        for key in KNOWN_WEIGHTS:
            found = found or download.find_weights(key)
        return EncoderStatus(
            str(found) if found else None, spec.title, spec.approx_mb, spec.licence, spec.homepage
        )


class EncoderDownloadJob(Job):
    """Downloads the default content encoder (resumes a partial download); succeeds with its path."""

    title = "Could not download the content encoder"

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url  # a mirror (tests: a local server); None = the manifest's URLs

    def work(self) -> str:
        """Download with progress; cancel_event stops it (the partial file is kept for a resume)."""
        from autovoice_desktop.engine import download

        return str(
            download.ensure_weights(progress=self.report, cancel=self.cancel_event, base_url=self.base_url)
        )


class EncoderLocalJob(Job):
    """Registers files the user already has (a folder or a .pt); succeeds with the path."""

    title = "Could not use those files"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def work(self) -> str:
        """Check and remember the path (nothing is copied)."""
        from autovoice_desktop.engine import download

        return str(download.register_local_weights(self.path))
