"""How many CPUs this process may use (its affinity, not the machine's count)."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1
