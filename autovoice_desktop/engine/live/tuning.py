"""Block size and output margin chosen from what the machine does, and the live statistics.

BlockSizer: fixed (the user's --block-ms) or automatic: start at `start_ms` (SAFE_START_MS, or larger when
the voice's warm-up blocks were slow: `start_block_ms`), move to
the next smaller size once SHRINK_AFTER blocks at the current size had a p99 compute time under half a
block, and back to a larger one when the p99 of the last GROW_WINDOW blocks exceeds GROW_FRACTION of a block.

MarginController: how much converted audio is kept queued ahead of the output device. It starts at
`floor_ms` (chosen to absorb a ~50 ms scheduling stall of the worker on a loaded 2-core machine), rises by
`step_ms` after each dropout up to `ceiling_ms`, and falls back by `step_ms` after `relax_blocks` on-time
blocks in a row, so one early stall does not raise the latency for the rest of the session.
"""

from __future__ import annotations

import collections
import statistics

import numpy as np

#: block sizes the automatic mode chooses from, in milliseconds (the large ones for voices that are slow on
#: this machine, e.g. So-VITS-SVC on a CPU)
BLOCK_CHOICES_MS = (500.0, 300.0, 200.0, 120.0, 80.0, 60.0, 40.0, 30.0, 25.0, 20.0)
#: where the automatic mode starts when the voice's first blocks were fast enough (the "safe" start)
SAFE_START_MS = 40.0
SHRINK_AFTER = 50
GROW_WINDOW = 50
GROW_FRACTION = 0.8


class BlockSizer:
    """The current block length in ms; `record` each block's compute time (seconds)."""

    def __init__(
        self,
        fixed_ms: float | None = None,
        choices: tuple[float, ...] = BLOCK_CHOICES_MS,
        start_ms: float = SAFE_START_MS,
    ) -> None:
        self.fixed = fixed_ms is not None
        self.choices = tuple(sorted(choices, reverse=True))
        start = min(self.choices, key=lambda choice: abs(choice - start_ms))
        self.block_ms = float(fixed_ms) if fixed_ms is not None else start
        self._recent: collections.deque[float] = collections.deque(maxlen=max(SHRINK_AFTER, GROW_WINDOW))

    def record(self, compute_s: float) -> bool:
        """Note one block's compute time; True when the block size changed."""
        self._recent.append(compute_s * 1000.0)
        if self.fixed:
            return False
        index = self.choices.index(self.block_ms) if self.block_ms in self.choices else 0
        recent = np.asarray(self._recent)
        too_slow = len(recent) >= GROW_WINDOW and (
            float(np.percentile(recent[-GROW_WINDOW:], 99)) > GROW_FRACTION * self.block_ms
        )
        if too_slow and index > 0:
            return self._move(index - 1)
        if len(recent) >= SHRINK_AFTER and index < len(self.choices) - 1:
            smaller = self.choices[index + 1]
            if float(np.percentile(recent, 99)) < 0.5 * smaller:
                return self._move(index + 1)
        return False

    def _move(self, index: int) -> bool:
        self.block_ms = self.choices[index]
        self._recent.clear()
        return True


def start_block_ms(warmup_compute_ms: float, warmup_block_ms: float = SAFE_START_MS) -> float:
    """The automatic mode's first block: SAFE_START_MS when a warm-up block of that length took under half of
    it to convert; else the smallest choice at least 2.5x the measured cost (a slow voice's cost per call is
    mostly its context, so it grows little with the block; the sizer then corrects from real blocks)."""
    if warmup_compute_ms < 0.5 * SAFE_START_MS and warmup_block_ms <= SAFE_START_MS:
        return SAFE_START_MS
    fitting = [choice for choice in BLOCK_CHOICES_MS if choice >= 2.5 * warmup_compute_ms]
    return min(fitting) if fitting else max(BLOCK_CHOICES_MS)


class MarginController:
    """Milliseconds of converted audio to keep queued ahead of the output device."""

    def __init__(
        self,
        floor_ms: float = 40.0,
        step_ms: float = 10.0,
        ceiling_ms: float = 150.0,
        relax_blocks: int = 300,
    ) -> None:
        self.floor_ms = floor_ms
        self.step_ms = step_ms
        self.ceiling_ms = ceiling_ms
        self.relax_blocks = relax_blocks
        self.margin_ms = floor_ms
        self._on_time = 0

    def on_block(self, dropouts_now: int) -> None:
        """After each block: `dropouts_now` new dropouts since the last call."""
        if dropouts_now:
            self.margin_ms = min(self.ceiling_ms, self.margin_ms + self.step_ms)
            self._on_time = 0
            return
        self._on_time += 1
        if self._on_time >= self.relax_blocks and self.margin_ms > self.floor_ms:
            self.margin_ms = max(self.floor_ms, self.margin_ms - self.step_ms)
            self._on_time = 0


class LiveStats:
    """Counters and timings of a live session (written by the worker, read by anyone)."""

    def __init__(self, keep: int = 20000) -> None:
        self.blocks = 0
        self.dropouts = 0
        self.compute_ms: collections.deque[float] = collections.deque(maxlen=keep)
        self.queue_ms: collections.deque[float] = collections.deque(maxlen=200)
        self.max_compute_ms = 0.0
        self.latency_ms = 0.0
        #: dropouts by cause where the device side tells them apart: late_block (the converted audio ran out),
        #: device_underflow, input_overflow, worker_behind (blocks skipped); printed, not in --stats-json
        self.dropout_causes: dict[str, int] = {}

    def record(self, compute_ms: float, queue_ms: float) -> None:
        """One block converted in compute_ms with queue_ms of output queued ahead of it."""
        self.blocks += 1
        self.compute_ms.append(compute_ms)
        self.queue_ms.append(queue_ms)
        self.max_compute_ms = max(self.max_compute_ms, compute_ms)

    def median_queue_ms(self) -> float:
        """Median queued output ahead of new blocks (recent blocks)."""
        values = list(self.queue_ms)
        return float(statistics.median(values)) if values else 0.0

    def median_compute_ms(self) -> float:
        """Median compute time per block (recent blocks)."""
        values = list(self.compute_ms)[-200:]
        return float(statistics.median(values)) if values else 0.0

    def snapshot(self) -> dict[str, object]:
        """The --stats-json dictionary: blocks, dropouts, latency_ms, compute_ms {median, p99, max}."""
        values = np.asarray(list(self.compute_ms), dtype=np.float64)
        has = len(values) > 0
        return {
            "blocks": int(self.blocks),
            "dropouts": int(self.dropouts),
            "latency_ms": round(float(self.latency_ms), 1),
            "compute_ms": {
                "median": round(float(np.median(values)), 2) if has else 0.0,
                "p99": round(float(np.percentile(values, 99)), 2) if has else 0.0,
                "max": round(float(self.max_compute_ms), 2),
            },
        }
