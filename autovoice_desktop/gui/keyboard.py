"""Keyboard details: Space is play/pause, except for the control that has the focus and uses Space itself."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QComboBox, QWidget


class KeepSpaceForFocusedControl(QObject):
    """Event filter: a focused button, check box or combo box keeps Space (press / toggle / open)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Accept the shortcut override for a bare Space, so the focused control gets the key."""
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Space and not event.modifiers()):
            event.accept()
        return False


def keep_space_for_focused_controls(
    root: QWidget, exclude: Iterable[QWidget] = ()
) -> KeepSpaceForFocusedControl:
    """Install the filter on every button and combo box under `root` (keep the returned object alive)."""
    skipped = set(map(id, exclude))
    keeper = KeepSpaceForFocusedControl(root)
    for control in root.findChildren(QAbstractButton) + root.findChildren(QComboBox):
        if id(control) not in skipped:
            control.installEventFilter(keeper)
    return keeper
