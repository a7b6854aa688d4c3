"""Play the input or the converted output on an output device, with A/B switching at the same position.

Concurrency design: control methods (`play`, `pause`, `stop`, `seek`, `switch`) may be called from any
thread; they serialise among themselves with a lock the audio callback never takes. They talk to the
callback through single attribute stores (atomic under the GIL): `_seek_request`, `_target`, `_stop_request`.
The PortAudio callback only copies from buffers prepared by `load()`/`play()` (mono float32 at the playback
rate) into `outdata`, using preallocated fade ramps and scratch space: no allocation, I/O or locks.

- Switching source (`switch`) crossfades the old and new source over `CROSSFADE_SECONDS` at the same
  position, so there is no click; `pause`/`stop` fade out over the same time before the stream stops.
- The playback rate is the first source's rate when the device accepts it, else the device's own rate;
  every source is resampled (soxr) to that one rate so positions match between sources.
- The ALSA ``pulse`` device can drop the first ~60 ms written, so each start plays `preroll` silence first.
- Before the stream stops, `TAIL_SECONDS` of silence are played: the ALSA ``pulse`` device drops audio still
  queued when a stream closes, which would cut the end or the fade-out (a click).
- When the current source ends, playback stops and `on_finished` is called (from a short-lived thread).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
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
from autovoice_desktop.audio.io import resample
from autovoice_desktop.core.errors import AudioDeviceError, AudioError
from autovoice_desktop.core.types import AudioDeviceInfo

CROSSFADE_SECONDS = 0.03
TAIL_SECONDS = 0.25  # silence after the last sound, so closing the stream never cuts audio still queued
_SCRATCH_FRAMES = 16384


def finite(data: np.ndarray, block: int = 1 << 20) -> np.ndarray:
    """data (N,) itself when every sample is finite (the usual case: loaded and converted audio are), else a
    copy with NaN/Inf made 0. Checked in blocks: no copy and no full-length temporary on the GUI thread
    (np.nan_to_num copied two 10-minute sources there: about 2 s on a loaded 2-core machine)."""
    for start in range(0, len(data), block):
        if not np.isfinite(data[start : start + block]).all():
            return np.nan_to_num(data)
    return data


class _CallbackStop(Exception):
    """Stand-in for sounddevice.CallbackStop when a fake module has none."""


class Player:
    """A/B player of prepared sources ("input", "output", …) on one output device."""

    def __init__(
        self,
        device: DeviceSpec = None,
        sd: Any | None = None,
        *,
        on_finished: Callable[[], None] | None = None,
        preroll: float = 0.1,
        latency: str | float = "high",
    ) -> None:
        self._device_spec = device
        self._sd = sd
        self.on_finished = on_finished
        self.preroll = preroll
        self.latency = latency
        self._lock = threading.RLock()
        self._raw: dict[str, tuple[np.ndarray, int]] = {}
        self._buffers: dict[str, np.ndarray] = {}
        self._prepared_for: tuple[int, int] | None = None  # (device index, rate)
        self._device: AudioDeviceInfo | None = None
        self.sample_rate = 0
        self._stream: Any = None
        self._closing: Any = None  # a paused stream still fading out
        self._finished_event = threading.Event()
        self._generation = 0
        self._stop_position: int | None = None  # where the playhead goes once a stop() has faded out
        # state shared with the callback (single attribute stores only)
        self._current = "input"
        self._target = "input"
        self._pos = 0
        self._seek_request: int | None = None
        self._stop_request = False
        self._ended = False
        self._playing = False
        self._preroll_left = 0
        self._fade_from = ""
        self._fade_left = 0
        self._fade_len = 1
        self._ramp_in = np.ones(1, dtype=np.float32)
        self._ramp_out = np.zeros(1, dtype=np.float32)
        self._scratch = np.zeros(_SCRATCH_FRAMES, dtype=np.float32)
        self._stop_exc: type[BaseException] = _CallbackStop
        self._tail_left = -1  # >= 0 while the callback plays the silent tail before stopping
        self._tail_frames = 0
        self._fadeout_left = -1  # >= 0 while fading out before a pause/stop

    # --- sources ----------------------------------------------------------------------------------
    def load(self, sources: dict[str, tuple[np.ndarray, int]]) -> None:
        """Set the playable sources: name -> ((N,) or (N, C) samples, sample rate). Stops playback."""
        with self._lock:
            self._halt_now()
            raw = {}
            for name, (samples, rate) in sources.items():
                data = np.asarray(samples, dtype=np.float32)
                if data.ndim == 2:
                    data = data.mean(axis=1)
                if data.ndim != 1 or rate <= 0:
                    raise AudioError(
                        f"cannot play '{name}': expected (N,) or (N, C) audio with a positive rate"
                    )
                kept = self._raw.get(name, (None, 0))[0]
                raw[name] = (data if kept is data else finite(data), int(rate))  # same array: checked before
            self._raw = raw
            self._buffers = {}
            self._prepared_for = None
            self._pos = 0
            if self._target not in raw and raw:
                self._target = self._current = next(iter(raw))

    def replace_source(self, name: str, samples: np.ndarray, sample_rate: int) -> bool:
        """Swap in new samples for source `name` without stopping (the pitch editor's re-rendered output).

        Only for the same length and rate (the playhead stays valid); False (nothing changed) otherwise, or
        when the sources or the playback rate changed while it resampled. Any thread: the resampling to the
        playback rate runs without the lock (callers run it off the GUI thread: seconds for a long file).
        """
        data = finite(np.asarray(samples, dtype=np.float32))
        with self._lock:
            old = self._raw.get(name)
            if old is None or data.ndim != 1 or len(old[0]) != len(data) or old[1] != int(sample_rate):
                return False
            raw, rate, prepared = self._raw, self.sample_rate, name in self._buffers
        fresh = resample(data, sample_rate, rate) if prepared and sample_rate != rate else data
        with self._lock:
            if self._raw is not raw or self.sample_rate != rate or (name in self._buffers) != prepared:
                return False
            self._raw = {**self._raw, name: (data, int(sample_rate))}
            if prepared:
                # one store: the audio callback sees the old or the new buffer, never a mix
                self._buffers = {**self._buffers, name: np.ascontiguousarray(fresh)}
            return True

    def set_device(self, device: DeviceSpec) -> None:
        """Use another output device from the next play() (stops playback)."""
        with self._lock:
            self._halt_now()
            self._device_spec = device
            self._prepared_for = None

    def _choose_rate(self) -> tuple[AudioDeviceInfo, int]:
        """The output device and the playback rate: the first source's rate if the device takes it."""
        sd = self._sd if self._sd is not None else load_sounddevice()
        self._sd = sd
        dev = resolve_device(self._device_spec, "output", sd)
        rate = next(iter(self._raw.values()))[1]
        check = getattr(sd, "check_output_settings", None)
        if check is not None:
            try:
                check(device=dev.index, samplerate=rate, channels=1, dtype="float32")
            except Exception:
                rate = int(round(dev.default_sample_rate)) or 48000
        return dev, rate

    def _prepare(self) -> None:
        """Open-time work: pick device and rate, resample every source to it, build the fade ramps."""
        dev, rate = self._choose_rate()
        if self._prepared_for != (dev.index, rate):
            self._commit(dev, rate, _resampled(self._raw, rate))

    def prepare(self) -> None:
        """Do play()'s slow part now, on the calling thread (a helper thread; never the GUI thread): pick the
        device rate and resample every source to it. The resampling (seconds for a long file) runs without
        the lock, so play(), load() and the position stay responsive meanwhile; when the sources changed
        in the meantime the result is dropped (the next prepare() or play() does the new ones)."""
        with self._lock, portaudio_lock():
            if not self._raw:
                return
            dev, rate = self._choose_rate()
            if self._prepared_for == (dev.index, rate):
                return
            raw = self._raw
        buffers = _resampled(raw, rate)
        with self._lock:
            if self._raw is raw and self._prepared_for != (dev.index, rate) and not self._playing:
                self._commit(dev, rate, buffers)

    def needs_prepare(self) -> bool:
        """True when play() would have to resample (or check the device) first: call prepare() off the GUI
        thread before it. Cheap: no device query."""
        return bool(self._raw) and self._prepared_for is None

    def _commit(self, dev: AudioDeviceInfo, rate: int, buffers: dict[str, np.ndarray]) -> None:
        """Under the lock: use `buffers` (resampled to `rate`) on `dev`; the playhead keeps its time."""
        position = self.position_seconds
        self._buffers = buffers
        self._device, self.sample_rate, self._prepared_for = dev, rate, (dev.index, rate)
        self._fade_len = max(1, int(CROSSFADE_SECONDS * rate))
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, self._fade_len, dtype=np.float64))
        self._ramp_in = ramp.astype(np.float32)
        self._ramp_out = (1.0 - ramp).astype(np.float32)
        self._pos = int(position * rate)

    # --- control ----------------------------------------------------------------------------------
    def play(self, source: str = "input", start_seconds: float | None = 0.0) -> None:
        """Play `source` from `start_seconds` (None: from the current position). Raises AudioDeviceError."""
        with self._lock:
            if source not in self._raw:
                raise AudioError(
                    f"nothing to play as '{source}'", f"loaded: {', '.join(self._raw) or 'nothing'}"
                )
            if self._playing:
                self.switch(source)
                if start_seconds is not None:
                    self.seek(start_seconds)
                return
            self._halt_now()
            with portaudio_lock():  # no device refresh on another thread between resolving and opening
                self._prepare()
                self._current = self._target = source
                if start_seconds is not None:
                    self._pos = self._frames_at(start_seconds)
                if self._pos >= len(self._buffers[source]):
                    self._pos = 0
                self._seek_request = self._stop_position = None
                self._stop_request = self._ended = False
                self._fade_left = 0
                self._preroll_left = int(self.preroll * self.sample_rate)
                self._tail_left = self._fadeout_left = -1
                self._tail_frames = int(TAIL_SECONDS * self.sample_rate)
                self._open_stream()

    def _open_stream(self) -> None:
        sd, dev = self._sd, self._device
        assert dev is not None
        self._stop_exc = getattr(sd, "CallbackStop", _CallbackStop)
        channels = 1 if dev.max_output_channels >= 1 else 2
        self._generation += 1
        generation = self._generation
        try:
            self._stream = track_stream(
                sd.OutputStream(
                    device=dev.index,
                    samplerate=self.sample_rate,
                    channels=channels,
                    dtype="float32",
                    latency=self.latency,
                    callback=self._callback,
                    finished_callback=lambda: self._on_stream_finished(generation),
                )
            )
            self._playing = True
            self._stream.start()
        except Exception as exc:
            self._playing = False
            self._halt_now()
            if isinstance(exc, AudioDeviceError):
                raise
            raise stream_error(exc, dev, "output", self.sample_rate) from exc

    def _frames_at(self, seconds: float) -> int:
        rate = self.sample_rate or next(iter(self._raw.values()))[1]
        return max(0, int(round(float(seconds) * rate)))

    def pause(self) -> None:
        """Fade out; the stream closes itself on a helper thread (never blocks). play(.., None) resumes."""
        with self._lock:
            self._fade_and_release(reset=False)

    def stop(self) -> None:
        """Like pause(), and go back to the start."""
        with self._lock:
            self._fade_and_release(reset=True)

    def _fade_and_release(self, reset: bool) -> None:
        stream = self._stream
        if reset:
            self._stop_position = 0
        if self._playing and stream is not None:
            self._stop_request = True  # the callback fades out, plays the silent tail, then stops
            self._playing = False
            self._stream = None
            self._closing = stream
            threading.Thread(
                target=self._close_when_done, args=(stream,), name="player-close", daemon=True
            ).start()
        else:
            self._halt_now()
        if reset:
            self._pos = 0
            self._seek_request = None

    def _close_when_done(self, stream: Any) -> None:
        """Helper thread: wait for the fade-out and tail, then release the stream."""
        self._finished_event.wait(timeout=TAIL_SECONDS + CROSSFADE_SECONDS + 2.0)
        with self._lock:
            if self._closing is stream:
                self._closing = None
                _release(stream)

    def seek(self, seconds: float) -> None:
        """Move the playhead (while playing or not)."""
        with self._lock:
            frames = self._frames_at(seconds)
            if self._playing:
                self._seek_request = frames
            else:
                self._pos = frames
                self._stop_position = None

    def switch(self, source: str) -> None:
        """A/B: continue with `source` at the same position (crossfaded while playing)."""
        with self._lock:
            if source not in self._raw:
                raise AudioError(
                    f"nothing to play as '{source}'", f"loaded: {', '.join(self._raw) or 'nothing'}"
                )
            self._target = source
            if not self._playing:
                self._current = source

    def close(self) -> None:
        """Stop at once and release the device."""
        with self._lock:
            self._halt_now()

    def _halt_now(self) -> None:
        """Abort the current and any closing stream synchronously (no callback runs afterwards)."""
        for stream in (self._stream, self._closing):
            if stream is not None:
                _release(stream)
        if self._stop_position is not None:
            self._pos = self._stop_position
        self._stream = self._closing = None
        self._playing = False
        self._finished_event.clear()

    # --- state ------------------------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        """True while the stream plays."""
        return self._playing

    @property
    def source(self) -> str:
        """The selected source name."""
        return self._target

    @property
    def device(self) -> AudioDeviceInfo | None:
        """The output device of the last play()."""
        return self._device

    @property
    def position_seconds(self) -> float:
        """Playhead in seconds."""
        rate = self.sample_rate or (next(iter(self._raw.values()))[1] if self._raw else 0)
        pos = self._seek_request if self._seek_request is not None else self._pos
        if self._stop_position is not None:
            pos = self._stop_position
        return pos / rate if rate else 0.0

    def duration_seconds(self, source: str | None = None) -> float:
        """Length of `source` (default: the selected one) in seconds."""
        data = self._raw.get(source or self._target)
        return len(data[0]) / data[1] if data else 0.0

    # --- PortAudio thread -------------------------------------------------------------------------
    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        """Copy the next block from the prepared buffers; crossfade on switch; fade out on pause."""
        outdata.fill(0.0)
        if self._tail_left >= 0:  # stopping: silence until the device has played the fade-out
            self._tail_left -= frames
            if self._tail_left <= 0:
                raise self._stop_exc
            return
        out = outdata[:, 0]
        start = 0
        if self._preroll_left > 0:
            start = min(frames, self._preroll_left)
            self._preroll_left -= start
        seek = self._seek_request
        if seek is not None:
            self._seek_request = None
            self._pos = seek
        if self._target != self._current and self._fade_left == 0:
            self._fade_from, self._current = self._current, self._target
            self._fade_left = self._fade_len
        if self._stop_request and self._fadeout_left < 0:
            self._fadeout_left = self._fade_len
        n = frames - start
        pos = self._pos
        cur = self._buffers[self._current]
        take = max(0, min(n, len(cur) - pos))
        out[start : start + take] = cur[pos : pos + take]
        if self._fade_left > 0 and n > 0:
            self._crossfade(out[start:], pos, n)
        if self._fadeout_left >= 0:
            k = min(n, self._fadeout_left)
            j = self._fade_len - self._fadeout_left
            seg = out[start : start + k]
            np.multiply(seg, self._ramp_out[j : j + k], out=seg)
            out[start + k :] = 0.0
            self._fadeout_left -= k
            n = k
        self._pos = pos + n
        if outdata.shape[1] > 1:
            outdata[:, 1:] = outdata[:, :1]
        if self._fadeout_left == 0:
            self._tail_left = self._tail_frames
            if self._stop_position is not None:
                self._pos = self._stop_position
        elif self._pos >= len(cur) and self._fade_left == 0:
            self._ended = True
            self._pos = len(cur)
            self._tail_left = self._tail_frames

    def _crossfade(self, out: np.ndarray, pos: int, n: int) -> None:
        """Callback helper: fade `out[:k]` (new source) in and the old source out, in place."""
        k = min(n, self._fade_left, len(self._scratch))
        j = self._fade_len - self._fade_left
        seg = out[:k]
        np.multiply(seg, self._ramp_in[j : j + k], out=seg)
        old = self._buffers[self._fade_from]
        m = max(0, min(k, len(old) - pos))
        mix = self._scratch[:m]
        np.multiply(old[pos : pos + m], self._ramp_out[j : j + m], out=mix)
        seg[:m] += mix
        self._fade_left -= k

    def _on_stream_finished(self, generation: int) -> None:
        if generation != self._generation:
            return
        self._playing = False
        self._finished_event.set()
        if self._ended and not self._stop_request:
            threading.Thread(target=self._after_end, args=(generation,), daemon=True).start()

    def _after_end(self, generation: int) -> None:
        """Helper thread after the source played to its end: release the device, then tell the owner."""
        with self._lock:
            if generation == self._generation and not self._playing and self._stream is not None:
                _release(self._stream)
                self._stream = None
        if self.on_finished is not None:
            self.on_finished()


def _resampled(raw: dict[str, tuple[np.ndarray, int]], rate: int) -> dict[str, np.ndarray]:
    """Every source of `raw` at `rate`, contiguous (a source already at `rate` is used as it is)."""
    return {
        name: np.ascontiguousarray(resample(data, src_rate, rate) if src_rate != rate else data)
        for name, (data, src_rate) in raw.items()
    }


def _release(stream: Any) -> None:
    """Abort and close a stream, ignoring errors of a device that is already gone."""
    with contextlib.suppress(Exception):
        stream.abort()
    with contextlib.suppress(Exception):
        stream.close()
