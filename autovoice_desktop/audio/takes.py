"""Crash-safe takes: a recording is streamed to a WAV file while it is being made.

File format: RIFF/WAVE, 32-bit float (format tag 3), 18-byte fmt chunk, a fact chunk, then data. The header
is written first with the sizes known so far, and `TakeFile.sync()` rewrites the sizes in place and fsyncs
(the writer thread does it about twice a second), so after a crash or power loss the file is a valid WAV
that is at most one sync behind. `recover_take()` recomputes the sizes from the file length anyway.

Names: `take-<timestamp>.partial.wav` while recording, renamed to `take-<timestamp>.wav` when it ends.
A `.partial.wav` left in `core.paths.recordings_dir()` is an unfinished take: `find_unfinished_takes()` lists
them at the next launch and `recover_take()` repairs one and gives it its final name.

Concurrency design of `TakeWriter`: the audio callback only copies blocks into a `RingBuffer`. The writer
thread drains it every ~20 ms, measures levels (peak held until `pop_levels()`), appends to the file and
syncs the header. Nothing here runs in the audio callback.
"""

from __future__ import annotations

import logging
import math
import os
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autovoice_desktop.audio.ring_buffer import RingBuffer
from autovoice_desktop.core.errors import AudioEmptyError, AudioFormatError, OutputError
from autovoice_desktop.core.paths import recordings_dir

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial.wav"
_HEADER_BYTES = 58  # RIFF(12) + fmt(8+18) + fact(8+4) + data header(8)
_BYTES_PER_SAMPLE = 4
_active: set[Path] = set()  # takes this process is writing (never offered for recovery)
_active_lock = threading.Lock()


def _header(sample_rate: int, channels: int, frames: int) -> bytes:
    block = channels * _BYTES_PER_SAMPLE
    data_bytes = frames * block
    return b"".join(
        [
            b"RIFF",
            struct.pack("<I", _HEADER_BYTES - 8 + data_bytes),
            b"WAVE",
            b"fmt ",
            struct.pack("<IHHIIHHH", 18, 3, channels, sample_rate, sample_rate * block, block, 32, 0),
            b"fact",
            struct.pack("<II", 4, frames),
            b"data",
            struct.pack("<I", data_bytes),
        ]
    )


def new_take_path(folder: Path | None = None) -> Path:
    """A fresh `take-YYYYmmdd-HHMMSS-mmm.partial.wav` path in the recordings folder (created)."""
    folder = Path(folder) if folder else recordings_dir()
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        now = time.time()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f"-{int(now * 1000) % 1000:03d}"
        path = folder / f"take-{stamp}{PARTIAL_SUFFIX}"
        if not path.exists() and not final_path(path).exists():
            return path
        time.sleep(0.002)


def final_path(partial: Path) -> Path:
    """The name a take gets when it is finished (or recovered)."""
    name = partial.name
    if name.endswith(PARTIAL_SUFFIX):
        name = name[: -len(PARTIAL_SUFFIX)] + ".wav"
    return partial.with_name(name)


class TakeFile:
    """A float32 WAV being appended to, with a header kept valid by `sync()`."""

    def __init__(self, path: Path, sample_rate: int, channels: int) -> None:
        self.path = Path(path)
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.frames = 0
        self._synced_frames = -1
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "xb")  # noqa: SIM115 - closed in close()
            self._handle.write(_header(self.sample_rate, self.channels, 0))
            self._handle.flush()
        except OSError as exc:
            raise OutputError(
                f"{self.path}: cannot create the take file ({exc})", "check free disk space"
            ) from exc
        with _active_lock:
            _active.add(self.path)

    def append(self, frames: np.ndarray) -> None:
        """Append (n, channels) float32 frames at the end of the file."""
        data = np.ascontiguousarray(frames, dtype="<f4").reshape(-1, self.channels)
        if len(data):
            self._handle.write(data.tobytes())
            self.frames += len(data)

    def sync(self, fsync: bool = True) -> None:
        """Write the current sizes into the header and push everything to disk."""
        if self._synced_frames == self.frames:
            return
        self._handle.flush()
        position = self._handle.tell()
        self._handle.seek(0)
        self._handle.write(_header(self.sample_rate, self.channels, self.frames))
        self._handle.seek(position)
        self._handle.flush()
        if fsync:
            os.fsync(self._handle.fileno())
        self._synced_frames = self.frames

    def close(self, finish: bool = True) -> Path:
        """Sync and close; with finish=True rename to the final name. Returns the file's path."""
        if not self._handle.closed:
            self._synced_frames = -1
            self.sync()
            self._handle.close()
        with _active_lock:
            _active.discard(self.path)
        if finish and self.path.name.endswith(PARTIAL_SUFFIX):
            target = final_path(self.path)
            os.replace(self.path, target)
            self.path = target
        return self.path


@dataclass(frozen=True)
class Levels:
    """Levels since the last look: peak and RMS in dBFS (-120 = silence); clipped: a sample hit 0 dBFS."""

    peak_db: float = -120.0
    rms_db: float = -120.0
    clipped: bool = False


def to_dbfs(value: float) -> float:
    """Linear amplitude to dBFS, floored at -120."""
    return max(-120.0, 20.0 * math.log10(value)) if value > 0 else -120.0


class TakeWriter:
    """The thread that drains a RingBuffer into a TakeFile and measures levels."""

    CLIP_LEVEL = 0.999

    def __init__(
        self, ring: RingBuffer, take: TakeFile, sync_interval: float = 0.5, poll: float = 0.02
    ) -> None:
        self.ring = ring
        self.take = take
        self.sync_interval = sync_interval
        self.poll = poll
        self.error: str | None = None
        self.clip_count = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._peak = 0.0
        self._rms = 0.0
        self._clipped = False
        self._thread = threading.Thread(target=self._run, name="take-writer", daemon=True)

    def start(self) -> None:
        """Start draining."""
        self._thread.start()

    def pop_levels(self) -> Levels:
        """Peak (held since the last call), latest RMS and clip flag; resets the held peak and clip flag."""
        with self._lock:
            levels = Levels(to_dbfs(self._peak), to_dbfs(self._rms), self._clipped)
            self._peak = 0.0
            self._clipped = False
        return levels

    def _measure(self, block: np.ndarray) -> None:
        peak = float(np.max(np.abs(block))) if block.size else 0.0
        rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if block.size else 0.0
        clipped = peak >= self.CLIP_LEVEL
        with self._lock:
            self._peak = max(self._peak, peak)
            self._rms = rms
            if clipped:
                self._clipped = True
                self.clip_count += 1

    def _drain(self) -> None:
        block = self.ring.read()
        if len(block):
            self._measure(block)
            self.take.append(block)

    def _run(self) -> None:
        last_sync = time.monotonic()
        try:
            while not self._stop.wait(self.poll):
                self._drain()
                if time.monotonic() - last_sync >= self.sync_interval:
                    self.take.sync()
                    last_sync = time.monotonic()
        except OSError as exc:
            self.error = f"writing the take failed: {exc}"
            log.error("%s", self.error)

    def stop(self) -> None:
        """Stop the thread and write whatever is still in the ring buffer."""
        self._stop.set()
        self._thread.join(timeout=10)
        if self.error is None:
            try:
                self._drain()
            except OSError as exc:
                self.error = f"writing the take failed: {exc}"


# --- recovery at the next launch -------------------------------------------------------------------------
def find_unfinished_takes(folder: Path | None = None) -> list[Path]:
    """Takes a previous run left unfinished (oldest first), not counting ones this process is writing."""
    folder = Path(folder) if folder else recordings_dir()
    if not folder.is_dir():
        return []
    with _active_lock:
        active = set(_active)
    found = [p for p in folder.glob(f"*{PARTIAL_SUFFIX}") if p.is_file() and p not in active]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def _data_offset(raw: bytes, path: Path) -> tuple[int, int, int]:
    """(offset of the data bytes, channels, bytes per frame) of a take's header."""
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise AudioFormatError(f"{path}: not a WAV take (header damaged)", "the take cannot be recovered")
    pos, channels, block = 12, 0, 0
    while pos + 8 <= len(raw):
        chunk, size = raw[pos : pos + 4], struct.unpack("<I", raw[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            channels, _rate, _byte_rate, block = struct.unpack("<HIIH", raw[pos + 10 : pos + 22])
        if chunk == b"data":
            if not block:
                break
            return pos + 8, channels, block
        pos += 8 + size + (size & 1)
    raise AudioFormatError(f"{path}: the take's header is incomplete", "the take cannot be recovered")


def recover_take(path: Path) -> Path:
    """Repair an unfinished take's header from its length and give it its final name. Returns the new path.

    A take without a single whole frame is removed and AudioEmptyError raised.
    """
    path = Path(path)
    with open(path, "rb+") as handle:
        head = handle.read(4096)
        offset, channels, block = _data_offset(head, path)
        size = handle.seek(0, os.SEEK_END)
        frames = max(0, (size - offset) // block)
        if frames == 0:
            handle.close()
            path.unlink()
            raise AudioEmptyError(f"{path}: the unfinished take holds no audio; it was removed")
        handle.truncate(offset + frames * block)
        handle.seek(4)
        handle.write(struct.pack("<I", offset - 8 + frames * block))
        fact = head.find(b"fact", 12, offset)
        if fact >= 0:
            handle.seek(fact + 8)
            handle.write(struct.pack("<I", frames))
        handle.seek(offset - 4)
        handle.write(struct.pack("<I", frames * block))
        handle.flush()
        os.fsync(handle.fileno())
    target = final_path(path)
    os.replace(path, target)
    log.info("recovered take %s (%d frames, %d channels)", target, frames, channels)
    return target
