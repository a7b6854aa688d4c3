"""Saving the converted audio (wav/flac) on a worker thread: atomic, never over the input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from autovoice_desktop.workers.job import Job


class ExportJob(Job):
    """Writes `samples` to `path`; succeeds with the written Path."""

    title = "Could not save the file"

    def __init__(
        self,
        bridge: Any,
        path: str,
        samples: np.ndarray,
        sample_rate: int,
        protected: tuple[str, ...],
        subtype: str | None = None,
    ) -> None:
        super().__init__()
        self.bridge = bridge
        self.path = path
        self.samples = samples
        self.sample_rate = sample_rate
        self.protected = protected
        self.subtype = subtype  # "PCM_16", "PCM_24", "FLOAT" or None (the format's default)

    def work(self) -> Path:
        """Write the file."""
        self.report(0.0, "Saving")
        if self.subtype is None:
            return Path(self.bridge.save_audio(self.path, self.samples, self.sample_rate, self.protected))
        return Path(
            self.bridge.save_audio(
                self.path, self.samples, self.sample_rate, self.protected, subtype=self.subtype
            )
        )
