"""Record a take from an input device into a crash-safe WAV (see takes.py), at the device's rate.

Concurrency design (three activities, none blocks another):
- the PortAudio callback (`_callback`) only copies each block into a preallocated RingBuffer and updates
  plain counters; it never allocates a file, takes a lock, logs or does I/O;
- the `TakeWriter` thread drains the ring buffer to disk and measures levels;
- the controlling thread (CLI loop, Qt worker) calls `start()`, polls `check()`, `pop_levels()`,
  `elapsed_seconds`, `limit_reached`, and calls `stop()`, which always keeps what was recorded.

Failures give an AudioDeviceError with a clear message: no input device, device busy, unsupported rate
(from `start()`), and, while recording, device lost (the stream finished by itself, or no block arrived for
`stall_timeout` seconds) or overflow (blocks dropped), reported by `check()`/`RecordingResult`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autovoice_desktop.audio.devices import (
    DeviceSpec,
    load_sounddevice,
    portaudio_lock,
    resolve_device,
    stream_error,
    track_stream,
)
from autovoice_desktop.audio.ring_buffer import RingBuffer
from autovoice_desktop.audio.takes import Levels, TakeFile, TakeWriter, new_take_path
from autovoice_desktop.core.errors import AudioDeviceError
from autovoice_desktop.core.types import AudioDeviceInfo

log = logging.getLogger(__name__)

# Input latency in seconds. Through the ALSA "pulse" plugin, smaller values (and "low"/"high", 35 ms there)
# sometimes stall the first callback for 1-2 s, and the audio of that gap is lost; 0.2 s never did in tests.
INPUT_LATENCY = 0.2
FIRST_BLOCK_GRACE = 10.0  # PortAudio may take ~2 s to deliver the first block; don't call that a stall
RING_SECONDS = 10.0  # how far the writer may fall behind before blocks are dropped
COMMON_RATES = (48000, 44100, 32000, 22050, 16000)  # tried when the device's own rate is refused


@dataclass(frozen=True)
class RecordingResult:
    """A finished take: the WAV, its format, and what went wrong (recorded audio is kept regardless)."""

    path: Path | None
    sample_rate: int
    channels: int
    frames: int
    error: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0


class Recorder:
    """One take from one input device. Make a new Recorder for each take."""

    def __init__(
        self,
        device: DeviceSpec = None,
        samplerate: int | None = None,
        channels: int = 1,
        *,
        sd: Any | None = None,
        max_seconds: float | None = None,
        folder: Path | None = None,
        blocksize: int = 0,
        latency: str | float = INPUT_LATENCY,
        stall_timeout: float = 3.0,
    ) -> None:
        self.device_spec = device
        self.requested_rate = samplerate
        self.requested_channels = max(1, int(channels))
        self.max_seconds = max_seconds
        self.folder = folder
        self.blocksize = blocksize
        self.latency = latency
        self.stall_timeout = stall_timeout
        self._sd = sd
        self.device: AudioDeviceInfo | None = None
        self.sample_rate = 0
        self.channels = 0
        self._stream: Any = None
        self._ring: RingBuffer | None = None
        self._take: TakeFile | None = None
        self._writer: TakeWriter | None = None
        self._max_frames = 0
        # written by the callback only:
        self._captured = 0
        self._blocks = 0
        self._overflows = 0
        self._last_block = 0.0
        # written by the PortAudio thread when the stream ends:
        self._finished_by_itself = False
        self._stopping = False
        self._started_at = 0.0
        self._result: RecordingResult | None = None

    # --- control ---------------------------------------------------------------------------------------
    def start(self) -> Path:
        """Open the device and start recording; returns the take's (partial) path. Raises AudioDeviceError."""
        if self._stream is not None or self._result is not None:
            raise RuntimeError("a Recorder records one take; make a new one")
        sd = self._sd if self._sd is not None else load_sounddevice()
        self._sd = sd
        with portaudio_lock():  # no device refresh on another thread while we resolve, check and open
            path = self._open(sd)
        name = self.device.name if self.device is not None else "?"
        log.info("recording from %s at %d Hz, %d ch into %s", name, self.sample_rate, self.channels, path)
        return path

    def _open(self, sd: Any) -> Path:
        """Resolve the device, pick the rate, create the take file and start the stream; the take's path."""
        dev = resolve_device(self.device_spec, "input", sd)
        self.device = dev
        channels = max(1, min(self.requested_channels, dev.max_input_channels))
        rate = self._pick_rate(sd, dev, channels)
        self.sample_rate, self.channels = rate, channels
        self._max_frames = int(round(self.max_seconds * rate)) if self.max_seconds else 0
        self._ring = RingBuffer(int(RING_SECONDS * rate), channels)
        self._take = TakeFile(new_take_path(self.folder), rate, channels)
        try:
            self._stream = track_stream(
                sd.InputStream(
                    device=dev.index,
                    samplerate=rate,
                    channels=channels,
                    dtype="float32",
                    blocksize=self.blocksize,
                    latency=self.latency,
                    callback=self._callback,
                    finished_callback=self._on_finished,
                )
            )
            self._writer = TakeWriter(self._ring, self._take)
            self._writer.start()
            self._started_at = time.monotonic()
            self._last_block = self._started_at
            self._stream.start()
        except Exception as exc:
            self._abandon()
            if isinstance(exc, AudioDeviceError):
                raise
            raise stream_error(exc, dev, "input", rate) from exc
        return self._take.path

    def _pick_rate(self, sd: Any, dev: AudioDeviceInfo, channels: int) -> int:
        """The requested rate (must work); else the device rate, else the first common rate that works."""
        check = getattr(sd, "check_input_settings", None)
        own = int(round(dev.default_sample_rate)) or 48000
        candidates = [int(self.requested_rate)] if self.requested_rate else [own, *COMMON_RATES]
        first_error: Exception | None = None
        for rate in dict.fromkeys(candidates):
            if check is None:
                return rate
            try:
                check(device=dev.index, samplerate=rate, channels=channels, dtype="float32")
                return rate
            except Exception as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise stream_error(first_error, dev, "input", candidates[0]) from first_error

    def _abandon(self) -> None:
        """Undo a failed start: no stream, no writer, no file."""
        if self._writer is not None:
            self._writer.stop()
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()
        if self._take is not None:
            path = self._take.close(finish=False)
            path.unlink(missing_ok=True)
        self._stream = self._writer = self._take = None

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio thread: copy the block into the ring buffer; nothing else."""
        if status and getattr(status, "input_overflow", False):
            self._overflows += 1
        self._blocks += 1
        self._last_block = time.monotonic()
        # Blocks that arrive while stop() waits for the stream are kept: they hold the last words (the
        # writer drains them after the stream is closed, when no callback can run any more).
        n = frames
        if self._max_frames:
            n = min(frames, self._max_frames - self._captured)
        if n > 0:
            self._ring.write(indata[:n])  # type: ignore[union-attr]
            self._captured += n

    def _on_finished(self) -> None:
        """PortAudio thread: the stream ended (by stop() or because the device went away)."""
        if not self._stopping:
            self._finished_by_itself = True

    # --- state ---------------------------------------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        """True between start() and stop()."""
        return self._stream is not None and self._result is None

    @property
    def frames(self) -> int:
        """Frames captured so far."""
        return self._captured

    @property
    def elapsed_seconds(self) -> float:
        """Seconds of audio captured so far."""
        return self._captured / self.sample_rate if self.sample_rate else 0.0

    @property
    def first_block_arrived(self) -> bool:
        """True once the device delivered audio (PortAudio can take up to ~2 s after start)."""
        return self._blocks > 0

    def wait_first_block(self, timeout: float = 10.0) -> bool:
        """Wait until the first block arrived; False on timeout or when the stream failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._blocks > 0:
                return True
            if self._finished_by_itself:
                return False
            time.sleep(0.005)
        return self._blocks > 0

    @property
    def limit_reached(self) -> bool:
        """True when max_seconds of audio were captured (then call stop())."""
        return bool(self._max_frames) and self._captured >= self._max_frames

    def pop_levels(self) -> Levels:
        """Levels since the last call (measured by the writer thread, never in the callback)."""
        return self._writer.pop_levels() if self._writer is not None else Levels()

    def check(self) -> str | None:
        """A message if recording cannot go on (device lost, stalled, disk error); None while all is well."""
        if self._writer is not None and self._writer.error:
            return self._writer.error
        name = f"'{self.device.name}'" if self.device else "the input device"
        if self._finished_by_itself:
            return f"{name} stopped (disconnected or taken by another program); the take so far was kept"
        stream_active = getattr(self._stream, "active", True)
        if self._stream is not None and not stream_active and not self._stopping:
            return f"{name} stopped delivering audio; the take so far was kept"
        limit = self.stall_timeout if self._blocks else max(self.stall_timeout, FIRST_BLOCK_GRACE)
        if self.is_recording and time.monotonic() - self._last_block > limit:
            waited = time.monotonic() - self._last_block
            return f"{name} delivered no audio for {waited:.1f} s (disconnected?); the take so far was kept"
        return None

    def warnings(self) -> list[str]:
        """Non-fatal problems so far (overflows, dropped blocks, clipping)."""
        notes = []
        dropped = self._ring.dropped_frames if self._ring else 0
        if self._overflows or dropped:
            lost = f", {dropped / max(self.sample_rate, 1):.2f} s dropped" if dropped else ""
            notes.append(f"input overflow: the computer could not keep up {self._overflows} time(s){lost}")
        if self._writer is not None and self._writer.clip_count:
            notes.append("the input clipped (0 dBFS reached): lower the input gain")
        return notes

    def stop(self) -> RecordingResult:
        """Stop recording and finish the take (whatever was recorded is kept). Safe to call twice."""
        if self._result is not None:
            return self._result
        if self._stream is None:
            raise RuntimeError("stop() before start()")
        error = self.check()
        self._stopping = True
        try:
            self._stream.stop()
        except Exception as exc:
            log.warning("stopping the input stream failed: %s", exc)
            with contextlib.suppress(Exception):
                self._stream.abort()
        with contextlib.suppress(Exception):
            self._stream.close()
        assert self._writer is not None and self._take is not None
        self._writer.stop()
        error = error or self._writer.error
        warnings = tuple(self.warnings())
        frames = self._take.frames
        try:
            path: Path | None = self._take.close(finish=True)
        except OSError as exc:
            error = error or f"finishing the take failed: {exc}"
            path = self._take.path
        if frames == 0 and path is not None:
            path.unlink(missing_ok=True)
            path = None
            error = error or "no audio arrived from the input device"
        self._result = RecordingResult(path, self.sample_rate, self.channels, frames, error, warnings)
        log.info("take finished: %s, %d frames, error=%s", path, frames, error)
        return self._result
