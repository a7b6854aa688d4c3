"""The live worker thread: fixed blocks in, converted and SOLA-joined blocks out, at a controlled margin.

Data flow (rates: the devices' input_rate / output_rate, the voice stream's own rate in between):

    io.read_input() -> resample to the stream rate -> blocks of B samples
    -> VoiceStream.convert(block, B + extra) -> SolaJoiner.join -> (B,) -> resample -> io.write_output()

`io` is the device side (audio/live_duplex.py or a fake): its callbacks only copy into ring buffers and count
underruns (a late block: the output played silence); the worker never blocks them. Before each write the
worker looks at how much output is still queued: after an underrun (or at the start) it pads silence up to
the margin, and while the queue is above the margin it drops samples of quiet blocks; the margin itself
follows MarginController. The app's latency estimate (mic to speaker) is

  device buffers + block + queued output (median) + compute (median) + SOLA hold (crossfade + search - shift)
  + what the two resamplers hold back
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autovoice_desktop.core.priority import raise_thread_priority
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.live.sola import SolaJoiner
from autovoice_desktop.engine.live.tuning import BlockSizer, LiveStats, MarginController
from autovoice_desktop.engine.stream import VoiceStream

log = logging.getLogger(__name__)

CROSSFADE_MS = 6.0
SEARCH_MS = 4.0
FADE_IN_MS = 3.0
#: more unconverted input than this means the worker fell far behind: skip to the newest block
MAX_BACKLOG_MS = 250.0
#: a block whose peak is below this may have samples dropped or silence inserted (inaudible)
QUIET_PEAK = 0.003
#: blocks whose input peaks below this are silence (voices skip them): their compute time says nothing
ACTIVE_PEAK = 1e-3
#: how far the queue may drift from the margin before quiet blocks are padded or trimmed (ms)
SLACK_MS = 5.0
#: soxr "QQ" (cubic) holds back < 0.1 ms; "HQ" held ~32 ms each way and "LQ" 1-20 ms in bursts (measured with
#: ResampleStream on 10 ms chunks), which emptied the output queue
_RESAMPLER_QUALITY = "QQ"


class LiveIO(Protocol):
    """The device side seen by the worker (audio/live_duplex.py implements it)."""

    input_rate: int
    output_rate: int

    @property
    def device_latency_s(self) -> float:
        """Input plus output buffering of the devices, in seconds."""
        ...

    @property
    def output_queued(self) -> int:
        """Output frames written and not yet taken by the output callback."""
        ...

    @property
    def underruns(self) -> int:
        """Output callbacks so far that found too little converted audio (each one a dropout)."""
        ...

    def read_input(self) -> np.ndarray:
        """All input frames captured since the last call, mono (n,) float32."""
        ...

    def write_output(self, samples: np.ndarray) -> None:
        """Queue mono (n,) float32 frames for the output callback."""
        ...


@dataclass(frozen=True)
class Levels:
    """Peaks (linear, 0..1) of input and output since the last look."""

    input_peak: float = 0.0
    output_peak: float = 0.0


class _Resampler:
    """A streaming resampler (soxr), or a copy when the rates are equal; knows how much it holds back."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self._stream = None
        self.in_rate, self.out_rate = in_rate, out_rate
        self._fed = 0
        self._produced = 0
        if in_rate != out_rate:
            import soxr

            self._stream = soxr.ResampleStream(
                in_rate, out_rate, 1, dtype="float32", quality=_RESAMPLER_QUALITY
            )

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        data = np.ascontiguousarray(samples, dtype=np.float32)
        out = data if self._stream is None else self._stream.resample_chunk(data)
        self._fed += len(data)
        self._produced += len(out)
        return out

    @property
    def held_ms(self) -> float:
        """Milliseconds of input taken in but not given out yet (the resampler's delay)."""
        return max(0.0, 1000.0 * (self._fed / self.in_rate - self._produced / self.out_rate))


class LiveProcessor:
    """Owns the worker thread; settings, bypass and voice changes apply from the next block."""

    def __init__(
        self,
        io: LiveIO,
        stream: VoiceStream,
        *,
        block_ms: float | None = None,
        start_block_ms: float | None = None,
        margin: MarginController | None = None,
        record: object | None = None,
        poll_s: float = 0.002,
    ) -> None:
        self.io = io
        self.sizer = (
            BlockSizer(block_ms) if start_block_ms is None else BlockSizer(block_ms, start_ms=start_block_ms)
        )
        self.margin = margin or MarginController()
        self.stats = LiveStats()
        self.poll_s = poll_s
        self.bypass = False
        self.error: str | None = None
        self._record = record  # anything with write((n, 1) float32): a RingBuffer drained by a TakeWriter
        self._stream = stream
        self._next_stream: VoiceStream | None = None
        self._next_params: ConversionParams | None = None
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._peaks = [0.0, 0.0]
        self._hold_ms: list[float] = []
        self._behind = 0  # blocks skipped because the worker fell MAX_BACKLOG_MS behind
        self._setup_rates()

    # --- control (any thread) --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(target=self._run, name="live-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker and wait for it (a block in progress finishes first)."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """True while the worker thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def set_params(self, params: ConversionParams) -> None:
        """New voice settings from the next block on."""
        self._next_params = params

    def set_stream(self, stream: VoiceStream) -> None:
        """Switch to another voice's stream from the next block on (no device restart)."""
        self._next_stream = stream

    @property
    def block_ms(self) -> float:
        """The current block length."""
        return self.sizer.block_ms

    def pop_levels(self) -> Levels:
        """Input and output peaks since the last call."""
        levels = Levels(*self._peaks)
        self._peaks = [0.0, 0.0]
        return levels

    # --- worker ----------------------------------------------------------------------------------------
    def _setup_rates(self) -> None:
        rate = self._stream.sample_rate
        self._down = _Resampler(self.io.input_rate, rate)
        self._up = _Resampler(rate, self.io.output_rate)
        self._joiner = SolaJoiner(round(CROSSFADE_MS * rate / 1000), round(SEARCH_MS * rate / 1000))
        self._pending = np.zeros(0, dtype=np.float32)
        self._dry = np.zeros(0, dtype=np.float32)

    def _run(self) -> None:
        raise_thread_priority()  # other programs' load delays the conversion less (core/priority.py)
        try:
            seen = self.io.underruns
            while not self._halt.is_set():
                self._apply_changes()
                captured = self.io.read_input()
                if len(captured):
                    self._peaks[0] = max(self._peaks[0], float(np.max(np.abs(captured))))
                    self._pending = np.concatenate([self._pending, self._down(captured)])
                rate = self._stream.sample_rate
                block = round(self.sizer.block_ms * rate / 1000)
                if len(self._pending) < block:
                    self._halt.wait(self.poll_s)
                    continue
                backlog = MAX_BACKLOG_MS * rate / 1000
                if len(self._pending) > backlog + block:
                    log.warning(
                        "live: worker fell %.0f ms behind; skipping ahead", 1000 * len(self._pending) / rate
                    )
                    self._pending = self._pending[-block:]
                    self.stats.dropouts += 1
                    self._behind += 1
                    self._stream.reset()
                    self._joiner.reset()
                samples, self._pending = self._pending[:block], self._pending[block:]
                underruns = self.io.underruns
                self._process(samples, underruns - seen)
                seen = underruns
        except Exception as exc:  # reported by the session as a clear message; the stream then stops
            log.exception("live worker failed")
            self.error = f"the live conversion failed: {exc}"

    def _apply_changes(self) -> None:
        stream, self._next_stream = self._next_stream, None
        if stream is not None:
            rates_change = stream.sample_rate != self._stream.sample_rate
            self._stream = stream
            if rates_change:
                self._setup_rates()
        params, self._next_params = self._next_params, None
        if params is not None:
            self._stream.set_params(params)

    def _process(self, samples: np.ndarray, new_underruns: int) -> None:
        """Convert one block, join it, keep the output margin and queue it."""
        started = time.perf_counter()
        block = len(samples)
        wanted = block + self._joiner.extra
        self._dry = np.concatenate([self._dry, samples])[-wanted:]
        if self.bypass:
            converted = np.zeros(wanted, dtype=np.float32)
            converted[wanted - len(self._dry) :] = self._dry
        else:
            converted = self._stream.convert(samples, wanted)
        joined = self._joiner.join(converted, block)
        out = self._up(joined)
        compute_ms = 1000.0 * (time.perf_counter() - started)
        active = not self.bypass and float(np.max(np.abs(samples), initial=0.0)) > ACTIVE_PEAK
        if active and self.sizer.record(compute_ms / 1000.0):  # silent blocks cost ~nothing: not counted
            log.info("live: block size now %.0f ms", self.sizer.block_ms)
        self.stats.dropouts += new_underruns
        causes = getattr(self.io, "dropout_causes", None)  # the device side's breakdown, where it has one
        if new_underruns or self._behind:
            self.stats.dropout_causes = {
                **(causes if isinstance(causes, dict) else {}),
                "worker_behind": self._behind,
            }
        self.margin.on_block(new_underruns)
        out, queued_ms = self._keep_margin(out, first=self.stats.blocks == 0 or new_underruns > 0)
        self.stats.record(compute_ms, queued_ms)
        if len(out):
            self._peaks[1] = max(self._peaks[1], float(np.max(np.abs(out))))
        self.io.write_output(out)
        if self._record is not None:
            self._record.write(out[:, None])  # type: ignore[attr-defined]
        rate = self._stream.sample_rate
        hold = 1000.0 * (self._joiner.extra - self._joiner.last_shift) / rate
        self._hold_ms = (self._hold_ms + [hold])[-200:]
        self.stats.latency_ms = (
            1000.0 * self.io.device_latency_s
            + self.sizer.block_ms
            + self.stats.median_queue_ms()
            + self.stats.median_compute_ms()
            + float(np.median(self._hold_ms))
            + self._down.held_ms
            + self._up.held_ms
        )

    def _keep_margin(self, out: np.ndarray, *, first: bool) -> tuple[np.ndarray, float]:
        """Pad silence up to the margin after an underrun or at the start; drop samples of quiet blocks
        while the queue is a block above it. Returns (what to write, ms queued ahead of its first sample)."""
        rate = self.io.output_rate
        queued = self.io.output_queued
        target = round(self.margin.margin_ms * rate / 1000)
        quiet = len(out) == 0 or float(np.max(np.abs(out))) < QUIET_PEAK
        slack = round(SLACK_MS * rate / 1000)
        if (first and queued < target) or (quiet and queued < target - slack):
            if first:  # after silence (start or underrun) the audio fades in instead of starting with a click
                ramp = min(len(out), round(FADE_IN_MS * rate / 1000))
                out = out.copy()
                out[:ramp] *= np.linspace(0.0, 1.0, ramp, dtype=np.float32)
            out = np.concatenate([np.zeros(target - queued, dtype=np.float32), out])
            queued_after = target
        elif quiet and queued > target + slack:
            excess = min(len(out), queued - target)
            out = out[excess:]
            queued_after = queued
        else:
            queued_after = queued
        return out, 1000.0 * queued_after / rate
