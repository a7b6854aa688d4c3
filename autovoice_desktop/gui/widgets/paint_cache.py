"""Curves drawn from a pixmap cache, so moving the playhead does not re-stroke them.

Measured (offscreen, 1000x700 plots, 10-minute file: three pitch curves of 60 000 points, widths 1.5-3 px,
one dashed): one playhead step repainted the pitch plot in 485 ms without a cache and 21.5 ms with one
(`/tmp/bench_playhead.py` of issue 15, see docs/gui.md). Playback moves the playhead ~30 times a second, so
without the cache the GUI thread was saturated during playback of long files. The cache is rebuilt only
when a curve's data or the view (zoom, pan, resize) changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QGraphicsItem


def cache_curves(curves: Iterable[QGraphicsItem]) -> None:
    """Let Qt paint each of `curves` from a device-pixel cache."""
    for curve in curves:
        curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
