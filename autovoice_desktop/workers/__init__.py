"""QObject workers run in QThreads (QtCore only): conversion, model loading, recording."""

from autovoice_desktop.core.qt_compat import protect_bool_singletons

protect_bool_singletons()  # shiboken6 6.12.0 leaks a reference to True on every Signal.emit()
