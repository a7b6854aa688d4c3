"""Line icons from resources/icons/*.svg, tinted with the current theme's text colour."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from autovoice_desktop.core.paths import resource_path
from autovoice_desktop.gui.style import theme


@cache
def _svg(name: str) -> str:
    try:
        return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return ""


def _pixmap(name: str, colour: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    data = _svg(name).replace("currentColor", colour)
    if data:
        renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
    return pixmap


def icon(name: str, colour: str | None = None) -> QIcon:
    """Icon `name` in `colour` (default: the theme's text colour; disabled state in its muted colour)."""
    t = theme.current()
    result = QIcon()
    for size in (16, 24, 32, 48):
        result.addPixmap(_pixmap(name, colour or t.text, size), QIcon.Mode.Normal)
        result.addPixmap(_pixmap(name, t.muted, size), QIcon.Mode.Disabled)
    return result
