"""An inline message bar above the plots: errors (red edge) and notices (accent edge), closable."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from autovoice_desktop.core.text import one_line
from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.style.icons import icon


class MessageBanner(QFrame):
    """Hidden until `show_message`; the close button hides it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "error")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self.icon_label = QLabel()
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: 600;")
        self.text_label = QLabel()
        self.text_label.setObjectName("bannerText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setObjectName("bannerClose")
        self.close_button.setIconSize(QSize(16, 16))
        self.close_button.setText("Close")
        self.close_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.title_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName("Message")
        self.refresh_icons()
        self.hide()

    def show_message(self, title: str, text: str, kind: str = "error") -> None:
        """Show `title`: `text`; kind "error" or "info" (control characters in names are shown escaped)."""
        title, text = one_line(title, 200), one_line(text)
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.refresh_icons()
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.setAccessibleDescription(f"{title}: {text}")
        self.show()

    def refresh_icons(self) -> None:
        """Tint the icons for the current theme (the close button in the full text colour, never faded)."""
        t = theme.current()
        kind = self.property("kind")
        self.close_button.setIcon(icon("close", t.text))
        self.icon_label.setPixmap(
            icon("warning" if kind == "error" else "info", t.danger if kind == "error" else t.accent).pixmap(
                20, 20
            )
        )

    @property
    def text(self) -> str:
        """The message shown (for tests and screen readers)."""
        return self.text_label.text() if self.isVisible() or not self.isHidden() else ""
