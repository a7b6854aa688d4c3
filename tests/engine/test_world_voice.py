"""The built-in WORLD voice on synthetic signals: pitch/formant parameters, presets, chunk joins, cancel."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from autovoice_desktop.core.errors import AudioContentError, ConversionCancelled
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine import world_dsp
from autovoice_desktop.engine.builtin_voices import load_presets
from autovoice_desktop.engine.world_voice import WorldVoice, best_alignment, plan_chunks, target_pitch
from tests.f0_metrics import praat_f0

RATE = 16000
INFO = VoiceInfo(voice_id="builtin/test", name="Test", kind="builtin")


def vowel(seconds: float = 1.5, f0: float = 150.0, rate: int = RATE, vibrato: float = 0.02) -> np.ndarray:
    """A voiced vowel-like test signal: harmonics of a slowly wobbling F0 shaped by two formants."""
    t = np.arange(int(seconds * rate)) / rate
    freq = f0 * (1 + vibrato * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(freq) / rate
    signal = np.zeros_like(t)
    for k in range(1, int(rate / 2 / (f0 * 1.1))):
        h = k * f0
        gain = 1 / k + 2.0 * np.exp(-(((h - 700) / 150) ** 2)) + 1.0 * np.exp(-(((h - 1200) / 200) ** 2))
        signal += gain * np.sin(k * phase)
    fade = np.minimum(1, np.minimum(t, t[-1] - t) / 0.05)
    return (0.3 * signal / np.max(np.abs(signal)) * fade).astype(np.float32)


def median_f0(samples: np.ndarray, rate: int = RATE, scale: float = 1.0) -> float:
    f0 = praat_f0(samples, rate, scale)
    return float(np.median(f0[f0 > 0]))


def cents(a: float, b: float) -> float:
    return 1200 * np.log2(a / b)


def rms_db(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12)


def spectral_centroid(x: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    return float(np.sum(freqs * spectrum) / np.sum(spectrum))


@pytest.fixture(scope="module")
def signal() -> np.ndarray:
    return vowel()


@pytest.mark.parametrize("semitones", [-7.0, 3.5, 12.0])
def test_transpose_moves_pitch_by_the_ratio(signal: np.ndarray, semitones: float) -> None:
    result = WorldVoice(INFO).convert(signal, RATE, ConversionParams(transpose=semitones))
    assert result.sample_rate == RATE and result.audio.shape == signal.shape
    assert result.audio.dtype == np.float32
    measured = median_f0(result.audio, scale=2 ** (semitones / 12))
    assert cents(measured, median_f0(signal)) == pytest.approx(semitones * 100, abs=15)


def test_output_is_finite_unclipped_and_as_loud(signal: np.ndarray) -> None:
    out = WorldVoice(INFO).convert(signal, RATE, ConversionParams(transpose=4)).audio
    assert np.all(np.isfinite(out)) and np.max(np.abs(out)) < 1.0
    assert abs(rms_db(out) - rms_db(signal)) < 3.0


def test_formant_shift_keeps_pitch_and_moves_the_envelope(signal: np.ndarray) -> None:
    voice = WorldVoice(INFO)
    up = voice.convert(signal, RATE, ConversionParams(formant_shift=4)).audio
    down = voice.convert(signal, RATE, ConversionParams(formant_shift=-4)).audio
    for shifted in (up, down):
        assert abs(cents(median_f0(shifted), median_f0(signal))) < 10
    assert spectral_centroid(up) > spectral_centroid(signal) * 1.1
    assert spectral_centroid(down) < spectral_centroid(signal) / 1.1


def test_target_median_pitch(signal: np.ndarray) -> None:
    out = WorldVoice(INFO).convert(signal, RATE, ConversionParams(target_median_f0=220.0)).audio
    assert abs(cents(median_f0(out, scale=1.5), 220.0)) < 20


def test_flat_pitch_is_monotone_and_whisper_is_unvoiced(signal: np.ndarray) -> None:
    voice = WorldVoice(INFO)
    flat = voice.convert(signal, RATE, ConversionParams(pitch_mode="flat")).audio
    f0 = praat_f0(flat, RATE)
    voiced = f0[f0 > 0]
    assert np.std(1200 * np.log2(voiced / np.median(voiced))) < 10  # input wobbles by ±34 cents
    whisper = voice.convert(signal, RATE, ConversionParams(pitch_mode="whisper")).audio
    assert np.mean(praat_f0(whisper, RATE) > 0) < 0.1
    assert rms_db(whisper) > rms_db(signal) - 12


def test_breathiness_adds_noise_between_harmonics() -> None:
    steady = vowel(vibrato=0.0)
    voice = WorldVoice(INFO)
    plain = voice.convert(steady, RATE, ConversionParams()).audio
    breathy = voice.convert(steady, RATE, ConversionParams(breathiness=4.0)).audio

    def harmonic_to_noise(x: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        position = np.fft.rfftfreq(len(x), 1 / RATE) / 150.0
        distance = np.abs(position - np.round(position))
        return float(spectrum[distance < 0.1].sum() / spectrum[distance > 0.3].sum())

    assert harmonic_to_noise(breathy) < harmonic_to_noise(plain) / 1.5


def test_parameters_are_clamped_and_modes_checked(signal: np.ndarray) -> None:
    voice = WorldVoice(INFO)
    clamped = voice.convert(signal, RATE, ConversionParams(transpose=40)).pitch
    assert clamped is not None
    voiced = clamped.source_f0 > 0
    assert np.allclose(clamped.target_f0[voiced] / clamped.source_f0[voiced], 4.0)
    with pytest.raises(ValueError, match="pitch_mode"):
        voice.convert(signal, RATE, ConversionParams(pitch_mode="sing"))


def test_too_short_input_is_a_clear_error() -> None:
    with pytest.raises(AudioContentError, match="too short"):
        WorldVoice(INFO).convert(np.zeros(100, np.float32), RATE, ConversionParams())


def test_silence_and_nan_stay_harmless() -> None:
    silent = np.zeros(RATE, np.float32)
    silent[10] = np.nan
    result = WorldVoice(INFO).convert(silent, RATE, ConversionParams(transpose=5, pitch_mode="flat"))
    assert np.all(np.isfinite(result.audio)) and np.max(np.abs(result.audio)) < 1e-3


def test_pitch_track_is_consistent(signal: np.ndarray) -> None:
    track = WorldVoice(INFO).convert(signal, RATE, ConversionParams(transpose=2)).pitch
    assert track is not None
    assert track.times.shape == track.source_f0.shape == track.target_f0.shape
    assert track.times[-1] == pytest.approx(len(signal) / RATE, abs=0.01)
    assert np.mean(track.source_f0 > 0) > 0.8
    assert np.array_equal(track.target_f0 > 0, track.source_f0 > 0)
    np.testing.assert_allclose(
        target_pitch(track.source_f0, ConversionParams(transpose=2), 150.0), track.target_f0
    )


def test_formant_warp_moves_a_peak() -> None:
    bins = np.arange(513, dtype=np.float64)
    envelope = np.exp(-(((bins - 100) / 10) ** 2))[None, :] + 1e-6
    warped = world_dsp.shift_formants(envelope, 12.0)
    assert int(np.argmax(warped[0])) == 200


# --- chunking ----------------------------------------------------------------------------------------------
def test_chunks_cover_the_input_on_frame_borders() -> None:
    for rate in (16000, 22050, 44100, 48000):
        noise = np.random.default_rng(rate).normal(size=10 * rate + 123)
        noise[int(3.7 * rate) : int(3.8 * rate)] = 0  # a pause near the second nominal border (4 s)
        chunks = plan_chunks(noise, rate, 2.0)
        assert chunks[0].core_start == 0 and chunks[-1].core_stop == len(noise)
        assert 3.7 * rate <= chunks[2].core_start <= 3.8 * rate  # the join moved into the pause
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.core_stop == b.core_start
            assert (b.core_start * 200) % rate == 0  # a whole number of 5 ms frames
            assert b.start < b.core_start and a.stop > a.core_stop


def test_best_alignment_finds_the_shift() -> None:
    t = np.arange(2000)
    wave = np.sin(2 * np.pi * t / 97.0) + 0.5 * np.sin(2 * np.pi * t / 41.0)
    previous = wave[500:1140]
    for shift in (-30, 0, 17):
        candidate = wave[500 - 50 + shift : 1140 + 50 + shift]
        assert best_alignment(previous, candidate, 50) == -shift  # candidate starts `shift` late
    assert best_alignment(np.zeros(640), candidate, 50) == 0


@pytest.mark.parametrize("kind", ["tone", "chirp"])
def test_chunk_joins_have_no_clicks_or_dips(kind: str) -> None:
    seconds, chunk = 3.0, 0.5
    t = np.arange(int(seconds * RATE)) / RATE
    # a steady tone, or a chirp one octave up over the clip
    freq = np.full_like(t, 180.0) if kind == "tone" else 120.0 * 2 ** (t / seconds)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 12)).astype(np.float32) * 0.2
    voice = WorldVoice(INFO, chunk_seconds=chunk)
    out = voice.convert(x, RATE, ConversionParams(transpose=3)).audio
    borders = [c.core_start for c in plan_chunks(x, RATE, chunk)[1:]]
    assert len(borders) >= 4
    window = int(0.01 * RATE)
    envelope = np.sqrt(np.convolve(out.astype(np.float64) ** 2, np.ones(window) / window, mode="same"))
    steady = envelope[int(0.2 * RATE) : -int(0.2 * RATE)]
    reference = np.median(steady)
    step = np.abs(np.diff(out.astype(np.float64)))
    typical_step = np.percentile(step[int(0.2 * RATE) : -int(0.2 * RATE)], 99.5)
    for border in borders:
        around = slice(border - int(0.03 * RATE), border + int(0.03 * RATE))
        level_db = 20 * np.log10(envelope[around] / reference)
        assert level_db.min() > -1.5 and level_db.max() < 1.5, (border, level_db.min(), level_db.max())
        assert step[around].max() < 1.25 * typical_step, (border, step[around].max(), typical_step)
    # the pitch right across the borders is the requested one
    f0 = praat_f0(out, RATE, 1.2)
    times = np.arange(len(f0)) * 0.01 + 0.025
    for border in borders:
        near = np.abs(times - border / RATE) < 0.02
        expected = np.interp(times[near], t, freq) * 2 ** (3 / 12)
        assert np.all(np.abs(1200 * np.log2(f0[near] / expected)) < 20)


def test_progress_and_cancel() -> None:
    x = vowel(seconds=2.0)
    voice = WorldVoice(INFO, chunk_seconds=0.5)
    seen: list[tuple[float, str]] = []
    voice.convert(x, RATE, ConversionParams(), progress=lambda f, s: seen.append((f, s)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {"analysing pitch", "converting"} <= {s for _, s in seen}

    cancel = threading.Event()

    def cancel_midway(fraction: float, stage: str) -> None:
        if stage == "converting":
            cancel.set()

    with pytest.raises(ConversionCancelled):
        voice.convert(x, RATE, ConversionParams(), progress=cancel_midway, cancel=cancel)


# --- presets ----------------------------------------------------------------------------------------------
def test_every_preset_converts_sensibly(signal: np.ndarray) -> None:
    presets = {info.voice_id: info for info in load_presets()}
    expected_shift = {
        "builtin/higher": 4,
        "builtin/deeper": -4,
        "builtin/male-to-female": 9,
        "builtin/female-to-male": -9,
        "builtin/pitch-formant": 0,
    }
    for voice_id, info in presets.items():
        result = WorldVoice(info).convert(signal, RATE, info.defaults)
        out = result.audio
        assert out.shape == signal.shape and np.all(np.isfinite(out)) and np.max(np.abs(out)) < 1.0, voice_id
        assert abs(rms_db(out) - rms_db(signal)) < 6.0, voice_id
        if voice_id in expected_shift:
            shift = expected_shift[voice_id]
            measured = cents(median_f0(out, scale=2 ** (max(shift, 0) / 12)), median_f0(signal))
            assert measured == pytest.approx(100 * shift, abs=20), voice_id
