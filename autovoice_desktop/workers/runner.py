"""Starts jobs on their own QThreads and takes care of their whole lifecycle.

`start(job)` moves the job to a new QThread, connects started → run and finished → quit, and hands both to
a ThreadKeeper (workers/thread_keeper.py), which keeps them until the thread has exited; the runner only
tracks which jobs are still running. `shutdown()` cancels every job and waits
for the threads, so closing the window never destroys a running QThread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QThread

from autovoice_desktop.workers.job import Job
from autovoice_desktop.workers.thread_keeper import keep_until_finished

log = logging.getLogger(__name__)


class JobRunner(QObject):
    """Owner of the running jobs' threads."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[QThread, Job] = {}

    @property
    def active(self) -> list[Job]:
        """Jobs whose thread has not finished yet."""
        return list(self._running.values())

    def start(self, job: Job) -> Job:
        """Run `job` on a new thread; returns it (connect its signals before or right after)."""
        thread = QThread()
        thread.setObjectName(type(job).__name__)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        # Direct: quit() is thread-safe, and a queued call would wait for the GUI thread, which may be in
        # shutdown() waiting for this very thread.
        job.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)  # queued: runs on this object's (GUI) thread
        self._running[thread] = job
        keep_until_finished(thread, job)  # survives this runner: a running QThread is never deleted
        # Low priority where the OS honours it per thread (Windows, macOS). No per-thread nice on Linux: a
        # worker preempted while it holds the GIL would keep the GUI thread waiting (priority inversion).
        thread.start(QThread.Priority.LowPriority)
        return job

    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            self._running.pop(thread, None)  # the ThreadKeeper lets thread and job go once it has exited

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job and wait for its thread; True if all stopped in time."""
        for job in self._running.values():
            job.request_cancel()
        ok = True
        for thread in list(self._running):
            thread.quit()
            if not thread.wait(timeout_ms):
                log.error("worker thread %s did not stop within %d ms", thread.objectName(), timeout_ms)
                ok = False
                continue
            self._running.pop(thread, None)
        return ok
