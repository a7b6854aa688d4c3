"""Composition root: command line, logging, QApplication and the controller that wires the window to workers."""
