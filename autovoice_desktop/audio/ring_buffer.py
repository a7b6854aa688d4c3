"""A single-producer / single-consumer ring buffer of audio frames that never blocks the producer.

Concurrency design: the producer is the PortAudio callback, the consumer one other thread. The storage is
allocated once; `write` only copies into it with numpy slice assignment and then publishes the new write
count (one attribute store, atomic under the GIL); `read` copies out and publishes the read count. Neither
side takes a lock, so the audio callback can never wait for the consumer. When the consumer falls behind
and the buffer is full, `write` drops the frames that do not fit and counts them in `dropped_frames`
(an overflow the recorder reports) instead of overwriting unread audio.
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """Fixed-size (capacity, channels) float32 ring buffer; one writer thread, one reader thread."""

    def __init__(self, capacity: int, channels: int = 1) -> None:
        if capacity <= 0 or channels <= 0:
            raise ValueError("capacity and channels must be positive")
        self.capacity = int(capacity)
        self.channels = int(channels)
        self._data = np.zeros((self.capacity, self.channels), dtype=np.float32)
        self._written = 0  # total frames ever written (only the producer changes it)
        self._read = 0  # total frames ever read (only the consumer changes it)
        self.dropped_frames = 0

    @property
    def available(self) -> int:
        """Frames written and not read yet."""
        return self._written - self._read

    @property
    def free(self) -> int:
        """Frames that can be written without dropping."""
        return self.capacity - self.available

    def write(self, block: np.ndarray) -> int:
        """Copy (n, channels) frames in (producer side; never blocks or allocates). Returns frames kept."""
        n = min(len(block), self.capacity - (self._written - self._read))
        if n < len(block):
            self.dropped_frames += len(block) - n
        if n <= 0:
            return 0
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._data[start : start + first] = block[:first]
        if first < n:
            self._data[: n - first] = block[first:n]
        self._written += n
        return n

    def read(self, max_frames: int | None = None) -> np.ndarray:
        """Copy out up to `max_frames` (default: all available) frames as a new (n, channels) array."""
        n = self.available if max_frames is None else min(self.available, int(max_frames))
        out = np.empty((max(n, 0), self.channels), dtype=np.float32)
        if n <= 0:
            return out
        start = self._read % self.capacity
        first = min(n, self.capacity - start)
        out[:first] = self._data[start : start + first]
        if first < n:
            out[first:] = self._data[: n - first]
        self._read += n
        return out
