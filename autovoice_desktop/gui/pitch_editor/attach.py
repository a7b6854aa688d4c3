"""Put the pitch editor into the main window: its toolbar above the pitch plot, an Edit menu after File."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMenu

from autovoice_desktop.gui.pitch_editor.editor import PitchEditor, install_edit_menu


def attach_editor(window: QMainWindow) -> tuple[PitchEditor, QMenu]:
    """Add the Edit menu now and, once the window's plots exist, wrap window.plots.pitch_plot in the editor
    (same place in the plot splitter)."""
    plots = window.plots
    editor = PitchEditor(None, window)

    def place() -> None:
        plot = plots.pitch_plot
        splitter = plots.splitter
        sizes = splitter.sizes()
        index = splitter.indexOf(plot)
        editor.container.layout().addWidget(plot, 1)
        editor.container.setMinimumHeight(plot.minimumHeight() + 30)
        splitter.insertWidget(index, editor.container)
        splitter.setSizes(sizes)
        editor.bind(plot)

    plots.when_built(place)
    return editor, install_edit_menu(window, editor)
