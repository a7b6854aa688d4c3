"""Combo and spin boxes show their arrows in both themes (the styled boxes had none: they looked like text
fields, and the spin buttons were blank squares)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QComboBox, QDoubleSpinBox

from autovoice_desktop.gui.style import theme


def _has_colour_near(image: Any, x0: int, x1: int, colour: str, tolerance: int = 40) -> bool:
    want = QColor(colour)
    for x in range(x0, x1):
        for y in range(image.height()):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue())
            ) < tolerance:
                return True
    return False


@pytest.mark.parametrize("name", ["dark", "light"])
def test_combo_and_spin_boxes_draw_their_arrows(qtbot: Any, name: str) -> None:
    app = QApplication.instance()
    t = theme.apply_theme(app, name)
    try:
        combo = QComboBox()
        combo.addItems(["System default", "Other"])
        spin = QDoubleSpinBox()
        for box in (combo, spin):
            qtbot.addWidget(box)
            box.resize(200, 32)
            box.show()
        qtbot.waitExposed(spin)
        for box in (combo, spin):
            image = box.grab().toImage()
            width = image.width()
            assert _has_colour_near(image, width - 24, width - 2, t.text), f"{type(box).__name__} in {name}"
            # the text field part has no such colour next to the arrow column (nothing else drawn there)
            assert not _has_colour_near(image, width - 60, width - 30, t.text)
    finally:
        theme.apply_theme(app, "dark")


@pytest.mark.parametrize("name", ["dark", "light"])
def test_level_meter_trough_follows_the_theme(qtbot: Any, name: str) -> None:
    """The meters' empty part was a fixed dark grey: a black bar in the light theme."""
    from autovoice_desktop.gui.record_panel import LevelMeter

    app = QApplication.instance()
    t = theme.apply_theme(app, name)
    try:
        meter = LevelMeter()
        qtbot.addWidget(meter)
        meter.resize(200, 16)
        meter.show()
        qtbot.waitExposed(meter)
        image = meter.grab().toImage()
        assert image.pixelColor(100, 8).name() == QColor(t.border).name()  # silence: all trough
    finally:
        theme.apply_theme(app, "dark")
