"""Event-loop stall probe: a precise QTimer whose late ticks measure how long the GUI thread was blocked.

`max_stall_ms` is the raw figure. On Linux the probe also reads the GUI thread's run-queue delay
(/proc/thread-self/schedstat, 2nd field): time the thread was ready to run but the OS gave the CPU to
other processes. `max_own_stall_ms` subtracts it, which separates our own blocking (work on the GUI thread,
GIL held by a worker) from an overloaded machine (the shared 2-core test box runs five test suites).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer

_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _run_delay_ms() -> float:
    try:
        return int(_SCHEDSTAT.read_text().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_overloaded() -> bool:
    """More runnable processes than cores (1-minute load average)."""
    return os.getloadavg()[0] > (os.cpu_count() or 1)


class StallProbe(QObject):
    """Ticks every `interval_ms` on the GUI thread and records how late each tick was."""

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.gaps_ms: list[float] = []
        self.own_gaps_ms: list[float] = []
        self._last = 0.0
        self._last_delay = 0.0

    def start(self) -> None:
        self.gaps_ms.clear()
        self.own_gaps_ms.clear()
        self._last, self._last_delay = time.perf_counter(), _run_delay_ms()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now, delay = time.perf_counter(), _run_delay_ms()
        gap = (now - self._last) * 1000.0
        self.gaps_ms.append(gap)
        self.own_gaps_ms.append(gap - (delay - self._last_delay))
        self._last, self._last_delay = now, delay

    @property
    def max_stall_ms(self) -> float:
        """Longest gap beyond the interval."""
        return max((g - self.interval_ms for g in self.gaps_ms), default=0.0)

    @property
    def max_own_stall_ms(self) -> float:
        """Longest gap beyond the interval, less the time the OS kept the GUI thread waiting for a CPU."""
        return max((g - self.interval_ms for g in self.own_gaps_ms), default=0.0)

    def summary(self) -> str:
        return (
            f"max event-loop stall {self.max_stall_ms:.1f} ms raw, {self.max_own_stall_ms:.1f} ms "
            f"without OS run-queue wait, over {len(self.gaps_ms)} ticks "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )

    def check(self, limit_ms: float) -> None:
        """Fail if our own blocking exceeded `limit_ms`, or the raw figure did on a machine that is not
        overloaded (where raw and own are the same thing)."""
        assert self.max_own_stall_ms < limit_ms, self.summary()
        if not machine_overloaded():
            assert self.max_stall_ms < limit_ms, self.summary()
