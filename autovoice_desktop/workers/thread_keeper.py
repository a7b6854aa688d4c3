"""Keeps each QThread, and the QObject working on it, alive until the thread has really exited.

Qt aborts the whole process ("QThread: Destroyed while thread is still running") when a running QThread is
deleted: by its Qt parent being deleted, or by Python dropping the last reference to a thread it owns.
`QThread.finished` is also emitted from the worker thread *before* that thread has exited, so deleting the
objects in reaction to it races the thread's own shutdown. A `ThreadKeeper` holds both objects in a
process-wide set, independent of any window or controller, and lets them go only after `wait()` returned on
the thread that started them. At interpreter exit, threads still running are waited for (bounded).
"""

from __future__ import annotations

import atexit
import contextlib
import logging

from PySide6.QtCore import QObject, QThread, Slot

log = logging.getLogger(__name__)

_EXIT_WAIT_MS = 10_000


class ThreadKeeper(QObject):
    """Owner of one (thread, worker) pair until the thread has exited (see `keep_until_finished`)."""

    _alive: set[ThreadKeeper] = set()

    def __init__(self, thread: QThread, worker: QObject) -> None:
        super().__init__()  # no parent: lives on the starting thread, outlives windows and controllers
        self.thread, self.worker = thread, worker
        thread.finished.connect(self._release)  # queued: runs on the starting (GUI) thread
        ThreadKeeper._alive.add(self)

    @Slot()
    def _release(self) -> None:
        with contextlib.suppress(RuntimeError):  # C++ side already deleted by its owner: it had finished
            self.thread.wait()
        ThreadKeeper._alive.discard(self)

    @classmethod
    def running(cls) -> int:
        """How many kept threads have not been released yet."""
        return len(cls._alive)


def keep_until_finished(thread: QThread, worker: QObject) -> ThreadKeeper:
    """Keep `thread` and `worker` alive until the thread has exited (call before thread.start())."""
    return ThreadKeeper(thread, worker)


@atexit.register
def _wait_for_kept_threads() -> None:
    for keeper in list(ThreadKeeper._alive):
        with contextlib.suppress(RuntimeError):
            if keeper.thread.isRunning() and not keeper.thread.wait(_EXIT_WAIT_MS):
                log.error("thread %s still running at exit", keeper.thread.objectName())
