"""QObject workers run in QThreads (QtCore only): conversion, model loading, recording."""
