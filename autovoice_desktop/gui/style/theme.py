"""Dark and light themes: a Fusion palette, a style sheet built from the same colours, plot colours.

Everything that has a colour asks `current()` for it, so switching theme is `apply_theme(app, "light")`
followed by each widget's `apply_theme()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from autovoice_desktop.core import paths


@dataclass(frozen=True)
class Theme:
    """Colours of one theme (hex strings)."""

    name: str
    window: str
    panel: str
    card: str
    border: str
    text: str
    muted: str
    accent: str
    accent_text: str
    danger: str
    plot_bg: str
    grid: str
    wave_in: str
    wave_out: str
    f0_in: str
    f0_target: str
    f0_out: str
    playhead: str


DARK = Theme(
    name="dark",
    window="#15171c",
    panel="#1c1f26",
    card="#232730",
    border="#323743",
    text="#e6e8ee",
    muted="#9aa1b1",
    accent="#6c5ce7",
    accent_text="#ffffff",
    danger="#f26d6d",
    plot_bg="#181a20",
    grid="#3a4050",
    wave_in="#5fb4f5",
    wave_out="#b392f0",
    f0_in="#5fb4f5",
    f0_target="#f2c14e",
    f0_out="#e86fb0",
    playhead="#ff5c5c",
)
LIGHT = Theme(
    name="light",
    window="#f3f4f7",
    panel="#ffffff",
    card="#f7f8fb",
    border="#d9dce4",
    text="#1d2130",
    muted="#5d6475",
    accent="#5b4bd6",
    accent_text="#ffffff",
    danger="#c93c3c",
    plot_bg="#ffffff",
    grid="#c9cdd8",
    wave_in="#1f78c8",
    wave_out="#7a4fd0",
    f0_in="#1f78c8",
    f0_target="#b27800",
    f0_out="#c2307d",
    playhead="#d92020",
)
THEMES = {"dark": DARK, "light": LIGHT}
_current: Theme = DARK


def current() -> Theme:
    """The theme in use."""
    return _current


def _palette(t: Theme) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: t.window,
        QPalette.ColorRole.WindowText: t.text,
        QPalette.ColorRole.Base: t.card,
        QPalette.ColorRole.AlternateBase: t.panel,
        QPalette.ColorRole.Text: t.text,
        QPalette.ColorRole.Button: t.card,
        QPalette.ColorRole.ButtonText: t.text,
        QPalette.ColorRole.Highlight: t.accent,
        QPalette.ColorRole.HighlightedText: t.accent_text,
        QPalette.ColorRole.ToolTipBase: t.card,
        QPalette.ColorRole.ToolTipText: t.text,
        QPalette.ColorRole.PlaceholderText: t.muted,
        QPalette.ColorRole.Link: t.accent,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(t.muted))
    return p


_ARROW_PATHS = {"down": "M1 1.2 L5 4.8 L9 1.2", "up": "M1 4.8 L5 1.2 L9 4.8"}


def arrow_images(t: Theme, folder: Path) -> dict[str, str]:
    """Chevron images for combo and spin boxes in `t`'s colours, written to `folder` once (style sheets take
    images only from files): {"down": path, "up": path, "down-disabled": …, "up-disabled": …}. Without them
    the Fusion style draws no arrow at all on the styled boxes (combo boxes looked like text fields)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for direction, path in _ARROW_PATHS.items():
        for state, colour in (("", t.text), ("-disabled", t.border)):
            svg = (
                '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="6" viewBox="0 0 10 6">'
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6" stroke-linecap="round" '
                'stroke-linejoin="round"/></svg>'
            )
            target = folder / f"arrow-{direction}-{colour.lstrip('#')}.svg"
            if not target.is_file() or target.read_text(encoding="utf-8") != svg:
                target.write_text(svg, encoding="utf-8")
            files[direction + state] = target.as_posix()
    return files


def _arrow_rules(arrows: dict[str, str] | None) -> str:
    if not arrows:
        return ""
    size = "width: 10px; height: 6px;"
    down, up = f'url("{arrows["down"]}")', f'url("{arrows["up"]}")'
    down_off, up_off = f'url("{arrows["down-disabled"]}")', f'url("{arrows["up-disabled"]}")'
    return (
        f"QComboBox::down-arrow, QAbstractSpinBox::down-arrow {{ image: {down}; {size} }}\n"
        f"QAbstractSpinBox::up-arrow {{ image: {up}; {size} }}\n"
        f"QComboBox::down-arrow:disabled, QAbstractSpinBox::down-arrow:disabled {{ image: {down_off}; }}\n"
        f"QAbstractSpinBox::up-arrow:disabled {{ image: {up_off}; }}"
    )


def style_sheet(t: Theme, arrows: dict[str, str] | None = None) -> str:
    """The application style sheet for theme `t` (`arrows`: images from `arrow_images`)."""
    arrow_rules = _arrow_rules(arrows)
    return f"""
QMainWindow, QDialog {{ background: {t.window}; }}
QWidget {{ font-size: 10pt; }}
QFrame#sidePanel, QFrame#sideColumn {{ background: {t.panel}; }}
QFrame#sideColumn {{ border-right: 1px solid {t.border}; }}
QFrame#sideFooter {{ background: {t.panel}; border-top: 1px solid {t.border}; }}
QFrame#card {{ background: {t.card}; border: 1px solid {t.border}; border-radius: 10px; }}
QFrame#plotsPanel {{ background: {t.window}; }}
QLabel#cardTitle {{ color: {t.muted}; font-size: 8.5pt; font-weight: 600; letter-spacing: 1px; }}
QLabel#fileName {{ font-size: 11pt; font-weight: 600; }}
QLabel#muted, QLabel#fileMeta {{ color: {t.muted}; }}
QLabel#valueLabel {{ color: {t.text}; font-weight: 600; min-width: 56px; }}
QLabel#resultLabel {{ color: {t.muted}; }}
QPushButton, QToolButton {{
    background: {t.card}; color: {t.text}; border: 1px solid {t.border}; border-radius: 7px;
    padding: 6px 12px;
}}
QPushButton:hover, QToolButton:hover {{ border-color: {t.accent}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {t.muted}; background: {t.panel}; }}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QSlider:focus, QDoubleSpinBox:focus,
QCheckBox:focus {{ outline: none; border: 1px solid {t.accent}; }}
QPushButton#primary {{
    background: {t.accent}; color: {t.accent_text}; border: none; font-weight: 600; padding: 9px 16px;
}}
QPushButton#primary:disabled {{ background: {t.border}; color: {t.muted}; }}
QToolButton:checked {{ background: {t.accent}; color: {t.accent_text}; border-color: {t.accent}; }}
QComboBox, QDoubleSpinBox, QSpinBox {{
    background: {t.window}; color: {t.text}; border: 1px solid {t.border}; border-radius: 6px;
    padding: 4px 8px; min-height: 20px;
}}
QComboBox::drop-down {{ border: none; width: 22px; }}
{arrow_rules}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{
    subcontrol-origin: border; width: 18px; background: transparent; border: none;
}}
QAbstractSpinBox::up-button {{ subcontrol-position: top right; }}
QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; }}
QComboBox QAbstractItemView {{
    background: {t.card}; color: {t.text}; selection-background-color: {t.accent};
}}
QSlider::groove:horizontal {{ height: 4px; background: {t.border}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: {t.accent}; border-radius: 2px; }}
QSlider::handle:horizontal {{
    background: {t.accent}; width: 14px; height: 14px; margin: -6px 0; border-radius: 7px;
}}
QSlider::handle:horizontal:disabled, QSlider::sub-page:horizontal:disabled {{ background: {t.muted}; }}
QProgressBar {{
    background: {t.window}; border: 1px solid {t.border}; border-radius: 6px; text-align: center;
    color: {t.text}; min-height: 18px;
}}
QProgressBar::chunk {{ background: {t.accent}; border-radius: 5px; }}
QStatusBar {{ background: {t.panel}; color: {t.muted}; border-top: 1px solid {t.border}; }}
QStatusBar QLabel {{ color: {t.muted}; }}
QFrame#banner {{ background: {t.card}; border: 1px solid {t.danger}; border-radius: 8px; }}
QFrame#banner[kind="info"] {{ border-color: {t.accent}; }}
QLabel#bannerText {{ color: {t.text}; }}
QToolButton#bannerClose {{ background: {t.panel}; border: 1px solid {t.border}; padding: 3px; }}
QToolButton#bannerClose:hover {{ border-color: {t.accent}; }}
QSplitter::handle {{ background: {t.border}; }}
QMenuBar {{ background: {t.panel}; color: {t.text}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {t.accent}; color: {t.accent_text}; }}
QMenu {{ background: {t.card}; color: {t.text}; border: 1px solid {t.border}; }}
QToolTip {{ background: {t.card}; color: {t.text}; border: 1px solid {t.border}; padding: 4px; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: {t.border}; border-radius: 3px; min-height: 30px; }}
QScrollBar::handle:vertical:hover {{ background: {t.muted}; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QToolButton:checked:disabled {{ background: {t.border}; color: {t.muted}; border-color: {t.border}; }}
QScrollArea {{ background: transparent; border: none; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
"""


def apply_theme(app: QApplication, name: str) -> Theme:
    """Switch `app` to theme `name` ("dark" or "light"); returns the theme."""
    global _current
    _current = THEMES.get(name, DARK)
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    try:
        arrows: dict[str, str] | None = arrow_images(_current, paths.cache_dir() / "style")
    except OSError:  # a read-only cache: boxes without arrows, as before
        arrows = None
    app.setStyleSheet(style_sheet(_current, arrows))
    return _current
