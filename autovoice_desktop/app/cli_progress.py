"""Plain-text progress bars on stderr: one line with the current file's bar and the overall bar.

On a terminal the line is redrawn in place (carriage return). Elsewhere (a pipe, a log, CI) a new line is
printed when a bar moves by a tenth or the stage changes, and otherwise at most every PIPE_INTERVAL_S while
the work moves on, so a 3-hour file never sits silent at "0 %" for minutes. Below 10 % the percentage has
one decimal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from autovoice_desktop.core.text import printable

BAR_WIDTH = 20
_MIN_REDRAW_S = 0.1
#: Longest silence between two lines in a pipe while the fraction moves.
PIPE_INTERVAL_S = 2.0


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """ "[#####---------------]" for fraction 0.25."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def percent(fraction: float) -> str:
    """ "  3.2%" below 10 % (a long file moves slowly there), "  42%" above."""
    value = max(0.0, min(1.0, fraction)) * 100
    return f"{value:4.1f}%" if value < 10 else f"{value:4.0f}%"


class BatchProgress:
    """Progress of a batch of `total` files; call start_file, then update (as a ProgressFn), then end_file."""

    def __init__(
        self, total: int, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.index = 0
        self.name = ""
        self._last_key: tuple[int, str] | None = None
        self._last_draw = 0.0
        self._clock = clock
        self._last_line: tuple[float, str] | None = None

    def start_file(self, index: int, name: str) -> None:
        """File number index (0-based) begins."""
        self.index, self.name, self._last_key = index, printable(name, 60), None
        self.update(0.0, "loading")

    def update(self, fraction: float, stage: str) -> None:
        """ProgressFn: fraction of the current file done, and the stage name."""
        fraction = max(0.0, min(1.0, fraction))
        overall = (self.index + fraction) / max(self.total, 1)
        line = (
            f"{self.index + 1}/{self.total} {self.name} {bar(fraction)} {percent(fraction)} {stage:<16}"
            f" overall {bar(overall, 10)} {percent(overall)}"
        )
        now = self._clock()
        if self.interactive:
            if now - self._last_draw >= _MIN_REDRAW_S or fraction >= 1.0:
                self.stream.write("\r" + line)
                self.stream.flush()
                self._last_draw = now
            return
        key = (int(fraction * 10), stage)
        moved = self._last_line != (round(fraction, 3), stage)
        if key != self._last_key or (moved and now - self._last_draw >= PIPE_INTERVAL_S):
            self._last_key, self._last_draw = key, now
            self._last_line = (round(fraction, 3), stage)
            self.stream.write(line.rstrip() + "\n")
            self.stream.flush()

    def end_file(self) -> None:
        """Finish the current file's line (a terminal keeps the last drawn state)."""
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()
