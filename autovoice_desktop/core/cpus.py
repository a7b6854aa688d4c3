"""The CPUs this process may use, the load other processes put on them, and OpenMP's wait policy.

Everything here is torch-free: `choose_openmp_wait_policy` must run before torch (and its OpenMP runtime,
libgomp, which reads its settings once when it loads) is imported.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import MutableMapping

_LOAD_CACHE_S = 5.0
_load_cache: tuple[float, float] | None = None  # (monotonic time, busy CPUs used by other processes)
_load_lock = threading.Lock()

#: what `choose_openmp_wait_policy` decided at start-up, in words (for logs and the self-test)
openmp_policy_note = "not chosen"


def usable_cores() -> int:
    """The CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_threads(available: int | None = None) -> int:
    """The engine's intra-op thread count: the usable CPUs, capped at 8, leaving one free above 4 CPUs."""
    available = usable_cores() if available is None else available
    return max(1, min(8, available - 1 if available > 4 else available))


def _proc_stat_busy() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None where it cannot be read."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [float(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def others_load(sample_s: float = 0.15) -> float | None:
    """CPUs kept busy by other processes now: /proc/stat busy time over `sample_s` minus this process's.

    Cached for 5 s; None where /proc/stat is missing (not Linux).
    """
    global _load_cache
    with _load_lock:
        now = time.monotonic()
        if _load_cache is not None and now - _load_cache[0] < _LOAD_CACHE_S:
            return _load_cache[1]
        first, own0, t0 = _proc_stat_busy(), time.process_time(), time.monotonic()
        if first is None:
            return None
        time.sleep(sample_s)
        second, own1, t1 = _proc_stat_busy(), time.process_time(), time.monotonic()
        if second is None or second[1] <= first[1]:
            return None
        cpus = os.cpu_count() or 1
        busy_cpus = (second[0] - first[0]) / (second[1] - first[1]) * cpus
        own_cpus = (own1 - own0) / max(1e-6, t1 - t0)
        load = max(0.0, busy_cpus - own_cpus)
        _load_cache = (time.monotonic(), load)
        return load


def choose_openmp_wait_policy(environ: MutableMapping[str, str] | None = None) -> str | None:
    """Let OpenMP threads sleep instead of spin when other processes already keep our cores busy.

    libgomp's threads spin for a while at every barrier (~300,000 iterations). When another program holds
    one of the cores the engine's threads run on, a spinning thread burns the time slice its descheduled
    sibling needs: on a 2-core machine with one core busy, a 10 s CPU conversion took 3.9-5.0 s spinning and
    2.85-2.98 s with OMP_WAIT_POLICY=PASSIVE (docs/benchmarks.md, "OpenMP wait policy"). On a quiet machine
    spinning is faster (passive waits cost ~10 % there), so the policy follows the load found at start-up:
    PASSIVE when other processes keep at least half a CPU busy beyond the cores the engine leaves free.
    libgomp reads the setting only when torch is imported, so this must run first; it changes nothing when
    torch is already loaded or the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT. Returns the policy set, or
    None.
    """
    global openmp_policy_note
    env = os.environ if environ is None else environ
    if "OMP_WAIT_POLICY" in env or "GOMP_SPINCOUNT" in env:
        openmp_policy_note = "set by the environment"
        return None
    if "torch" in sys.modules:
        openmp_policy_note = "unchanged (torch was imported first)"
        return None
    load = others_load(sample_s=0.1)
    if load is None:
        openmp_policy_note = "unchanged (the CPU load cannot be read here)"
        return None
    available = usable_cores()
    spare = available - default_threads(available)  # cores the engine's threads leave to others
    if load < spare + 0.5:
        openmp_policy_note = f"spinning ({load:.1f} CPUs busy elsewhere at start-up)"
        return None
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    openmp_policy_note = f"passive ({load:.1f} CPUs busy elsewhere at start-up)"
    return "PASSIVE"
