"""PySide6 + pyqtgraph widgets: the main window, plots and dialogs. Never imports torch or the engine."""
