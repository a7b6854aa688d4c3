"""Warnings a library logs while a job runs, collected so the window can show them (not only the log).

`warnings_logged(name)` attaches a handler to logger `name` for the duration of a `with` block and keeps
the messages of WARNING records emitted on the calling thread (other threads logging at the same time are
not mixed in). Used by the voice import: links skipped in an imported folder are logged by
`engine.sovits.import_scan`, the CLI prints them as `warning:` lines, the window shows them in its notice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Most messages kept (a folder may hold thousands of links; the log has them all).
MAX_NOTES = 20


class _ThreadWarnings(logging.Handler):
    """Keeps the messages of WARNING+ records emitted on one thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []
        self.total = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        self.total += 1
        if len(self.messages) < MAX_NOTES:
            try:
                self.messages.append(record.getMessage())
            except Exception:  # noqa: BLE001 - a bad format string must not break the job
                self.messages.append(str(record.msg))


@contextmanager
def warnings_logged(name: str) -> Iterator[_ThreadWarnings]:
    """Collect WARNING records of logger `name` (and its children) logged on this thread."""
    handler = _ThreadWarnings()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def summary(messages: list[str], total: int, limit: int = 3) -> str:
    """`messages` as one sentence: the first `limit`, then how many more."""
    shown = "; ".join(messages[:limit])
    more = total - min(limit, len(messages))
    return shown + (f"; and {more} more (see the log)" if more > 0 else "")
