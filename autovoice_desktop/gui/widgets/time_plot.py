"""Base of the time plots: themed pyqtgraph plot with a playhead, x-only mouse zoom/pan and click-to-seek."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from autovoice_desktop.gui.style import theme


class TimeAxis(pg.AxisItem):
    """Seconds shown as m:ss.s when the view spans more than a minute."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        """Labels for the tick values."""
        if not values or max(abs(v) for v in values) < 60:
            return super().tickStrings(values, scale, spacing)
        out = []
        for v in values:
            minutes, seconds = divmod(max(0.0, v), 60)
            fine = f"{int(minutes)}:{seconds:04.1f}"
            out.append(fine if spacing < 1 else f"{int(minutes)}:{int(seconds):02d}")
        return out


class TimePlot(pg.PlotWidget):
    """A plot over time in seconds with a playhead; a plain left click emits `seek_requested(seconds)`."""

    seek_requested = Signal(float)

    def __init__(
        self, title: str, parent: QWidget | None = None, left_axis: pg.AxisItem | None = None
    ) -> None:
        axes = {"bottom": TimeAxis(orientation="bottom")}
        if left_axis is not None:
            axes["left"] = left_axis
        super().__init__(parent=parent, axisItems=axes)
        self._title = title
        self.duration = 0.0
        self.setAccessibleName(title)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.getPlotItem().setContentsMargins(4, 4, 8, 4)
        self.getAxis("left").setWidth(52)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=False)
        self.playhead.setZValue(100)
        self.playhead.setVisible(False)
        self.addItem(self.playhead, ignoreBounds=True)
        self.placeholder = pg.TextItem(anchor=(0.5, 0.5))
        self.addItem(self.placeholder, ignoreBounds=True)
        self.getPlotItem().getViewBox().sigRangeChanged.connect(self._centre_placeholder)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.apply_theme()

    def apply_theme(self) -> None:
        """Recolour background, axes, title and playhead from the current theme."""
        t = theme.current()
        self.setBackground(t.plot_bg)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setPen(pg.mkPen(t.grid))
            axis.setTextPen(pg.mkPen(t.muted))
        self.setTitle(self._title, color=t.muted, size="9pt")
        self.playhead.setPen(pg.mkPen(t.playhead, width=2))
        self.placeholder.setColor(t.muted)

    def set_placeholder(self, text: str) -> None:
        """Show `text` in the middle of the (empty) plot; "" hides it."""
        self.placeholder.setText(text)
        self.placeholder.setVisible(bool(text))
        self._centre_placeholder()

    def _centre_placeholder(self, *_: object) -> None:
        """Keep the placeholder in the middle of the view (the range changes after a long file loads)."""
        if self.placeholder.isVisible():
            (x0, x1), (y0, y1) = self.viewRange()
            self.placeholder.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def set_duration(self, seconds: float) -> None:
        """Limit panning to [0, seconds] (plus a small margin)."""
        self.duration = max(seconds, 0.0)
        if self.duration > 0:
            self.setLimits(xMin=-0.02 * self.duration, xMax=1.02 * self.duration, minXRange=0.005)

    def set_playhead(self, seconds: float | None) -> None:
        """Move the playhead to `seconds`; None hides it."""
        if seconds is None:
            self.playhead.setVisible(False)
            return
        self.playhead.setVisible(True)
        self.playhead.setValue(seconds)

    def _on_click(self, event) -> None:  # noqa: ANN001 - pyqtgraph MouseClickEvent
        if event.button() != Qt.MouseButton.LeftButton or event.double() or self.duration <= 0:
            return
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        seconds = view.mapSceneToView(event.scenePos()).x()
        self.seek_requested.emit(min(max(0.0, seconds), self.duration))
