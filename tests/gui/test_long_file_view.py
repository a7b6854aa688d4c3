"""Long files in the plots: the zoom survives a conversion result, placeholders stay centred."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autovoice_desktop.gui.widgets.plots_panel import PlotsPanel
from autovoice_desktop.gui.widgets.waveform_plot import BACKGROUND_BUILD_SAMPLES


@pytest.fixture
def panel(qtbot: Any) -> PlotsPanel:
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.resize(1000, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def _long(rate: int = 16000) -> np.ndarray:
    n = BACKGROUND_BUILD_SAMPLES + 10 * rate  # long enough for the envelope to be built on a helper thread
    return (0.3 * np.sin(np.arange(n, dtype=np.float32) * 0.05)).astype(np.float32)


def test_the_zoom_is_kept_when_a_long_result_arrives(qtbot: Any, panel: PlotsPanel) -> None:
    rate = 16000
    samples = _long(rate)
    panel.show_input(samples, rate)
    qtbot.waitUntil(lambda: panel.input_plot.envelope is not None, timeout=20000)
    panel.input_plot.setXRange(100, 120, padding=0)
    panel.show_output(samples * 0.5, rate)
    qtbot.waitUntil(lambda: panel.output_plot.envelope is not None, timeout=20000)
    qtbot.wait(50)
    for plot in panel.plots:
        x0, x1 = plot.viewRange()[0]
        assert x0 == pytest.approx(100, abs=0.5) and x1 == pytest.approx(120, abs=0.5)
    assert len(panel.output_plot.curve.getData()[0]) > 0


def test_placeholders_stay_in_the_middle_of_a_long_file(qtbot: Any, panel: PlotsPanel) -> None:
    rate = 16000
    samples = _long(rate)
    panel.show_input(samples, rate)  # the pitch placeholder is set before the long range is known
    qtbot.waitUntil(lambda: panel.input_plot.envelope is not None, timeout=20000)
    qtbot.wait(50)
    for plot in (panel.output_plot, panel.pitch_plot):
        (x0, x1), _ = plot.viewRange()
        assert plot.placeholder.isVisible()
        assert plot.placeholder.pos().x() == pytest.approx((x0 + x1) / 2, rel=0.01)
