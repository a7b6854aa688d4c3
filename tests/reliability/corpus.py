"""A corpus of broken and hostile audio files, generated into a test's temporary folder.

Every case is built from scratch with soundfile/numpy/struct (nothing is checked in), so the corpus is
cheap and the tests say exactly what each file holds. `AUDIO_CASES` lists each case with what the public
entry points must do with it: either convert (the value is None) or fail with a given `AudioError` subclass.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from autovoice_desktop.core.errors import (
    AudioEmptyError,
    AudioError,
    AudioFileNotFoundError,
    AudioFormatError,
    AudioTruncatedError,
)

RATE = 16000
#: Length of the "good" clips: long enough for a built-in voice (>= 0.1 s), short enough to be fast.
CLIP_SECONDS = 0.6


def tone(
    seconds: float = CLIP_SECONDS, rate: int = RATE, f0: float = 180.0, amplitude: float = 0.4
) -> np.ndarray:
    """A voiced, speech-like test signal (N,) float32: a harmonic tone with a slow vibrato."""
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.02 * np.sin(2 * np.pi * 5 * t))) / rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 6))
    return (amplitude * wave / np.max(np.abs(wave))).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> Path:
    """Write `samples` ((N,) or (N, C)) as a WAV file with the given subtype."""
    sf.write(str(path), samples, rate, format="WAV", subtype=subtype)
    return path


# --- the cases -------------------------------------------------------------------------------------------
def empty_file(folder: Path) -> Path:
    """0 bytes, named .wav."""
    path = folder / "empty.wav"
    path.write_bytes(b"")
    return path


def zero_length_wav(folder: Path) -> Path:
    """A complete, valid WAV header whose data chunk holds no samples."""
    return write_wav(folder / "zero-length.wav", np.zeros(0, dtype=np.float32))


def one_sample(folder: Path) -> Path:
    """A valid WAV with exactly one sample."""
    return write_wav(folder / "one-sample.wav", np.array([0.25], dtype=np.float32))


def truncated_header(folder: Path) -> Path:
    """The first 20 bytes of a valid WAV: RIFF header and a piece of the fmt chunk."""
    good = write_wav(folder / "good-for-header.wav", tone())
    path = folder / "truncated-header.wav"
    path.write_bytes(good.read_bytes()[:20])
    good.unlink()
    return path


def truncated_data(folder: Path) -> Path:
    """A valid WAV cut in the middle of its data chunk (the header promises twice what is there)."""
    good = write_wav(folder / "good-for-data.wav", tone())
    data = good.read_bytes()
    path = folder / "truncated-data.wav"
    path.write_bytes(data[: 44 + (len(data) - 44) // 2])
    good.unlink()
    return path


def random_bytes_wav(folder: Path) -> Path:
    """64 KiB of random bytes named .wav (seeded; never starts with an audio magic)."""
    data = bytearray(np.random.default_rng(7).integers(0, 256, 65536, dtype=np.uint8).tobytes())
    data[:4] = b"\x00ZQX"
    path = folder / "random-bytes.wav"
    path.write_bytes(bytes(data))
    return path


def truncated_mp3(folder: Path) -> Path:
    """A 1 s MP3 cut in half (an interrupted download); its Xing header promises the full length."""
    good = folder / "good-for-mp3.mp3"
    sf.write(str(good), tone(1.0), RATE, format="MP3")
    data = good.read_bytes()
    good.unlink()
    path = folder / "truncated.mp3"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_as_mp3(folder: Path) -> Path:
    """A text file named .mp3."""
    path = folder / "notes.mp3"
    path.write_text("These are my song lyrics, not audio.\n" * 40, encoding="utf-8")
    return path


def directory(folder: Path) -> Path:
    """A folder whose name ends in .wav."""
    path = folder / "a-folder.wav"
    path.mkdir()
    return path


def missing_file(folder: Path) -> Path:
    """A path that does not exist."""
    return folder / "does-not-exist.wav"


def eight_channels_192k_float(folder: Path) -> Path:
    """8 channels at 192 kHz, 32-bit float, each channel a different level of the same tone."""
    mono = tone(rate=192000, seconds=0.3)
    frames = np.stack([mono * (0.3 + 0.1 * c) for c in range(8)], axis=1)
    return write_wav(folder / "eight-channels-192k.wav", frames, 192000, "FLOAT")


def ulaw_8k(folder: Path) -> Path:
    """8 kHz mono G.711 u-law WAV."""
    return write_wav(folder / "ulaw-8k.wav", tone(rate=8000), 8000, "ULAW")


def nan_inf(folder: Path) -> Path:
    """32-bit float WAV with NaN, +Inf and -Inf samples sprinkled through a voiced tone."""
    samples = tone()
    samples[100::997] = np.nan
    samples[300::1499] = np.inf
    samples[500::2003] = -np.inf
    return write_wav(folder / "nan-inf.wav", samples, RATE, "FLOAT")


def clipping(folder: Path) -> Path:
    """A tone driven 4x past full scale and hard-clipped to +-1 (int16)."""
    return write_wav(folder / "clipping.wav", np.clip(tone(amplitude=1.0) * 4.0, -1.0, 1.0))


def far_above_full_scale(folder: Path) -> Path:
    """A 32-bit float WAV peaking at 1000.0 (+60 dBFS): legal in a float file, hostile to DSP code."""
    return write_wav(folder / "far-above-full-scale.wav", tone(amplitude=1000.0), RATE, "FLOAT")


def dc_offset(folder: Path) -> Path:
    """A tone riding on a +0.5 DC offset."""
    return write_wav(folder / "dc-offset.wav", tone(amplitude=0.3) + np.float32(0.5))


def silence(folder: Path) -> Path:
    """Digital silence only: no voiced frames at all."""
    return write_wav(folder / "silence.wav", np.zeros(int(CLIP_SECONDS * RATE), dtype=np.float32))


def non_ascii_path(folder: Path) -> Path:
    """A good clip in a folder and file whose names hold spaces, accents, CJK and an emoji."""
    sub = folder / "Mes chansons 🎤 ファイル"
    sub.mkdir(exist_ok=True)
    return write_wav(sub / "Ünïcødé tëst 声.wav", tone())


@dataclass(frozen=True)
class AudioCase:
    """One corpus file: how to make it, and what must happen (None = it converts)."""

    name: str
    make: Callable[[Path], Path]
    error: type[AudioError] | None
    #: What the one-line message must contain (lower case), when it fails.
    says: str = ""


AUDIO_CASES: tuple[AudioCase, ...] = (
    AudioCase("empty-file", empty_file, AudioEmptyError, "empty"),
    AudioCase("zero-length-wav", zero_length_wav, AudioEmptyError, "empty"),
    AudioCase("truncated-header", truncated_header, AudioTruncatedError, "truncated"),
    AudioCase("truncated-data", truncated_data, AudioTruncatedError, "truncated"),
    AudioCase("truncated-mp3", truncated_mp3, AudioTruncatedError, "truncated"),
    AudioCase("random-bytes-wav", random_bytes_wav, AudioFormatError, "not an audio file"),
    AudioCase("text-as-mp3", text_as_mp3, AudioFormatError, "not an audio file"),
    AudioCase("directory", directory, AudioFileNotFoundError, "folder"),
    AudioCase("missing-file", missing_file, AudioFileNotFoundError, "not found"),
    AudioCase("8ch-192k-float", eight_channels_192k_float, None),
    AudioCase("ulaw-8k", ulaw_8k, None),
    AudioCase("nan-inf", nan_inf, None),
    AudioCase("clipping", clipping, None),
    AudioCase("far-above-full-scale", far_above_full_scale, None),
    AudioCase("dc-offset", dc_offset, None),
    AudioCase("silence", silence, None),
    AudioCase("non-ascii-path", non_ascii_path, None),
)
#: Loads fine, but is too short for any conversion: the voice must refuse it with a one-line message.
ONE_SAMPLE = AudioCase("one-sample", one_sample, None)


def write_long_wav(path: Path, seconds: float, rate: int = RATE, block_seconds: float = 60.0) -> Path:
    """A long 16-bit mono WAV written block by block (memory stays at one block), a tone with pauses."""
    block = tone(block_seconds, rate, amplitude=0.3)
    block[: len(block) // 4] = 0.0  # a pause every block: real audio has silences
    pcm = (block * 32767).astype("<i2").tobytes()
    blocks = max(1, round(seconds / block_seconds))
    data_bytes = len(pcm) * blocks
    with open(path, "wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16))
        handle.write(b"data" + struct.pack("<I", data_bytes))
        for _ in range(blocks):
            handle.write(pcm)
    return path


def unreadable_copy(source: Path, folder: Path) -> Path:
    """A copy of `source` with mode 000 (only root can still read it: see test_audio_inputs)."""
    path = folder / "no-permission.wav"
    path.write_bytes(source.read_bytes())
    os.chmod(path, 0)
    return path
