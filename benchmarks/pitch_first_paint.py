"""First paint of the pitch plot's curves for a 30 s and a 10-minute file (GUI-thread cost after a result).

    QT_QPA_PLATFORM=offscreen python -m benchmarks.pitch_first_paint

Builds the plots panel (940x700, dark theme), shows a 16 kHz input, then sets the input, target (dashed) and
output F0 curves at 200 frames a second (as the built-in voices report them) one after another and times the
viewport repaint after each: the first paint of that curve (the others come from their pixmap caches).
"""

from __future__ import annotations

import os
import time

import numpy as np
from PySide6.QtWidgets import QApplication


def main() -> None:
    app = QApplication.instance() or QApplication([])
    from autovoice_desktop.gui.style import theme
    from autovoice_desktop.gui.widgets.plots_panel import PlotsPanel

    theme.apply_theme(app, "dark")
    rng = np.random.default_rng(0)
    for seconds in (30, 600):
        panel = PlotsPanel()
        panel.resize(940, 700)
        panel.show()
        panel.build()
        rate = 16000
        panel.show_input((0.3 * np.sin(np.arange(rate * seconds) / 5)).astype(np.float32), rate)
        app.processEvents()
        time.sleep(0.2)  # the input envelope of a long file is built on a helper thread
        app.processEvents()
        n = seconds * 200
        t = np.arange(n) / 200.0
        f0 = 150 * 2 ** ((3 * np.sin(t * 1.3) + rng.normal(0, 0.05, n)) / 12)
        f0[(t % 1.3) > 1.1] = 0.0  # voiced stretches of 1.1 s, gaps of 0.2 s
        plot = panel.pitch_plot
        for which in ("input", "target", "output"):
            plot.set_curve(which, t, f0 * (1.5 if which != "input" else 1.0))
            start = time.perf_counter()
            plot.viewport().repaint()
            ms = 1000 * (time.perf_counter() - start)
            print(f"{seconds:4d} s file, {which:6s} curve: first paint {ms:6.1f} ms")
        panel.close()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
