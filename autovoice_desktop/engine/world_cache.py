"""A small memory of the built-in voice's analyses (F0 and spectral envelopes) of recent audio segments.

The pitch editor converts the same span again after every edit of it: its F0 and envelope analysis (about
90 % of the work) depend only on the segment's samples, not on the edit, so they are looked up by a hash of
the samples instead of being computed again. WORLD's analyses are deterministic, so a hit returns exactly
what would have been computed. Bounded by MAX_BYTES (least recently used entries go first); thread-safe, and
a key being computed by one thread is waited for by another, not computed twice (the window's input pitch
analysis and a Convert pressed before it ended share the work).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_BYTES = 96 * 1024 * 1024
MAX_SEGMENT_SECONDS = 4.0  # longer segments (whole-file chunks) are not kept: they are rarely repeated

_lock = threading.Lock()
_entries: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
_size = 0
_pending: dict[tuple, threading.Event] = {}  # keys being computed now, set when done


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple):
        return sum(_nbytes(item) for item in value) + 64
    return sum(_nbytes(getattr(value, name)) for name in getattr(value, "__dataclass_fields__", ()))


def _key(kind: str, segment: np.ndarray, sample_rate: int, extra: tuple) -> tuple:
    digest = hashlib.blake2b(np.ascontiguousarray(segment).view(np.uint8), digest_size=16).hexdigest()
    return (kind, digest, len(segment), str(segment.dtype), sample_rate, extra)


def cached(
    kind: str,
    segment: np.ndarray,
    sample_rate: int,
    extra: tuple,
    compute: Callable[[], Any],
    max_seconds: float | None = MAX_SEGMENT_SECONDS,
) -> Any:
    """compute(), or the value it gave before for the same kind, samples (N,), rate and extra key.

    Segments longer than max_seconds are not kept (None: any length, for small values such as an F0 track,
    which the window's input analysis hands on to Convert).
    """
    if max_seconds is not None and len(segment) > max_seconds * sample_rate:
        return compute()
    key = _key(kind, segment, sample_rate, extra)
    while True:
        with _lock:
            if key in _entries:
                _entries.move_to_end(key)
                return _entries[key][0]
            busy = _pending.get(key)
            if busy is None:  # nobody is computing it: this thread does
                _pending[key] = threading.Event()
                break
        busy.wait()  # another thread computes the same thing (the window's analysis and Convert): share it
    try:
        value = compute()  # callers never change these arrays in place (pyworld needs them writable)
        _store(key, value)
        return value
    finally:
        with _lock:
            _pending.pop(key).set()


def remember(kind: str, samples: np.ndarray, sample_rate: int, extra: tuple, value: Any) -> None:
    """Keep a small `value` (e.g. the F0 track of a whole input) for samples (N,) of any length."""
    _store(_key(kind, samples, sample_rate, extra), value)


def recall(kind: str, samples: np.ndarray, sample_rate: int, extra: tuple) -> Any:
    """What `remember` kept for the same kind, samples (N,), rate and extra key, or None."""
    key = _key(kind, samples, sample_rate, extra)
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key][0]
    return None


def _store(key: tuple, value: Any) -> None:
    size = _nbytes(value)
    global _size
    with _lock:
        if key not in _entries and size <= MAX_BYTES:
            _entries[key] = (value, size)
            _size += size
            while _size > MAX_BYTES:
                _, (_, dropped) = _entries.popitem(last=False)
                _size -= dropped


def clear() -> None:
    """Forget everything (tests, memory pressure)."""
    global _size
    with _lock:
        _entries.clear()
        _size = 0
