"""Put the pitch editor into the main window: its toolbar above the pitch plot, an Edit menu after File."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMenu

from autovoice_desktop.gui.pitch_editor.editor import PitchEditor, install_edit_menu


def attach_editor(window: QMainWindow) -> tuple[PitchEditor, QMenu]:
    """Wrap window.plots.pitch_plot in the editor (same place in the plot splitter) and add the Edit menu."""
    plots = window.plots
    plot = plots.pitch_plot
    splitter = plots.splitter
    sizes = splitter.sizes()
    index = splitter.indexOf(plot)
    editor = PitchEditor(plot, window)
    editor.container.layout().addWidget(plot, 1)
    editor.container.setMinimumHeight(plot.minimumHeight() + 30)
    splitter.insertWidget(index, editor.container)
    splitter.setSizes(sizes)
    return editor, install_edit_menu(window, editor)
