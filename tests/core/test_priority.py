"""core/priority.py: the live threads' raised priority, inherited by threads made in elevated_priority()."""

from __future__ import annotations

import os
import threading

import pytest

from autovoice_desktop.core import priority
from autovoice_desktop.core.priority import LIVE_NICE, elevated_priority, raise_thread_priority

pytestmark = pytest.mark.skipif(not hasattr(os, "getpriority"), reason="threads have no nice value here")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _in_thread(function):  # noqa: ANN001, ANN202
    """Run function in a new thread and return its result (the thread starts at its creator's nice value)."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(function()))
    thread.start()
    thread.join(10)
    return box[0]


def test_threads_made_inside_inherit_the_raised_priority_and_the_caller_gets_its_own_back() -> None:
    def scenario() -> tuple[int, bool, int, int]:
        before = _nice()
        with elevated_priority() as raised:
            child = _in_thread(_nice)
        return before, raised, child, _nice()

    before, raised, child, after = _in_thread(scenario)
    assert after == before
    assert child == (LIVE_NICE if raised else before)
    assert raised == (before > LIVE_NICE and child == LIVE_NICE)


def test_raise_thread_priority_reports_what_it_got() -> None:
    def scenario() -> tuple[bool, int]:
        return raise_thread_priority(), _nice()

    got, nice = _in_thread(scenario)
    assert got == (nice <= LIVE_NICE)


def test_refused_priority_changes_nothing_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise PermissionError("not allowed")

    monkeypatch.setattr(priority.os, "setpriority", refuse)

    def scenario() -> tuple[int, bool, bool, int]:
        before = _nice()
        with elevated_priority() as raised:
            inside = raise_thread_priority()
        return before, raised, inside, _nice()

    before, raised, inside, after = _in_thread(scenario)
    if before > LIVE_NICE:
        assert not raised and not inside
    assert after == before
