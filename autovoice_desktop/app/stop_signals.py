"""SIGTERM and SIGHUP close the window the way its close button does (settings saved, sound and jobs stopped).

A logout, `kill PID` or a closed terminal sends these. Without a handler the process dies at once: settings
are lost and a sound stream or a job is cut mid-way. Python runs a signal handler only when the interpreter
next runs Python code, which never happens while Qt waits in its C++ event loop; so `StopSignals` keeps a
short QTimer that lets Python run, and its handler only records the signal (it touches no Qt object: it may
interrupt any Python code on the GUI thread). The timer's slot then closes the window: `closeEvent` emits
`closing`, the controller saves the settings, stops playback and recording and waits for its jobs (files
are written atomically, so a save is either whole or absent), and the application quits with exit code 0
as after a normal close. The first signal restores the default handlers, so a second one ends the process
at once (for a close that hangs).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

#: How often Python gets the chance to run a pending signal handler (ms): the close starts within this.
POLL_MS = 200


def _stop_signals() -> list[signal.Signals]:
    return [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]


class StopSignals(QObject):
    """Installs the handlers (main thread only) and closes `window` when one of the signals arrives."""

    def __init__(self, window: QWidget, poll_ms: int = POLL_MS) -> None:
        super().__init__(window)
        self.window = window
        self.received: int | None = None
        self._previous: dict[signal.Signals, Any] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self._check)
        if threading.current_thread() is not threading.main_thread():
            log.debug("stop signals not handled: the window was not built on the main thread")
            return
        for sig in _stop_signals():
            self._previous[sig] = signal.signal(sig, self._on_signal)
        self.timer.start()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """Only record it (no Qt call here); the timer's slot acts on it."""
        if self.received is None:
            self.received = signum
        for sig in self._previous:  # a second signal ends the process at once
            signal.signal(sig, signal.SIG_DFL)

    def _check(self) -> None:
        if self.received is None:
            return
        self.timer.stop()
        name = signal.Signals(self.received).name
        log.warning("%s received: closing the window (settings are saved, sound and jobs stopped)", name)
        self.window.close()

    def restore(self) -> None:
        """Put back the handlers that were there before (the window has closed)."""
        self.timer.stop()
        for sig, previous in self._previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()


def handle_stop_signals(window: QWidget) -> StopSignals:
    """Close `window` like its close button on SIGTERM / SIGHUP (see the module docstring)."""
    return StopSignals(window)
