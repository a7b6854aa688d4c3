"""GUI tests collect their garbage on the GUI thread (see tests.gui.harness.gui_thread_gc)."""

from tests.gui.harness import gui_thread_gc  # noqa: F401 - autouse fixture
