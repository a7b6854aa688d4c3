"""One-shot background jobs: a QObject whose `run()` executes on a QThread and reports through signals.

Concurrency design: `run()` runs on the job's own QThread; it calls `work()`, which does the slow part and
checks `cancel_event` between chunks. Signals cross back to the GUI thread as queued calls, so the GUI never
waits. Progress is throttled to about 20 updates a second. Exceptions never escape: an `AutoVoiceError`
becomes `failed(title, user message)`; anything else is logged with its trace and reported as an unexpected
error that points at the log file. `finished` is always emitted last.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import AutoVoiceError, ConversionCancelled
from autovoice_desktop.core.text import one_line

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05


def unexpected_message(exc: BaseException) -> str:
    """What the user sees for a bug: a one-line summary and where the details are."""
    summary = one_line(f"{type(exc).__name__}: {exc}", 160)
    return f"Something went wrong ({summary}). The details are in the log file: {paths.log_dir()}"


class Job(QObject):
    """Base class: subclasses set `title` and implement `work()`; the result goes out as `succeeded`."""

    title = "Background task"
    progress = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event = threading.Event()
        self._last_progress = 0.0
        self._last_stage = ""

    def request_cancel(self) -> None:
        """Ask the job to stop at its next check (thread-safe; call it directly, not through a signal)."""
        self.cancel_event.set()

    def report(self, fraction: float, stage: str) -> None:
        """Progress callback for the engine (throttled within a stage; the first update of each stage and the
        final one always go out)."""
        now = time.monotonic()
        recent = now - self._last_progress < PROGRESS_INTERVAL_S
        if fraction < 1.0 and stage == self._last_stage and self._last_progress and recent:
            return  # a new stage always goes out, or its label would be lost behind the previous one's
        self._last_progress, self._last_stage = now, stage
        self.progress.emit(float(fraction), stage)

    def work(self) -> Any:
        """Do the job on the worker thread and return its result."""
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        """Entry point on the worker thread."""
        try:
            result = self.work()
        except ConversionCancelled:
            log.info("%s: cancelled", self.title)
            self.cancelled.emit()
        except AutoVoiceError as exc:
            log.warning("%s: %s", self.title, exc.user_message(), exc_info=True)
            self.failed.emit(self.title, exc.user_message())
        except Exception as exc:  # noqa: BLE001 - a worker must never let an exception escape
            log.exception("%s: unexpected error", self.title)
            self.failed.emit(self.title, unexpected_message(exc))
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()
