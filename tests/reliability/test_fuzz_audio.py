"""Hypothesis: the audio loader on arbitrary bytes raises only AudioError subclasses, never anything else."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.audio.io import load_audio, probe
from autovoice_desktop.core.errors import AudioError

FUZZ = settings(
    max_examples=int(os.environ.get("AUTOVOICE_FUZZ_EXAMPLES", "100")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".aiff", ".au", ".txt", "")


def _valid_file(fmt: str, subtype: str) -> bytes:
    """A short valid file of the given format, as bytes (the seed that mutations start from)."""
    buffer = io.BytesIO()
    t = np.arange(1600) / 16000
    sf.write(
        buffer, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, format=fmt, subtype=subtype
    )
    return buffer.getvalue()


SEEDS = {
    "wav16": _valid_file("WAV", "PCM_16"),
    "wavfloat": _valid_file("WAV", "FLOAT"),
    "flac": _valid_file("FLAC", "PCM_16"),
    "aiff": _valid_file("AIFF", "PCM_16"),
    "au": _valid_file("AU", "PCM_16"),
}


def _load_only_audio_errors(data: bytes, suffix: str) -> None:
    """Write `data` to a file and load it: success, or an AudioError with a one-line message."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            loaded = load_audio(path)
        except AudioError as exc:
            assert "\n" not in exc.user_message()
            assert exc.exit_code == 3
        else:
            assert loaded.samples.ndim == 1 and loaded.samples.dtype == np.float32
            assert len(loaded.samples) > 0 and loaded.sample_rate > 0
            assert np.isfinite(loaded.samples).all()
            assert probe(path).frames > 0


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes(data: bytes, suffix: str) -> None:
    """Random bytes under any audio name."""
    _load_only_audio_errors(data, suffix)


@FUZZ
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    flips=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 4000)),
)
def test_mutated_valid_files(seed: str, flips: list[tuple[int, int]], cut: int | None) -> None:
    """Valid files with bytes of the header overwritten and/or the end cut off: the nasty cases."""
    data = bytearray(SEEDS[seed])
    for offset, value in flips:
        if offset < len(data):
            data[offset] = value
    if cut is not None:
        data = data[:cut]
    suffix = {"wav16": ".wav", "wavfloat": ".wav", "flac": ".flac", "aiff": ".aiff", "au": ".au"}[seed]
    _load_only_audio_errors(bytes(data), suffix)


@FUZZ
@given(
    prefix=st.sampled_from([b"RIFF", b"RF64", b"fLaC", b"OggS", b"ID3", b"FORM", b".snd", b"\xff\xfb"]),
    rest=st.binary(max_size=2048),
)
def test_audio_magic_with_garbage(prefix: bytes, rest: bytes) -> None:
    """A real container magic followed by garbage: libsndfile and the sniffing code must both cope."""
    _load_only_audio_errors(prefix + rest, ".wav")
