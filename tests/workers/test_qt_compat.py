"""The shiboken6 6.12.0 emit() reference leak on True cannot abort the program."""

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
