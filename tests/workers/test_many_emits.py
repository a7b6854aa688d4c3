"""The PySide6 build in use survives many emits.

PySide6/shiboken6 6.12.0 on Python < 3.12 drops a reference to True on every Signal.emit(), so a program
aborts ("bool_dealloc") after a few thousand emits. pyproject.toml excludes 6.12.0; this test fails if such
a build is installed anyway.
"""

from __future__ import annotations

import subprocess
import sys


def test_many_emits_do_not_exhaust_true() -> None:
    code = (
        "import autovoice_desktop.workers\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class O(QObject):\n    s = Signal(object)\n"
        "o = O()\n"
        "for _ in range(200000):\n    o.s.emit(1)\n"
        "print('survived')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "survived" in result.stdout
