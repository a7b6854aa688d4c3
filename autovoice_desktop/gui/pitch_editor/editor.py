"""Makes the pitch plot an editor: selection, drag up/down, freehand drawing and the toolbar's tools.

While "Edit pitch" is on, the left mouse button belongs to the editor (the wheel still zooms):
- Select tool: drag across the plot to select a span; drag inside the selection up or down to move its pitch
  in semitone steps (hold Shift for cents); a click without dragging moves the playhead.
- Draw tool: drag to draw the pitch freehand.
Every edit is one undo step on `model.stack`. The edited curve is drawn solid and bold over the detected
(dashed) target curve; `curve_edited(start_s, stop_s)` says which span must be re-rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QVBoxLayout, QWidget

from autovoice_desktop.gui.pitch_editor import curve_ops
from autovoice_desktop.gui.pitch_editor.model import PitchCurveModel
from autovoice_desktop.gui.pitch_editor.toolbar import PitchToolbar
from autovoice_desktop.gui.style import theme

if TYPE_CHECKING:
    import pyqtgraph as pg

    from autovoice_desktop.gui.widgets.pitch_plot import PitchPlot

CLICK_PIXELS = 4  # a press and release closer than this is a click, not a drag


def _describe_shift(semitones: float) -> str:
    if abs(semitones) == 12:
        return "Octave up" if semitones > 0 else "Octave down"
    if abs(semitones - round(semitones)) > 1e-9:
        return f"Move pitch {semitones * 100:+.0f} cents"
    return f"Move pitch {semitones:+.0f} semitone{'s' if abs(semitones) != 1 else ''}"


class PitchEditor(QObject):
    """The editing behaviour added to a PitchPlot; `container` holds the toolbar above the plot."""

    curve_edited = Signal(float, float)

    def __init__(self, plot: PitchPlot | None, parent: QObject | None = None) -> None:
        """`plot` may come later (`bind`): the window builds its plots after it is first shown."""
        super().__init__(parent)
        self.plot: PitchPlot | None = None
        self.model = PitchCurveModel(self)
        self.toolbar = PitchToolbar()
        self.container = QWidget()
        layout = QVBoxLayout(self.container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toolbar)
        self.editing = False
        self.tool = "select"
        self._press: tuple[QPointF, float, float] | None = None  # (viewport pos, time, note) at the press
        self._mode = ""  # "select", "move" or "draw" while the button is down
        self._stroke: list[tuple[float, float]] = []
        self.edited_item: pg.PlotCurveItem | None = None
        self.region: pg.LinearRegionItem | None = None
        self._connect()
        if plot is not None:
            self.bind(plot)

    def bind(self, plot: PitchPlot) -> None:
        """Draw on `plot` and take its mouse: the edited curve and the selection band are added to it."""
        import pyqtgraph as pg  # only once the plots exist (start-up time)

        self.plot = plot
        self.edited_item = pg.PlotCurveItem(connect="finite", name="Edited F0")
        self.edited_item.setZValue(20)
        plot.addItem(self.edited_item)
        self.region = pg.LinearRegionItem(movable=True)
        self.region.setZValue(-10)
        self.region.setVisible(False)
        plot.addItem(self.region, ignoreBounds=True)
        self.region.sigRegionChangeFinished.connect(self._on_region_moved)
        plot.viewport().installEventFilter(self)
        self.apply_theme()
        self.set_editing(self.editing)
        self._redraw()
        self._show_selection()

    def _connect(self) -> None:
        t, m = self.toolbar, self.model
        t.edit_toggled.connect(self.set_editing)
        t.tool_changed.connect(self.set_tool)
        t.shift.connect(self.shift)
        t.snap.connect(self.snap)
        t.flatten.connect(self.flatten)
        t.vibrato.connect(self.reduce_vibrato)
        t.voiced.connect(self.set_voiced)
        t.reset.connect(self.reset)
        m.curve_changed.connect(self._on_curve_changed)
        m.reset_done.connect(self._redraw)
        m.selection_changed.connect(self._show_selection)

    def apply_theme(self) -> None:
        """Colours: the edited curve in the accent colour, the selection as a translucent band."""
        if self.edited_item is None or self.region is None:
            return
        import pyqtgraph as pg

        t = theme.current()
        self.edited_item.setPen(pg.mkPen(t.accent, width=3.5))
        fill = QColor(t.accent)
        fill.setAlpha(45)
        self.region.setBrush(pg.mkBrush(fill))
        for line in self.region.lines:
            line.setPen(pg.mkPen(t.accent, width=1.5))

    # --- state -------------------------------------------------------------------------------------------
    def set_curve(self, times: np.ndarray, detected: np.ndarray, edited: np.ndarray | None = None) -> None:
        """A new detected target curve (after a conversion without edits, or from a project)."""
        self.model.set_curve(times, detected, edited)
        self.toolbar.set_available(not self.model.empty)

    def clear(self) -> None:
        """A new input: no curve, no history."""
        self.model.clear()
        self.toolbar.set_available(False)

    def edited_curve(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(times, Hz) of the edited curve, or None when it equals the detected one."""
        return (self.model.times, self.model.edited.copy()) if self.model.is_edited() else None

    def set_editing(self, on: bool) -> None:
        """Turn the mouse tools on or off."""
        self.editing = bool(on)
        if self.plot is not None:
            self.plot.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def set_tool(self, tool: str) -> None:
        """ "select" or "draw"."""
        self.tool = tool

    def set_status(self, text: str) -> None:
        """A short state line next to the tools (e.g. "Re-rendering 1.2–2.3 s…")."""
        self.toolbar.status.setText(text)

    # --- tools on the selection --------------------------------------------------------------------------
    def shift(self, semitones: float) -> None:
        """Move the selection's pitch by `semitones`."""
        self._apply(_describe_shift(semitones), curve_ops.shift(self.model.edited, self._span(), semitones))

    def snap(self, key: str, scale: str) -> None:
        """Snap the selection to the nearest notes of `key` `scale`."""
        self._apply(f"Snap to {key} {scale}", curve_ops.snap(self.model.edited, self._span(), key, scale))

    def flatten(self, percent: float) -> None:
        """Pull each note of the selection toward its centre by `percent`."""
        self._apply(f"Flatten {percent:.0f} %", curve_ops.flatten(self.model.edited, self._span(), percent))

    def reduce_vibrato(self, percent: float) -> None:
        """Reduce the selection's vibrato by `percent`."""
        edited = curve_ops.reduce_vibrato(self.model.edited, self._span(), percent, self.model.frame_s)
        self._apply(f"Reduce vibrato {percent:.0f} %", edited)

    def set_voiced(self, voiced: bool) -> None:
        """Mark the selection voiced or unvoiced."""
        edited = curve_ops.set_voiced(self.model.edited, self.model.detected, self._span(), voiced)
        self._apply("Mark voiced" if voiced else "Mark unvoiced", edited)

    def reset(self) -> None:
        """The detected pitch back on the selection."""
        self._apply("Reset span", curve_ops.reset(self.model.edited, self.model.detected, self._span()))

    def draw(self, points: list[tuple[float, float]]) -> None:
        """Freehand stroke: (time s, MIDI note) points."""
        self._apply("Draw pitch", curve_ops.draw(self.model.edited, self.model.times, points))

    def _span(self) -> np.ndarray:
        return self.model.span_mask()

    def _apply(self, name: str, edited: np.ndarray) -> None:
        if not self.model.empty:
            self.model.apply(name, edited)

    # --- drawing -----------------------------------------------------------------------------------------
    def _on_curve_changed(self, start_s: float, stop_s: float) -> None:
        self._redraw()
        self.curve_edited.emit(start_s, stop_s)

    def _redraw(self, preview: np.ndarray | None = None) -> None:
        """Draw the edited curve where it differs from the detected one (and one frame either side)."""
        if self.edited_item is None:
            return
        curve = preview if preview is not None else self.model.edited
        if curve.size == 0:
            self.edited_item.setData([], [])
            return
        differs = curve != self.model.detected
        shown = differs | np.roll(differs, 1) | np.roll(differs, -1)
        midi = np.where(shown, curve_ops.to_midi(curve), np.nan)
        self.edited_item.setData(self.model.times, midi)

    def _show_selection(self) -> None:
        if self.region is None:
            return
        selection = self.model.selection
        self.region.setVisible(selection is not None)
        if selection is not None:
            self.region.blockSignals(True)
            self.region.setRegion(selection)
            self.region.blockSignals(False)

    def _on_region_moved(self) -> None:
        lo, hi = self.region.getRegion()
        self.model.select(lo, hi)

    # --- mouse -------------------------------------------------------------------------------------------
    def to_view(self, viewport_pos: QPointF) -> tuple[float, float]:
        """(seconds, MIDI note) under a viewport position."""
        view = self.plot.getPlotItem().getViewBox()
        point = view.mapSceneToView(self.plot.mapToScene(viewport_pos.toPoint()))
        return float(point.x()), float(point.y())

    def to_viewport(self, seconds: float, note: float) -> QPointF:
        """Viewport position of (seconds, MIDI note) (tests drive the mouse with it)."""
        view = self.plot.getPlotItem().getViewBox()
        return QPointF(self.plot.mapFromScene(view.mapViewToScene(QPointF(seconds, note))))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """While editing, left-button presses, moves and releases on the plot are the editor's."""
        kind = event.type()
        if not self.editing or self.model.empty or not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._begin(event)
            return True
        if kind == QEvent.Type.MouseMove and self._press is not None:
            self._extend(event)
            return True
        if kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            if self._press is not None:
                self._finish(event)
            return True
        return kind == QEvent.Type.MouseButtonDblClick

    def _begin(self, event: QMouseEvent) -> None:
        seconds, note = self.to_view(event.position())
        self._press = (event.position(), seconds, note)
        selection = self.model.selection
        if self.tool == "draw":
            self._mode, self._stroke = "draw", [(seconds, note)]
        elif selection is not None and selection[0] <= seconds <= selection[1]:
            self._mode = "move"
        else:
            self._mode = "select"

    def _moved_semitones(self, note: float, event: QMouseEvent) -> float:
        delta = note - self._press[2] if self._press else 0.0
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            return round(delta * 100.0) / 100.0
        return float(round(delta))

    def _extend(self, event: QMouseEvent) -> None:
        seconds, note = self.to_view(event.position())
        if self._mode == "select":
            self.region.setVisible(True)
            self.region.blockSignals(True)
            self.region.setRegion(sorted((self._press[1], seconds)))
            self.region.blockSignals(False)
        elif self._mode == "move":
            preview = curve_ops.shift(self.model.edited, self._span(), self._moved_semitones(note, event))
            self._redraw(preview)
        elif self._mode == "draw":
            self._stroke.append((seconds, note))
            self._redraw(curve_ops.draw(self.model.edited, self.model.times, self._stroke))

    def _finish(self, event: QMouseEvent) -> None:
        start_pos, start_s, _ = self._press
        seconds, note = self.to_view(event.position())
        moved = (event.position() - start_pos).manhattanLength() >= CLICK_PIXELS
        semitones = self._moved_semitones(note, event)
        mode, self._press, self._mode = self._mode, None, ""
        if mode == "draw":
            self.draw([*self._stroke, (seconds, note)] if moved else self._stroke)
        elif not moved:
            self._redraw()
            self.plot.seek_requested.emit(min(max(0.0, seconds), max(self.plot.duration, 0.0)))
        elif mode == "select":
            self.model.select(start_s, seconds)
        elif mode == "move":
            if semitones:
                self.shift(semitones)
            else:
                self._redraw()


def install_edit_menu(window: QMainWindow, editor: PitchEditor) -> QMenu:
    """An Edit menu after File with Undo/Redo (Ctrl+Z / Ctrl+Shift+Z) that name the step."""
    stack = editor.model.stack
    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcuts([QKeySequence("Ctrl+Z")])
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for action in (undo, redo):
        window.addAction(action)
    menu = QMenu("&Edit", window)
    menu.addAction(undo)
    menu.addAction(redo)
    bar = window.menuBar()
    actions = bar.actions()
    if len(actions) > 1:
        bar.insertMenu(actions[1], menu)
    else:
        bar.addMenu(menu)
    menu.undo_action, menu.redo_action = undo, redo  # type: ignore[attr-defined]
    return menu
