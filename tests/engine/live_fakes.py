"""Fakes for the live engine: a copying (or sleeping) VoiceStream and a device side run by a clock thread."""

from __future__ import annotations

import threading
import time

import numpy as np

from autovoice_desktop.audio.ring_buffer import RingBuffer
from autovoice_desktop.core.types import ConversionParams


class CopyStream:
    """A VoiceStream whose 'conversion' is the input times `gain` (so delays can be measured exactly).

    sleep_on_block: {block index: seconds} to make chosen blocks late.
    """

    def __init__(self, sample_rate: int = 24000, context_samples: int = 1440, gain: float = 1.0) -> None:
        self.sample_rate = sample_rate
        self.context_samples = context_samples
        self.gain = gain
        self.sleep_on_block: dict[int, float] = {}
        self.calls = 0
        self.resets = 0
        self.params: ConversionParams | None = None
        self._history = np.zeros(0, dtype=np.float32)

    def convert(self, new_samples: np.ndarray, out_samples: int) -> np.ndarray:
        delay = self.sleep_on_block.get(self.calls)
        self.calls += 1
        if delay:
            time.sleep(delay)
        window = np.concatenate([self._history, new_samples])
        self._history = window[-self.context_samples :]
        out = np.zeros(out_samples, dtype=np.float32)
        part = window[-out_samples:]
        out[out_samples - len(part) :] = part * self.gain
        return out

    def set_params(self, params: ConversionParams) -> None:
        self.params = params
        self.gain = 2.0 ** (params.transpose / 12.0)

    def reset(self) -> None:
        self.resets += 1
        self._history = np.zeros(0, dtype=np.float32)


class ClockIO:
    """The device side of the live engine, run by a thread at real time in `period` steps.

    Each step captures `period` of `signal` into the input ring and plays `period` from the output ring
    (silence and an underrun when it holds too little). Everything played is kept in `played`.
    """

    def __init__(self, signal: np.ndarray, rate: int = 48000, period: float = 0.005) -> None:
        self.input_rate = self.output_rate = rate
        self.signal = signal.astype(np.float32)
        self.step = int(rate * period)
        self.period = period
        self._in = RingBuffer(rate * 2)
        self._out = RingBuffer(rate * 2)
        self.played: list[np.ndarray] = []
        self._underruns = 0
        self._primed = False
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    device_latency_s = 0.0

    @property
    def output_queued(self) -> int:
        return self._out.available

    @property
    def underruns(self) -> int:
        return self._underruns

    def read_input(self) -> np.ndarray:
        return self._in.read()[:, 0]

    def write_output(self, samples: np.ndarray) -> None:
        self._out.write(samples.reshape(-1, 1))
        self._primed = True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        self._thread.join(5)

    def _run(self) -> None:
        position = 0
        next_time = time.monotonic()
        while not self._halt.is_set() and position < len(self.signal):
            chunk = self.signal[position : position + self.step]
            self._in.write(chunk.reshape(-1, 1))
            position += len(chunk)
            n = min(len(chunk), self._out.available)
            out = np.zeros(len(chunk), dtype=np.float32)
            out[:n] = self._out.read(n)[:, 0]
            if n < len(chunk) and self._primed:
                self._underruns += 1
            self.played.append(out)
            next_time += self.period
            self._halt.wait(max(0.0, next_time - time.monotonic()))

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def played_audio(self) -> np.ndarray:
        return np.concatenate(self.played) if self.played else np.zeros(0, dtype=np.float32)
