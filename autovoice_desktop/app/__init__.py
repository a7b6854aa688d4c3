"""Composition root: command line, logging, QApplication, and the controller wiring window to workers."""
