"""Keyboard and wheel rules of the main window, as media players have them.

- Space is play/pause whatever has the focus (a button, a check box, a combo box, a slider, a plot), except
  in a text field, where it types a space. The control with the focus never sees that Space, so it can no
  longer start a recording, open a device list or toggle a check box by accident.
- Enter/Return presses the focused button or toggles the focused check box (the keyboard way to press
  them now that Space plays).
- Combo boxes, sliders and spin boxes take the mouse wheel only when they have the focus (click or Tab
  first); otherwise the wheel scrolls the panel under them.

One application-wide event filter does all of it, so controls added later (by other cards) follow the same
rules without registering. It acts only on widgets inside the window it was installed for.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

WHEEL_GUARDED = (QComboBox, QAbstractSlider, QAbstractSpinBox)
TEXT_FIELDS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def is_text_field(widget: QWidget | None) -> bool:
    """True for controls that type text (Space must reach them): line edits, text edits, spin boxes,
    editable combo boxes."""
    if widget is None:
        return False
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, TEXT_FIELDS)


def _wheel_guarded(widget: object) -> bool:
    """Controls that must not change value under a passing wheel (scroll bars always scroll)."""
    return isinstance(widget, WHEEL_GUARDED) and not isinstance(widget, QScrollBar)


def _scroll_instead(widget: QWidget, event: QEvent) -> None:
    """Give a wheel event that `widget` must not take to the scroll area around it (if any)."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        QApplication.sendEvent(parent.viewport(), event)
    else:
        event.ignore()  # not accepted: Qt passes a real wheel event on to the parent


def _is_bare(event: QKeyEvent, keys: tuple[Qt.Key, ...]) -> bool:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() in keys and mods == Qt.KeyboardModifier.NoModifier


class WindowInputRules(QObject):
    """The application event filter behind `install_input_rules` (a child of the window)."""

    def __init__(self, window: QWidget, play_action: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.play_action = play_action

    def _ours(self, watched: QObject) -> QWidget | None:
        """`watched` as a widget of our window (not a popup or dialog of it), else None."""
        if isinstance(watched, QWidget) and watched.window() is self.window:
            return watched
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Apply the rules; True means the event was handled here."""
        kind = event.type()
        if kind == QEvent.Type.Polish and _wheel_guarded(watched):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:  # the wheel must not grab the focus
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind == QEvent.Type.Wheel:
            widget = self._ours(watched)
            if _wheel_guarded(widget) and not widget.hasFocus():
                _scroll_instead(widget, event)
                return True
            return False
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not isinstance(event, QKeyEvent):
            return False
        widget = self._ours(watched)
        if widget is None or widget is not QApplication.focusWidget():
            return False
        if _is_bare(event, (Qt.Key.Key_Space,)) and not is_text_field(widget):
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # the window's Space shortcut stays out; the key press comes here instead
            elif kind == QEvent.Type.KeyPress and not event.isAutoRepeat() and self.play_action.isEnabled():
                self.play_action.trigger()
            return True
        is_button = isinstance(widget, QAbstractButton)
        if kind == QEvent.Type.KeyPress and is_button and _is_bare(event, ENTER_KEYS):
            if widget.isEnabled():
                widget.click()  # a check box toggles, a button presses
            return True
        return False


class FocusKeeper:
    """Keeps the keyboard focus across a busy spell: disabling the panels would otherwise leave nothing
    focused, and the keyboard user would have to find their place again."""

    def __init__(self, window: QWidget, fallback: QWidget) -> None:
        self.window, self.fallback = window, fallback
        self._saved: QWidget | None = None

    def save(self) -> None:
        """Remember the focused widget of the window (call before disabling controls)."""
        focus = QApplication.focusWidget()
        if focus is not None and focus.window() is self.window:
            self._saved = focus

    def restore(self) -> None:
        """Give the focus back (or to the fallback when that control is gone or disabled)."""
        saved, self._saved = self._saved, None
        if QApplication.focusWidget() is not None and QApplication.focusWidget().window() is self.window:
            return  # the user moved on meanwhile
        target = saved if saved is not None and saved.isVisible() and saved.isEnabled() else self.fallback
        if target.isEnabled():
            target.setFocus(Qt.FocusReason.OtherFocusReason)


def install_input_rules(window: QWidget, play_action: QAction) -> WindowInputRules:
    """Install the Space / Enter / wheel rules for `window` (removed when the window is destroyed)."""
    rules = WindowInputRules(window, play_action)
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(rules)
    for control in window.findChildren(QWidget):
        if _wheel_guarded(control) and control.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return rules
