"""Showing a finished conversion in steps, one per event-loop turn, so the GUI thread never stalls long.

Drawing the output waveform, three pitch curves (60 000 points each for a 10-minute file) and handing the
sources to the player each take tens to hundreds of milliseconds on a loaded machine; done in one slot they
added up to one long stall (playback and the playhead froze). A single-shot 0 ms QTimer owned by this
object runs one step, then yields to the event loop (paints, the playhead, input) before the next.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

Step = Callable[[], None]


class StepRunner(QObject):
    """Runs queued steps on the GUI thread, one per event-loop turn; a new `run` replaces what is left."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._steps: list[Step] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._next)

    @property
    def pending(self) -> int:
        """Steps not run yet."""
        return len(self._steps)

    def run(self, steps: list[Step]) -> None:
        """Run `steps` in order, the first on the next event-loop turn (drops the rest of an earlier run)."""
        self._steps = list(steps)
        self.timer.start()

    def cancel(self) -> None:
        """Drop the steps not run yet (the input changed, the window closes)."""
        self._steps = []
        self.timer.stop()

    def _next(self) -> None:
        if not self._steps:
            return
        step = self._steps.pop(0)
        if self._steps:
            self.timer.start()  # before the step: a step that starts a new run replaces what is left
        step()
