"""Work-around for a reference-counting bug in shiboken6 6.12.0 on Python < 3.12 (standard library only).

In PySide6 6.12.0, every `Signal.emit()` returns `True` without taking a new reference, so each emit lowers
the reference count of the `True` singleton by one. After a few thousand emits (a minute of playback with a
30 Hz playhead, or scrolling a pyqtgraph plot, whose every redraw emits signals) the count reaches zero and
CPython aborts with "Fatal Python error: bool_dealloc". Python 3.12 made `True`/`False` immortal, so
only 3.10/3.11 are affected.

`protect_bool_singletons()` adds 2**40 to the reference counts of `True` and `False` (what immortality means
in 3.12), which no realistic number of emits can exhaust. It is called when the `gui` and `workers` packages
are imported, before any signal is emitted.
"""

from __future__ import annotations

import platform
import sys

_RESERVE = 1 << 40
_done = False


def protect_bool_singletons() -> bool:
    """Make True/False effectively immortal on CPython < 3.12; returns True if it changed anything."""
    global _done
    if _done or sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    import ctypes

    for singleton in (True, False):
        # ob_refcnt is the first field of every CPython object (Py_ssize_t).
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        refcount.value += _RESERVE
    _done = True
    return True
