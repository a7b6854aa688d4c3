"""Loader and resampler: formats, rates, channels, sample types, NaN repair, and every kind of bad file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio.io import LoadedAudio, load_audio, probe, resample
from autovoice_desktop.core.errors import (
    AudioEmptyError,
    AudioFileNotFoundError,
    AudioFormatError,
    AudioPermissionError,
    AudioTruncatedError,
)


def tone(freq: float = 440.0, rate: int = 16000, seconds: float = 0.5, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize(
    ("suffix", "fmt", "subtype", "tolerance"),
    [
        (".wav", "WAV", "PCM_16", 1e-4),
        (".wav", "WAV", "PCM_24", 1e-6),
        (".wav", "WAV", "PCM_32", 1e-6),
        (".wav", "WAV", "PCM_U8", 1e-2),
        (".wav", "WAV", "FLOAT", 0.0),
        (".wav", "WAV", "DOUBLE", 1e-7),
        (".flac", "FLAC", "PCM_16", 1e-4),
        (".flac", "FLAC", "PCM_24", 1e-6),
        (".aiff", "AIFF", "PCM_16", 1e-4),
        (".ogg", "OGG", "VORBIS", None),
        (".mp3", "MP3", "MPEG_LAYER_III", None),
    ],
)
def test_loads_every_format_and_sample_type(tmp_path: Path, suffix, fmt, subtype, tolerance) -> None:
    reference = tone()
    path = tmp_path / f"tone{suffix}"
    sf.write(path, reference, 16000, format=fmt, subtype=subtype)
    loaded = load_audio(path)
    assert isinstance(loaded, LoadedAudio)
    assert loaded.samples.dtype == np.float32 and loaded.samples.ndim == 1
    assert loaded.sample_rate == 16000 and loaded.info.format == fmt and loaded.info.channels == 1
    if tolerance is None:  # lossy: same pitch, similar level, about the same length
        assert abs(len(loaded.samples) - len(reference)) < 2000
        assert dominant_frequency(loaded.samples, 16000) == pytest.approx(440, abs=5)
        assert np.sqrt(np.mean(loaded.samples**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.2)
    else:
        np.testing.assert_allclose(loaded.samples, reference, atol=tolerance + 1e-7)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 96000])
def test_any_rate_loads_and_resamples_to_target(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "tone.wav"
    sf.write(path, tone(1000.0, rate, 0.5), rate)
    native = load_audio(path)
    assert native.sample_rate == rate and len(native.samples) == rate // 2
    assert native.info.duration == pytest.approx((rate // 2) / rate)
    converted = load_audio(path, target_rate=16000)
    assert converted.sample_rate == 16000
    assert abs(len(converted.samples) - 8000) <= 1
    assert dominant_frequency(converted.samples, 16000) == pytest.approx(1000, abs=4)
    assert converted.info.sample_rate == rate  # info describes the file, not the result


@pytest.mark.parametrize("channels", [2, 3, 6])
def test_channels_are_mixed_to_mono(tmp_path: Path, channels: int) -> None:
    base = tone()
    data = np.stack([base * (c + 1) / channels for c in range(channels)], axis=1)
    path = tmp_path / "multi.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    loaded = load_audio(path)
    assert loaded.info.channels == channels and loaded.samples.shape == (len(base),)
    np.testing.assert_allclose(loaded.samples, data.mean(axis=1), atol=1e-6)


def test_opposite_stereo_channels_cancel(tmp_path: Path) -> None:
    base = tone()
    path = tmp_path / "stereo.flac"
    sf.write(path, np.stack([base, -base], axis=1), 16000)
    assert np.max(np.abs(load_audio(path).samples)) < 1e-4


def test_nan_and_inf_become_silence_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tone()
    data[100], data[200], data[300] = np.nan, np.inf, -np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    with caplog.at_level(logging.WARNING):
        loaded = load_audio(path)
    assert np.all(np.isfinite(loaded.samples))
    assert loaded.samples[100] == loaded.samples[200] == loaded.samples[300] == 0.0
    assert loaded.samples[101] == pytest.approx(data[101])
    assert "3 NaN/Inf" in caplog.text


def test_resample_keeps_pitch_and_length() -> None:
    x = tone(440.0, 44100, 1.0)
    y = resample(x, 44100, 16000)
    assert y.dtype == np.float32 and abs(len(y) - 16000) <= 1
    assert dominant_frequency(y, 16000) == pytest.approx(440, abs=2)
    assert np.array_equal(resample(x, 44100, 44100), x)
    with pytest.raises(ValueError):
        resample(x, 0, 16000)


# --- bad files ---------------------------------------------------------------------------------------------
def _wav_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "good.wav"
    sf.write(path, tone(seconds=1.0), 16000)
    return path.read_bytes()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="not found"):
        load_audio(tmp_path / "nope.wav")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="folder"):
        probe(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    with pytest.raises(AudioEmptyError, match="file is empty"):
        load_audio(path)


def test_zero_frames_wav_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioEmptyError, match="file is empty"):
        load_audio(path)


@pytest.mark.parametrize("content", [b"hello, this is text\n" * 20, b"\x00" * 300, b"%PDF-1.4 " + bytes(200)])
def test_not_audio(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "song.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFormatError, match="not an audio file"):
        load_audio(path)


@pytest.mark.parametrize("keep", [4, 20, 36])
def test_truncated_header(tmp_path: Path, keep: int) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(_wav_bytes(tmp_path)[:keep])
    with pytest.raises(AudioTruncatedError, match="truncated"):
        load_audio(path)


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.99])
def test_truncated_data(tmp_path: Path, fraction: float) -> None:
    data = _wav_bytes(tmp_path)
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: 44 + int((len(data) - 44) * fraction)])
    with pytest.raises(AudioTruncatedError, match="file is truncated"):
        load_audio(path)


def test_truncated_flac(tmp_path: Path) -> None:
    good = tmp_path / "good.flac"
    sf.write(good, np.random.default_rng(0).uniform(-0.5, 0.5, 32000).astype(np.float32), 16000)
    path = tmp_path / "cut.flac"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(AudioTruncatedError, match="truncated"):
        load_audio(path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.wav"
    path.write_bytes(_wav_bytes(tmp_path))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode))
    with pytest.raises(AudioPermissionError, match="permission denied"):
        load_audio(path)


def test_errors_carry_the_input_exit_code(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError) as caught:
        load_audio(tmp_path / "nope.wav")
    assert caught.value.exit_code == 3 and "\n" not in caught.value.user_message()
