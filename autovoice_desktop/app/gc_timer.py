"""Python's cyclic garbage collector, run from a GUI-thread timer instead of at random allocation points.

Qt objects freed by the collector must be destroyed on the GUI thread; with automatic collection off, every
collection runs here. It also keeps the start fast: pyqtgraph has a class for this, but importing pyqtgraph
before the window is shown cost 0.5-1.4 s of the first launch (measured with `python -X importtime`).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Disables automatic collection and collects each generation whose threshold was passed, every
    `interval` seconds, on the thread that created it (the GUI thread)."""

    def __init__(self, interval: float = 0.5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(round(interval * 1000))
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold; objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return 0

    def stop(self) -> None:
        """Stop the timer and give collection back to Python (if it had it before)."""
        self.timer.stop()
        if self._was_enabled:
            gc.enable()
