"""The edited target curve, its selection and its undo history (QUndoStack: one step per edit).

`PitchCurveModel` holds the detected target F0 (what the voice would sing without edits) and the edited one,
both (T,) Hz on the voice's frame grid `times` (T,) s, 0 = unvoiced. Edits go through `apply(name, f0)`, which
pushes a `CurveEdit` (only the changed frames are stored); parameter changes are `ParamsEdit`s on the same
stack, so Ctrl+Z walks back through both in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack


class PitchCurveModel(QObject):
    """Detected and edited curves, selection, undo stack. `curve_changed(start_s, stop_s)` after every change
    of the edited curve (the span that changed); `selection_changed()` when the selection moves."""

    curve_changed = Signal(float, float)
    selection_changed = Signal()
    reset_done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.times = np.zeros(0)
        self.detected = np.zeros(0)
        self.edited = np.zeros(0)
        self.selection: tuple[float, float] | None = None

    # --- state -------------------------------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        """No curve yet (nothing converted)."""
        return self.times.size == 0

    @property
    def frame_s(self) -> float:
        """Frame period of the grid in seconds."""
        return float(np.median(np.diff(self.times))) if self.times.size > 1 else 0.01

    def is_edited(self) -> bool:
        """Whether the edited curve differs from the detected one."""
        return bool(self.times.size) and not np.array_equal(self.edited, self.detected)

    def set_curve(self, times: np.ndarray, detected: np.ndarray, edited: np.ndarray | None = None) -> None:
        """Start over on a new detected curve (clears the history and the selection)."""
        self.stack.clear()
        self.times = np.asarray(times, dtype=np.float64).copy()
        self.detected = np.asarray(detected, dtype=np.float64).copy()
        self.edited = self.detected.copy() if edited is None else np.asarray(edited, dtype=np.float64).copy()
        self.selection = None
        self.reset_done.emit()
        self.selection_changed.emit()

    def replace_detected(self, detected: np.ndarray) -> None:
        """A new detected curve on the same grid while nothing is edited (history kept)."""
        self.detected = np.asarray(detected, dtype=np.float64).copy()
        self.edited = self.detected.copy()
        self.reset_done.emit()

    def clear(self) -> None:
        """Forget everything (a new input)."""
        self.set_curve(np.zeros(0), np.zeros(0))

    def select(self, start_s: float, stop_s: float) -> None:
        """Select [start_s, stop_s] (either order); a span shorter than one frame clears the selection."""
        lo, hi = sorted((float(start_s), float(stop_s)))
        self.selection = (lo, hi) if hi - lo >= self.frame_s else None
        self.selection_changed.emit()

    def span_mask(self) -> np.ndarray:
        """(T,) bool: frames in the selection (all frames when nothing is selected)."""
        if self.selection is None:
            return np.ones(self.times.shape, dtype=bool)
        lo, hi = self.selection
        return (self.times >= lo) & (self.times <= hi)

    # --- edits -------------------------------------------------------------------------------------------
    def apply(self, name: str, f0: np.ndarray) -> bool:
        """Make `f0` (T,) the edited curve as one undo step called `name`; False if nothing changed."""
        f0 = np.asarray(f0, dtype=np.float64)
        changed = np.flatnonzero(f0 != self.edited)
        if changed.size == 0:
            return False
        lo, hi = int(changed[0]), int(changed[-1]) + 1
        self.stack.push(CurveEdit(self, name, lo, self.edited[lo:hi].copy(), f0[lo:hi].copy()))
        return True

    def write(self, lo: int, values: np.ndarray) -> None:
        """Set edited[lo : lo + len(values)] and announce the change (used by CurveEdit)."""
        hi = lo + len(values)
        self.edited[lo:hi] = values
        pad = self.frame_s
        self.curve_changed.emit(float(self.times[lo]) - pad, float(self.times[hi - 1]) + pad)


class CurveEdit(QUndoCommand):
    """One edit of the curve: frames [lo, lo + len(after)) go from `before` to `after`."""

    def __init__(
        self, model: PitchCurveModel, name: str, lo: int, before: np.ndarray, after: np.ndarray
    ) -> None:
        super().__init__(name)
        self.model, self.lo, self.before, self.after = model, lo, before, after

    def redo(self) -> None:
        """Apply the edit."""
        self.model.write(self.lo, self.after)

    def undo(self) -> None:
        """Take it back."""
        self.model.write(self.lo, self.before)

    def to_json(self) -> dict[str, Any]:
        """For project files."""
        return {
            "kind": "curve",
            "name": self.text(),
            "lo": self.lo,
            "before": self.before.tolist(),
            "after": self.after.tolist(),
        }


class ParamsEdit(QUndoCommand):
    """A parameter change (transpose, formant, voice…): `apply(params)` shows and uses those parameters."""

    def __init__(
        self,
        name: str,
        apply: Callable[[Any], None],
        before: Any,
        after: Any,
        encode: Callable[[Any], Any] | None = None,
        *,
        applied: bool = True,
    ) -> None:
        super().__init__(name)
        self.apply_params, self.before, self.after = apply, before, after
        self.encode = encode
        self._first = applied  # True: the change is already shown (the user just made it)

    def redo(self) -> None:
        """The first redo is the change the user just made (already shown); later ones re-apply it."""
        if self._first:
            self._first = False
            return
        self.apply_params(self.after)

    def undo(self) -> None:
        """Back to the previous parameters."""
        self.apply_params(self.before)

    def to_json(self) -> dict[str, Any]:
        """For project files."""
        encode = self.encode or (lambda value: value)
        return {
            "kind": "params",
            "name": self.text(),
            "before": encode(self.before),
            "after": encode(self.after),
        }
