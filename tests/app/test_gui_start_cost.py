"""The GUI thread's garbage collector (replaces pyqtgraph's, so the entry point does not need pyqtgraph)."""

from __future__ import annotations

import gc
from typing import Any

from autovoice_desktop.app.gc_timer import GuiThreadCollector


def test_collector_runs_on_its_timer_and_gives_collection_back(qtbot: Any) -> None:
    was_enabled = gc.isenabled()  # the test session keeps automatic collection off, as the app does
    collector = GuiThreadCollector(interval=0.05)
    try:
        assert not gc.isenabled()

        class Cycle:
            pass

        for _ in range(2000):  # cycles only the cyclic collector can free
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5000)
    finally:
        collector.stop()
    assert gc.isenabled() is was_enabled
