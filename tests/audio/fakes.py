"""A fake sounddevice module: devices, input/output streams on a thread, and scripted failures.

Streams call their callback from their own thread, as PortAudio does, `speed` times faster than real
time. Failures are scripted on the module: `open_error` (raised by InputStream/OutputStream),
`rate_error` (raised by check_input_settings), `lose_after_blocks` (the stream ends by itself, as when a
USB microphone is unplugged), `stall_after_blocks` (callbacks just stop), `overflow_blocks` (blocks that
carry an input-overflow status), `first_block_delay` (seconds before the first callback).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np


class PortAudioError(Exception):
    """Like sounddevice.PortAudioError."""


class CallbackStop(Exception):
    """Like sounddevice.CallbackStop."""


class CallbackAbort(Exception):
    """Like sounddevice.CallbackAbort."""


class _Status:
    def __init__(self, overflow: bool = False) -> None:
        self.input_overflow = overflow

    def __bool__(self) -> bool:
        return self.input_overflow


class _Default:
    def __init__(self) -> None:
        self.device = [0, 1]


def device_entry(index: int, name: str, ins: int, outs: int, rate: float = 48000.0) -> dict[str, Any]:
    """One entry like sounddevice.query_devices() gives."""
    return {
        "index": index,
        "name": name,
        "hostapi": 0,
        "max_input_channels": ins,
        "max_output_channels": outs,
        "default_samplerate": rate,
    }


class FakeStream:
    """Input or output stream whose callback runs on a thread."""

    def __init__(self, sd: FakeSoundDevice, kind: str, **kwargs: Any) -> None:
        self.sd = sd
        self.kind = kind
        self.kwargs = kwargs
        self.samplerate = int(kwargs["samplerate"])
        self.channels = int(kwargs.get("channels") or 1)
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs.get("finished_callback")
        self.blocksize = int(kwargs.get("blocksize") or 0) or sd.blocksize
        self.active = False
        self.closed = False
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        sd.streams.append(self)

    def start(self) -> None:
        if self.sd.start_error is not None:
            raise self.sd.start_error
        self.active = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        block = 0
        period = self.blocksize / self.samplerate / self.sd.speed
        pos = 0
        if self.sd.first_block_delay:
            self._halt.wait(self.sd.first_block_delay)  # like PulseAudio, which may take ~2 s to deliver
        while not self._halt.is_set():
            if self.sd.lose_after_blocks is not None and block >= self.sd.lose_after_blocks:
                break
            if self.sd.stall_after_blocks is not None and block >= self.sd.stall_after_blocks:
                self._halt.wait(0.01)
                continue
            status = _Status(block in self.sd.overflow_blocks)
            try:
                if self.kind == "input":
                    data = np.zeros((self.blocksize, self.channels), dtype=np.float32)
                    src = self.sd.input_signal
                    if src is not None and pos < len(src):
                        part = src[pos : pos + self.blocksize]
                        data[: len(part)] = part.reshape(len(part), -1)[:, :1]
                    self.callback(data, self.blocksize, None, status)
                else:
                    out = np.full((self.blocksize, self.channels), np.nan, dtype=np.float32)
                    try:
                        self.callback(out, self.blocksize, None, status)
                    finally:
                        self.sd.played.append(out.copy())
            except (CallbackStop, CallbackAbort):
                break
            pos += self.blocksize
            block += 1
            time.sleep(period)
        self.active = False
        if self.finished_callback is not None:
            self.finished_callback()

    def _halt_thread(self) -> None:
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def stop(self) -> None:
        self._halt_thread()

    def abort(self) -> None:
        self._halt_thread()

    def close(self) -> None:
        self._halt_thread()
        self.closed = True


class FakeSoundDevice:
    """Stands in for the sounddevice module."""

    PortAudioError = PortAudioError
    CallbackStop = CallbackStop
    CallbackAbort = CallbackAbort

    def __init__(
        self, devices: list[dict[str, Any]] | None = None, default: tuple[int, int] = (0, 1)
    ) -> None:
        self.devices = (
            devices
            if devices is not None
            else [device_entry(0, "Fake Mic", 2, 0, 48000.0), device_entry(1, "Fake Speaker", 0, 2, 44100.0)]
        )
        self.default = _Default()
        self.default.device = list(default)
        self.streams: list[FakeStream] = []
        self.played: list[np.ndarray] = []
        self.input_signal: np.ndarray | None = None
        self.blocksize = 512
        self.speed = 20.0
        self.open_error: Exception | None = None
        self.start_error: Exception | None = None
        self.rate_error: Exception | None = None
        self.supported_rates: set[int] | None = None
        self.lose_after_blocks: int | None = None
        self.stall_after_blocks: int | None = None
        self.overflow_blocks: set[int] = set()
        self.first_block_delay = 0.0  # seconds before an input stream's first callback (wall time)

    def query_devices(self) -> list[dict[str, Any]]:
        return list(self.devices)

    def query_hostapis(self, index: int) -> dict[str, Any]:
        return {"name": "FakeAPI"}

    def _check(self, samplerate: float | None) -> None:
        if self.rate_error is not None:
            raise self.rate_error
        if (
            self.supported_rates is not None
            and samplerate is not None
            and int(samplerate) not in self.supported_rates
        ):
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")

    def check_input_settings(
        self, device: Any = None, samplerate: float | None = None, **kwargs: Any
    ) -> None:
        self._check(samplerate)

    def check_output_settings(
        self, device: Any = None, samplerate: float | None = None, **kwargs: Any
    ) -> None:
        self._check(samplerate)

    def InputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802 - sounddevice's name
        if self.open_error is not None:
            raise self.open_error
        return FakeStream(self, "input", **kwargs)

    def OutputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802 - sounddevice's name
        if self.open_error is not None:
            raise self.open_error
        return FakeStream(self, "output", **kwargs)

    def played_audio(self) -> np.ndarray:
        """Everything output streams were given, channel 0, as one (N,) array."""
        if not self.played:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([block[:, 0] for block in self.played])


def realtime_device_with_voice(
    devices: list[dict[str, Any]] | None = None, seconds: float = 20.0
) -> FakeSoundDevice:
    """A FakeSoundDevice that runs in real time (48 kHz, 480-frame blocks) and whose microphone plays a
    170 Hz harmonic tone (a voice-like signal with a clear pitch) for `seconds`."""
    sd = FakeSoundDevice(devices)
    sd.speed = 1.0
    sd.blocksize = 480
    t = np.arange(int(48000 * seconds)) / 48000
    wave = sum(np.sin(2 * np.pi * 170 * k * t) / k for k in range(1, 9))
    sd.input_signal = (0.3 * wave / np.max(np.abs(wave))).astype(np.float32)
    return sd
