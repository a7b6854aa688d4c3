"""Recording reachable in the default layout: the input card's Record button and Ctrl+R bring the Record
card into view (the side panel scrolls to it) and start a take there."""

from __future__ import annotations

from PySide6.QtCore import QObject

from autovoice_desktop.gui.main_window import MainWindow
from autovoice_desktop.gui.record_panel import RecordPanel


class RecordAccess(QObject):
    """Lives on the GUI thread (child of the panel); its slots are called by GUI-thread signals only."""

    def __init__(self, window: MainWindow, panel: RecordPanel) -> None:
        super().__init__(panel)
        self.window, self.panel = window, panel
        window.input_card.record_button.show()
        window.input_card.record_clicked.connect(self.record)
        panel.record_requested.connect(self.reveal)

    def reveal(self, *_: object) -> None:
        """Scroll the side panel so the whole Record card is in view."""
        self.window.side_scroll.ensureWidgetVisible(self.panel, 0, 12)

    def record(self) -> None:
        """Show the Record card and start a take (or stop the running one)."""
        self.reveal()
        self.panel.record_button.setFocus()
        self.panel.toggle_recording()


def link_record_access(window: MainWindow, panel: RecordPanel) -> RecordAccess:
    """Add the input card's Record button and the scrolling to the record panel."""
    return RecordAccess(window, panel)
