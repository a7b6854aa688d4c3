"""A live voice-changer session: a voice's stream, the devices (LiveDuplex) and the worker (LiveProcessor).

Used by `autovoice live` (app/cli_live.py) and the window's Live mode. `record` streams the converted output
into a crash-safe take (audio/takes.py: a `.partial.wav` whose header is synced twice a second), renamed to
its final name when the session stops.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from autovoice_desktop.audio.live_duplex import LiveDuplex
from autovoice_desktop.audio.ring_buffer import RingBuffer
from autovoice_desktop.audio.takes import PARTIAL_SUFFIX, TakeFile, TakeWriter
from autovoice_desktop.core.errors import OutputError, OutputExistsError
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.live.processor import LiveProcessor
from autovoice_desktop.engine.live.tuning import start_block_ms
from autovoice_desktop.engine.voice import Voice

log = logging.getLogger(__name__)

#: left context every block is converted with (seconds)
CONTEXT_S = 0.06
#: the rate to size the context with when the voice does not state its own (built-in voices stream at 24 kHz)
LIVE_RATE_GUESS = 24000
_RECORD_RING_S = 10.0
WARMUP_BLOCK_MS = 40.0


def partial_record_path(target: Path) -> Path:
    """Where `--record out.wav` is written while the session runs: out.partial.wav (renamed at the end)."""
    return target.with_name(target.stem + PARTIAL_SUFFIX)


def check_record_target(target: Path, overwrite: bool = False) -> None:
    """OutputError unless target is a new .wav file in an existing folder."""
    if target.suffix.lower() != ".wav":
        raise OutputError(f"{target}: --record writes WAV files", "give a name ending in .wav")
    if not target.parent.is_dir():
        raise OutputError(f"{target.parent}: folder does not exist", "create it or choose another path")
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: already exists", "choose another name")


def warm_up(stream: Any, block_ms: float = WARMUP_BLOCK_MS) -> float:
    """Convert a few blocks of a quiet voiced tone, then reset: imports, caches and first-call costs are paid
    before the devices start (the first WORLD block took ~130 ms cold, which made the first blocks late).
    Returns the fastest of the later blocks' compute times in ms (what a block of block_ms costs)."""
    rng = np.random.default_rng(0)
    block = round(block_ms / 1000 * stream.sample_rate)
    t = np.arange(block * 4) / stream.sample_rate
    tone = sum(0.1 / k * np.sin(2 * np.pi * 150.0 * k * t) for k in range(1, 6))
    times = []
    for index in range(4):
        noise = 0.003 * rng.standard_normal(block)
        started = time.perf_counter()
        stream.convert((tone[index * block : (index + 1) * block] + noise).astype(np.float32), block)
        times.append(1000.0 * (time.perf_counter() - started))
    stream.reset()
    return min(times[1:])


class LiveSession:
    """Start/stop one live session; `processor` holds the statistics and takes setting changes."""

    def __init__(
        self,
        voice: Voice,
        params: ConversionParams,
        *,
        input_device: Any = None,
        output_device: Any = None,
        block_ms: float | None = None,
        record: Path | None = None,
        sd: Any | None = None,
    ) -> None:
        self.voice = voice
        self.params = params
        self.duplex = LiveDuplex(input_device, output_device, sd=sd)
        self.block_ms = block_ms
        self.record_target = record
        self.processor: LiveProcessor | None = None
        self._take: TakeFile | None = None
        self._writer: TakeWriter | None = None

    def start(self) -> None:
        """Open the voice's stream and the devices, then start converting. Raises AutoVoiceError."""
        rate = self.voice.info.sample_rate or LIVE_RATE_GUESS
        stream = self.voice.open_stream(self.params, context_samples=round(CONTEXT_S * rate))
        cost_ms = warm_up(stream)
        start_ms = start_block_ms(cost_ms, WARMUP_BLOCK_MS)
        log.info(
            "live: a %.0f ms block took %.1f ms to convert; starting with %.0f ms blocks",
            WARMUP_BLOCK_MS,
            cost_ms,
            start_ms,
        )
        self.duplex.start()
        ring = None
        if self.record_target is not None:
            ring = RingBuffer(int(_RECORD_RING_S * self.duplex.output_rate))
            try:
                self._take = TakeFile(partial_record_path(self.record_target), self.duplex.output_rate, 1)
            except Exception:
                self.duplex.close()  # no stream left open when the recording cannot start
                raise
            self._writer = TakeWriter(ring, self._take)
            self._writer.start()
        self.processor = LiveProcessor(
            self.duplex, stream, block_ms=self.block_ms, start_block_ms=start_ms, record=ring
        )
        self.processor.start()

    def check(self) -> str | None:
        """Why the session cannot go on (device lost, worker failed, recording failed), or None."""
        problem = self.duplex.check()
        if problem is None and self.processor is not None:
            problem = self.processor.error
        if problem is None and self._writer is not None:
            problem = self._writer.error
        return problem

    def stop(self) -> Path | None:
        """Stop the worker and the devices; finish the recording. Returns the recording's path, if any."""
        if self.processor is not None:
            self.processor.stop()
        self.duplex.close()
        path = None
        if self._writer is not None and self._take is not None:
            self._writer.stop()
            path = self._take.close(finish=True)
            self._writer = None
            self._take = None
        return path
