"""PySide6 + pyqtgraph widgets: the main window, plots and dialogs. Never imports torch or the engine."""

from autovoice_desktop.core.qt_compat import protect_bool_singletons

protect_bool_singletons()  # shiboken6 6.12.0 leaks a reference to True on every Signal.emit()
