"""Scheduling priority for the live voice changer's real-time threads (stdlib only).

On Linux the nice value belongs to each thread and a new thread inherits its creator's. The live worker raises
its own priority (`raise_thread_priority`); the device side opens its streams inside `elevated_priority()`, so
the threads that PortAudio and the ALSA PulseAudio plug-in create for the streams (callbacks, the client's
main loop) start with the same priority, and the calling thread goes back to its own value afterwards. Without
that, a busy program at normal priority delayed those threads by a scheduler slice (tens of milliseconds on
2 cores) and the audio server ran dry: a dropout or a click.

Raising priority needs root or CAP_SYS_NICE (or an RLIMIT_NICE allowance); where it is not allowed nothing
changes and the functions say so by returning False. Other platforms: a no-op.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)

#: nice value of the live threads (-20 highest .. 19 lowest); below the audio server's -11 is not needed
LIVE_NICE = -10


def _thread_nice() -> int | None:
    """The calling thread's nice value, or None where threads have none of their own."""
    if not hasattr(os, "getpriority"):
        return None
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except OSError:
        return None


def _set_thread_nice(value: int) -> bool:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)
    except OSError as exc:
        log.debug("thread priority unchanged (%s)", exc)
        return False
    return True


def raise_thread_priority(nice: int = LIVE_NICE) -> bool:
    """Give the calling thread nice value `nice` if that is higher priority than it has; True when it has."""
    current = _thread_nice()
    if current is None:
        return False
    return current <= nice or _set_thread_nice(nice)


@contextlib.contextmanager
def elevated_priority(nice: int = LIVE_NICE) -> Iterator[bool]:
    """Run the block at nice value `nice` (threads created inside inherit it), then restore the caller's own.
    Yields whether the priority was raised."""
    before = _thread_nice()
    raised = before is not None and before > nice and _set_thread_nice(nice)
    try:
        yield raised
    finally:
        if raised and before is not None:
            _set_thread_nice(before)  # lowering one's own priority is always allowed
