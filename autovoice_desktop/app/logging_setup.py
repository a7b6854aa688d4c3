"""Logging: a rotating file in core.paths.log_dir() (full detail, tracebacks) and short lines on stderr."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from autovoice_desktop.core import paths
from autovoice_desktop.core.text import one_line

LOG_FILE_NAME = "autovoice.log"
_FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_MAX_BYTES = 2_000_000
_BACKUPS = 3
_HANDLER_TAG = "_autovoice_handler"
#: Longest record written to the file (message + traceback): far below _MAX_BYTES, so one record can never
#: push a log file past its size limit (RotatingFileHandler writes a record whole, whatever its size).
MAX_RECORD_CHARS = 64_000
#: Longest "warning: …" line on the console.
_MAX_CONSOLE_CHARS = 2_000
#: `log.error(..., extra={FILE_ONLY: True})` goes to the log file but not to the console (the CLI prints
#: its own one-line summary of the same failure).
FILE_ONLY = "autovoice_file_only"


def log_file() -> Path:
    """Path of the current log file."""
    return paths.log_dir() / LOG_FILE_NAME


def configure(*, debug: bool = False, console: bool = True) -> Path | None:
    """Set up the root logger once per call (earlier AutoVoice handlers are replaced).

    The file gets DEBUG and up; stderr gets WARNING and up (DEBUG with debug=True) as "warning: …" lines.
    Returns the log file path, or None if the log folder cannot be written (logging then goes to stderr only).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_TAG, False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG)
    path: Path | None = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
        file_handler.setFormatter(_BoundedFormatter(_FILE_FORMAT))
        file_handler.setLevel(logging.DEBUG)
        setattr(file_handler, _HANDLER_TAG, True)
        root.addHandler(file_handler)
    except OSError:
        path = None
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.DEBUG if debug else logging.WARNING)
        stream.setFormatter(_ConsoleFormatter())
        stream.addFilter(lambda record: not getattr(record, FILE_ONLY, False))
        setattr(stream, _HANDLER_TAG, True)
        root.addHandler(stream)
    for noisy in ("numba", "matplotlib", "urllib3", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


class _BoundedFormatter(logging.Formatter):
    """The file format, cut in the middle to MAX_RECORD_CHARS (a huge path or repr never floods the log)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if len(text) > MAX_RECORD_CHARS:
            half = MAX_RECORD_CHARS // 2
            text = f"{text[:half]}\n[… {len(text) - 2 * half} characters left out …]\n{text[-half:]}"
        return text


class _ConsoleFormatter(logging.Formatter):
    """ "warning: message" on one line, control characters escaped (no traceback: the file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        return one_line(f"{record.levelname.lower()}: {record.getMessage()}", _MAX_CONSOLE_CHARS)
