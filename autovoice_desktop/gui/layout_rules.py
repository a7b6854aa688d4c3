"""Minimum sizes from the content: the window never gets so small that labels or buttons are cut.

The side column is at least as wide as its widest card needs (plus the scroll bar); the plots side at least
as wide as the transport bar needs. The window's minimum is the sum, recomputed when a card is added.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QMainWindow, QScrollArea, QStyle, QWidget

MIN_SIDE_WIDTH = 300
MIN_HEIGHT = 600  # the Convert card, a few side-panel rows, the transport and three readable plots


def fit_minimum_sizes(
    window: QMainWindow,
    side: QWidget,
    side_column: QFrame,
    side_scroll: QScrollArea,
    right: QWidget,
    handle: int = 1,
) -> tuple[int, int]:
    """Set the side column's and the window's minimum sizes from their content; returns (width, height)."""
    scroll_bar = side_scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    side_width = max(MIN_SIDE_WIDTH, side.minimumSizeHint().width() + scroll_bar + 4)
    side_column.setMinimumWidth(side_width)
    right_width = right.minimumSizeHint().width()
    width = side_width + right_width + handle
    window.setMinimumSize(width, MIN_HEIGHT)
    return width, MIN_HEIGHT
