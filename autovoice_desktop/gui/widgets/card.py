"""A rounded card with a small caps title, the building block of the side panel."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class Card(QFrame):
    """QFrame#card with a title label and a vertical layout (`body`) for its content."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 12, 14, 14)
        self.body.setSpacing(8)
        self.title_label = QLabel(title.upper())
        self.title_label.setObjectName("cardTitle")
        self.body.addWidget(self.title_label)
