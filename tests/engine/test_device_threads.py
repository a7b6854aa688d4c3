"""engine.device.load_aware_threads: the load of other processes (core.cpus), not our own CPU time."""

from __future__ import annotations

import os
import time

import pytest

from autovoice_desktop.core import cpus
from autovoice_desktop.engine import device


def test_threads_stay_within_the_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpus, "_load_cache", None)
    available = len(os.sched_getaffinity(0))
    assert 1 <= device.load_aware_threads() <= available
    assert device.load_aware_threads(max_threads=1) == 1


def test_our_own_work_is_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Busy /proc/stat time that equals this process's CPU time leaves the load at zero."""
    samples = iter([(1000.0, 4000.0), (1000.0 + 150.0, 4000.0 + 200.0)])  # 150 busy of 200 jiffies
    monkeypatch.setattr(cpus, "_proc_stat_busy", lambda: next(samples))
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    clock = iter([0.0, 0.15 * 3.0])  # our own CPU time: 3 CPUs for 0.15 s = 150/200 of 4 CPUs
    monkeypatch.setattr(time, "process_time", lambda: next(clock))
    monkeypatch.setattr(time, "sleep", lambda s: None)
    stamps = iter([10.0, 10.0, 10.15, 10.15])
    monkeypatch.setattr(time, "monotonic", lambda: next(stamps))
    monkeypatch.setattr(cpus, "_load_cache", None)
    assert cpus.others_load() == pytest.approx(0.0, abs=1e-6)
