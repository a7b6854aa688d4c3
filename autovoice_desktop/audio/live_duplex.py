"""The device side of the live voice changer: an input and an output stream joined by two ring buffers.

Concurrency design (as the recorder): the input callback only copies each block into `RingBuffer` `_in`;
the output callback only copies from `_out` into the device buffer, and when `_out` holds too little it
plays what there is, fades its end, fills the rest with silence and counts an underrun (a dropout; never
garbage, never a wait). The live worker (engine/live/processor.py) reads `_in` and writes `_out`.
Callbacks take no locks, do no I/O and do not log.

Device loss: `check()` returns a message when a stream ended by itself or no input block arrived for
`stall_timeout` seconds (after the first one).
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import numpy as np

from autovoice_desktop.audio.devices import (
    DeviceSpec,
    load_sounddevice,
    portaudio_lock,
    resolve_device,
    stream_error,
    track_stream,
)
from autovoice_desktop.audio.ring_buffer import RingBuffer
from autovoice_desktop.core.errors import AudioDeviceError
from autovoice_desktop.core.priority import elevated_priority
from autovoice_desktop.core.types import AudioDeviceInfo

log = logging.getLogger(__name__)

#: PortAudio latency asked for each direction (seconds)
DEVICE_LATENCY_S = 0.01
RING_SECONDS = 2.0
FADE_SAMPLES = 64
FIRST_BLOCK_GRACE = 10.0
#: after the first converted audio is queued, the output stays muted this long while the worker, the block
#: size and the device buffers settle (start-up costs, first-callback stalls); underruns are not counted then
WARMUP_S = 1.0
#: rates tried first (the PulseAudio/PipeWire server's own rate avoids a resampler in the server)
PREFERRED_RATES = (48000, 44100)


class LiveDuplex:
    """Input and output streams for the live voice changer (mono at each device's own rate)."""

    def __init__(
        self,
        input_device: DeviceSpec = None,
        output_device: DeviceSpec = None,
        *,
        sd: Any | None = None,
        latency: float | str = DEVICE_LATENCY_S,
        stall_timeout: float = 2.0,
    ) -> None:
        self.input_spec = input_device
        self.output_spec = output_device
        self.latency = latency
        self.stall_timeout = stall_timeout
        self._sd = sd
        self.input_device: AudioDeviceInfo | None = None
        self.output_device: AudioDeviceInfo | None = None
        self.input_rate = 0
        self.output_rate = 0
        self._in_stream: Any = None
        self._out_stream: Any = None
        self._in: RingBuffer | None = None
        self._out: RingBuffer | None = None
        # written by the callbacks only:
        self._in_blocks = 0
        self._last_in = 0.0
        self._underruns = 0
        self._late_blocks = 0  # causes of the underruns: the converted audio ran out,
        self._device_underflows = 0  # the device ran dry before the callback came,
        self._input_overflows = 0  # the input callback came too late and captured audio was lost
        self._primed = False
        self._counting_from = float("inf")
        self._fade_in = True  # the first audible block fades in
        self._last = 0.0  # the last sample played (an underrun decays from it)
        self._lost: str | None = None
        self._stopping = False
        self._started = 0.0

    # --- control ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Resolve both devices and start both streams; AudioDeviceError says what went wrong."""
        sd = self._sd if self._sd is not None else load_sounddevice()
        self._sd = sd
        # the streams' threads (PortAudio callbacks, the PulseAudio client loop) inherit the raised priority
        with portaudio_lock(), elevated_priority():
            self.input_device = resolve_device(self.input_spec, "input", sd)
            self.output_device = resolve_device(self.output_spec, "output", sd)
            self.input_rate = _pick_rate(sd, self.input_device, "input")
            self.output_rate = _pick_rate(sd, self.output_device, "output")
            self._in = RingBuffer(int(RING_SECONDS * self.input_rate))
            self._out = RingBuffer(int(RING_SECONDS * self.output_rate))
            out_channels = max(1, min(2, self.output_device.max_output_channels))
            try:
                self._out_stream = track_stream(
                    sd.OutputStream(
                        device=self.output_device.index,
                        samplerate=self.output_rate,
                        channels=out_channels,
                        dtype="float32",
                        latency=self.latency,
                        callback=self._output_callback,
                        finished_callback=self._output_finished,
                    )
                )
                self._in_stream = track_stream(
                    sd.InputStream(
                        device=self.input_device.index,
                        samplerate=self.input_rate,
                        channels=1,
                        dtype="float32",
                        latency=self.latency,
                        callback=self._input_callback,
                        finished_callback=self._input_finished,
                    )
                )
                self._started = time.monotonic()
                self._last_in = self._started
                self._out_stream.start()
                self._in_stream.start()
            except Exception as exc:
                self.close()
                if isinstance(exc, AudioDeviceError):
                    raise
                failed = self.input_device if self._out_stream is not None else self.output_device
                kind = "input" if self._out_stream is not None else "output"
                raise stream_error(exc, failed, kind, None) from exc
        log.info(
            "live: input %s at %d Hz, output %s at %d Hz",
            self.input_device.name,
            self.input_rate,
            self.output_device.name,
            self.output_rate,
        )

    def close(self) -> None:
        """Stop and close both streams (safe to call twice)."""
        self._stopping = True
        for stream in (self._in_stream, self._out_stream):
            if stream is None:
                continue
            try:
                stream.abort()  # no draining: live output is not worth waiting for (a lost device can block)
            except Exception as exc:
                log.warning("stopping a live stream failed: %s", exc)
            with contextlib.suppress(Exception):
                stream.close()
        self._in_stream = self._out_stream = None

    # --- what the worker uses --------------------------------------------------------------------------
    @property
    def device_latency_s(self) -> float:
        """Input + output latency PortAudio reports for the open streams (seconds)."""
        total = 0.0
        for stream in (self._in_stream, self._out_stream):
            value = getattr(stream, "latency", 0.0) if stream is not None else 0.0
            total += float(value) if isinstance(value, int | float) else 0.0
        return total

    @property
    def output_queued(self) -> int:
        """Frames queued for the output callback."""
        return self._out.available if self._out is not None else 0

    @property
    def underruns(self) -> int:
        """Dropouts after the warm-up: output callbacks that ran short of converted audio, device underflows
        and input overflows (each one an audible gap or jump)."""
        return self._underruns

    @property
    def dropout_causes(self) -> dict[str, int]:
        """`underruns` by cause: late_block (the worker's audio ran out), device_underflow (the output device
        ran dry: its callback came too late), input_overflow (captured audio was lost)."""
        return {
            "late_block": self._late_blocks,
            "device_underflow": self._device_underflows,
            "input_overflow": self._input_overflows,
        }

    @property
    def input_blocks(self) -> int:
        """Input callbacks so far."""
        return self._in_blocks

    def read_input(self) -> np.ndarray:
        """Every captured frame not read yet, (n,) float32."""
        return self._in.read()[:, 0] if self._in is not None else np.zeros(0, dtype=np.float32)

    def write_output(self, samples: np.ndarray) -> None:
        """Queue (n,) float32 frames for the output device."""
        if self._out is not None and len(samples):
            self._out.write(np.asarray(samples, dtype=np.float32).reshape(-1, 1))
            if not self._primed:
                self._counting_from = time.monotonic() + WARMUP_S
                self._primed = True

    def check(self) -> str | None:
        """A message when the live stream cannot go on (a device went away or stopped delivering)."""
        if self._lost:
            return self._lost
        if self._in_stream is None or self._stopping:
            return None
        limit = self.stall_timeout if self._in_blocks else max(self.stall_timeout, FIRST_BLOCK_GRACE)
        waited = time.monotonic() - self._last_in
        if waited > limit:
            name = self.input_device.name if self.input_device else "the input device"
            return f"'{name}' delivered no audio for {waited:.1f} s (disconnected?)"
        return None

    # --- callbacks (PortAudio threads) -----------------------------------------------------------------
    def _input_callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        self._in_blocks += 1
        self._last_in = time.monotonic()
        if status and getattr(status, "input_overflow", False) and self.settled:
            self._input_overflows += 1  # input was lost: the converted audio jumps there
            self._underruns += 1
        if self._in is not None:
            self._in.write(indata[:, :1])

    def _output_callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        ring = self._out
        if ring is None:
            outdata.fill(0)
            return
        n = min(frames, ring.available)
        data = ring.read(n)
        settled = self._primed and time.monotonic() >= self._counting_from
        if not settled:
            outdata.fill(0)  # warm-up: muted, and nothing is counted
            return
        if status and getattr(status, "output_underflow", False):
            self._underruns += 1  # the device itself ran dry (the callback came too late)
            self._device_underflows += 1
            self._fade_in = True  # it played silence: come back with a ramp, not a step
        if n and self._fade_in:
            ramp = min(n, FADE_SAMPLES)
            data[:ramp, 0] *= np.linspace(0.0, 1.0, ramp, dtype=np.float32)
            self._fade_in = False
        outdata[:n] = data
        if n < frames:
            # the converted audio ran out: decay from the last sample played to silence (no step), count it
            last = float(data[n - 1, 0]) if n else self._last
            ramp = min(frames - n, FADE_SAMPLES)
            outdata[n:] = 0.0
            outdata[n : n + ramp] = (last * np.linspace(1.0, 0.0, ramp, dtype=np.float32))[:, None]
            self._underruns += 1
            self._late_blocks += 1
            self._fade_in = True
            self._last = 0.0
        elif n:
            self._last = float(data[n - 1, 0])

    @property
    def settled(self) -> bool:
        """True once the warm-up after the first queued audio is over (the output is audible)."""
        return self._primed and time.monotonic() >= self._counting_from

    def _input_finished(self) -> None:
        if not self._stopping:
            name = self.input_device.name if self.input_device else "the input device"
            self._lost = f"'{name}' stopped (disconnected or taken by another program)"

    def _output_finished(self) -> None:
        if not self._stopping:
            name = self.output_device.name if self.output_device else "the output device"
            self._lost = f"'{name}' stopped (disconnected or taken by another program)"


def _pick_rate(sd: Any, device: AudioDeviceInfo, kind: str) -> int:
    """The first of PREFERRED_RATES the device accepts, else its own rate."""
    check = getattr(sd, "check_input_settings" if kind == "input" else "check_output_settings", None)
    own = int(round(device.default_sample_rate)) or 48000
    for rate in (*PREFERRED_RATES, own):
        if check is None:
            return own
        try:
            check(device=device.index, samplerate=rate, channels=1, dtype="float32")
            return rate
        except Exception:
            continue
    return own
