"""The conversion pipeline: fake synthesizer + tiny real content encoder, and one real tiny model."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autovoice_desktop.core.errors import AudioContentError, AudioEmptyError, ConversionCancelled
from autovoice_desktop.engine.content import load_content_encoder
from autovoice_desktop.engine.sovits.pipeline import (
    Piece,
    PipelineOptions,
    convert,
    plan_pieces,
    stretch_units,
    volume_rms,
)
from tests.engine.content_helpers import save_content_vec_best, tiny_reference
from tests.engine.sovits_helpers import FakeModel, write_voice


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory):
    folder = save_content_vec_best(tmp_path_factory.mktemp("cv") / "cvb", *tiny_reference(seed=5, proj_dim=8))
    return load_content_encoder(folder, kind="vec256l9")


def voiced(sr: int, seconds: float, freq: float = 180.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (0.2 * sum(np.sin(2 * np.pi * k * freq * t) / k for k in range(1, 5))).astype(np.float32)


def speech_with_pauses(sr: int) -> np.ndarray:
    gap = np.zeros(int(0.8 * sr), np.float32)
    return np.concatenate([gap[: sr // 5], voiced(sr, 1.0), gap, voiced(sr, 0.7, 220.0), gap])


def test_stretch_units_left_mapping() -> None:
    units = np.arange(10, dtype=np.float32)[None, :]
    np.testing.assert_array_equal(stretch_units(units, 4)[0], [0, 2, 5, 7])  # floor(i*10/4)
    np.testing.assert_array_equal(stretch_units(units[:, :3], 7)[0], [0, 0, 0, 1, 1, 2, 2])


def test_volume_matches_reference_formula() -> None:
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    hop = 100
    vol = volume_rms(x, hop, 10)
    padded = np.pad(x.astype(np.float64) ** 2, (50, 50), mode="reflect")
    expected = [np.sqrt(padded[i * hop : (i + 1) * hop].mean()) for i in range(10)]
    np.testing.assert_allclose(vol, expected, rtol=1e-5)


def test_plan_pieces_snaps_merges_and_overlaps() -> None:
    pieces = plan_pieces([(10, 500), (590, 700), (1000, 4000)], n=5000, hop=100, max_len=1200, xfade=200)
    assert pieces[0] == Piece(0, 700)  # snapped to the grid, touching runs merged
    assert [(p.start, p.end, p.fade_in, p.fade_out) for p in pieces[1:]] == [
        (1000, 2200, 0, 200),
        (2000, 3200, 200, 200),
        (3000, 4000, 200, 0),
    ]


@pytest.mark.parametrize(("in_sr", "seconds"), [(16000, 3.07), (44100, 2.5), (22050, 0.05)])
def test_same_duration_at_model_rate(encoder, in_sr: int, seconds: float) -> None:
    model = FakeModel()
    audio = voiced(in_sr, seconds)
    result = convert(model, encoder, audio, in_sr)
    assert result.sample_rate == 16000
    assert result.audio.dtype == np.float32
    assert result.audio.size == round(audio.size * 16000 / in_sr)
    assert result.pitch is not None and result.pitch.times.size == result.audio.size // 320
    for call in model.calls:
        assert call["frames"] * 320 <= 16000 * (seconds + 1.0) + 320


def test_silence_is_zero_and_pitch_track(encoder) -> None:
    model = FakeModel()
    audio = speech_with_pauses(16000)
    result = convert(model, encoder, audio, 16000, PipelineOptions(transpose=12))
    assert len(model.calls) == 2  # two speech runs, silence is not synthesized
    assert not result.audio[: 16000 // 10].any()  # leading silence stays exact zeros
    assert not result.audio[-16000 // 10 :].any()
    assert np.abs(result.audio[int(0.4 * 16000) : int(1.0 * 16000)]).max() > 0.1
    track = result.pitch
    first = (track.times > 0.4) & (track.times < 1.0)
    assert np.median(track.source_f0[first]) == pytest.approx(180, rel=0.02)
    np.testing.assert_allclose(track.target_f0[first], 2 * track.source_f0[first], rtol=1e-5)
    assert not track.source_f0[track.times < 0.1].any()


def test_long_run_is_crossfaded_without_clicks(encoder) -> None:
    model = FakeModel()
    audio = voiced(16000, 3.2, 150.0)
    opts = PipelineOptions(max_chunk_seconds=1.0, crossfade_seconds=0.1, noise_scale=0.0)
    out = convert(model, encoder, audio, 16000, opts).audio
    assert len(model.calls) >= 3  # hard cuts were needed
    assert max(c["frames"] for c in model.calls) * 320 <= 16000 * (1.0 + 2 * 0.5) + 320
    step = np.abs(np.diff(out)).max()
    sine_step = 0.3 * 2 * np.pi * 150 / 16000  # steepest slope of the fake model's own sine
    assert step <= 1.05 * sine_step
    assert np.abs(out[16000 // 2 : -16000 // 2]).max() > 0.2  # never silent inside


def test_progress_stages_and_monotonic(encoder) -> None:
    seen: list[tuple[float, str]] = []
    convert(FakeModel(), encoder, speech_with_pauses(16000), 16000, progress=lambda f, s: seen.append((f, s)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {s for _, s in seen} == {"Pitch", "Content", "Synthesis"}


def test_cancel_between_chunks(encoder) -> None:
    cancel = threading.Event()
    model = FakeModel()

    def progress(fraction: float, stage: str) -> None:
        if stage == "Synthesis" and fraction > 0.3:
            cancel.set()

    with pytest.raises(ConversionCancelled):
        convert(model, encoder, speech_with_pauses(16000), 16000, progress=progress, cancel=cancel)
    assert len(model.calls) == 1


def test_seed_makes_it_reproducible(encoder) -> None:
    audio = voiced(16000, 1.0)
    a = convert(FakeModel(), encoder, audio, 16000, PipelineOptions(seed=7)).audio
    b = convert(FakeModel(), encoder, audio, 16000, PipelineOptions(seed=7)).audio
    c = convert(FakeModel(), encoder, audio, 16000, PipelineOptions(seed=8)).audio
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bad_audio(encoder) -> None:
    with pytest.raises(AudioEmptyError):
        convert(FakeModel(), encoder, np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioContentError):
        convert(FakeModel(), encoder, np.zeros((100, 2), np.float32), 16000)
    with pytest.raises(AudioContentError):
        convert(FakeModel(), encoder, np.full(1000, np.inf, np.float32), 16000)
    silent = convert(FakeModel(), encoder, np.zeros(8000, np.float32), 16000)
    assert silent.audio.size == 8000 and not silent.audio.any()


class ZeroEncoder:
    """Content of the right shape, computed instantly (the memory test is about the pipeline)."""

    dim = 8

    def encode(self, wav_16k: np.ndarray) -> np.ndarray:
        return np.zeros((8, max(1, (wav_16k.size - 400) // 320 + 1)), np.float32)


def test_ten_minutes_memory_is_bounded() -> None:
    sr = 8000
    block = np.concatenate([voiced(sr, 50.0, 170.0), np.zeros(sr * 10, np.float32)])
    audio = np.tile(block, 10)  # 10 minutes; speech runs of 50 s are longer than the 40 s max chunk
    model = FakeModel(sample_rate=sr, hop_length=160)
    tracemalloc.start()
    result = convert(model, ZeroEncoder(), audio, sr)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.audio.size == audio.size
    assert len(model.calls) == 20
    assert max(c["frames"] for c in model.calls) * 160 <= sr * 41
    chunk = 41 * sr * 4
    assert peak < audio.nbytes + 12 * chunk  # the output plus a few chunk-sized buffers, nothing whole-file


def test_silence_split_equals_librosa() -> None:
    import librosa

    from autovoice_desktop.engine.sovits.pipeline import speech_intervals

    rng = np.random.default_rng(0)
    for sr, absolute in [(16000, False), (44100, False), (22050, True)]:
        x = speech_with_pauses(sr) * rng.uniform(0.01, 1) + rng.standard_normal(1).astype(np.float32) * 1e-3
        x = x[: x.size - int(rng.integers(0, 3000))]
        opts = PipelineOptions(absolute_thresh=absolute, db_thresh=-50 if absolute else -40)
        half = int(min(sr / 50 * 20 + 1, opts.chunk_seconds * sr)) // 2
        ref = librosa.effects.split(
            x, top_db=-opts.db_thresh, ref=1.0 if absolute else np.max, frame_length=2 * half, hop_length=half
        )
        assert speech_intervals(x, sr, opts) == [(int(a), int(b)) for a, b in ref]


def test_end_to_end_with_a_tiny_real_model(tmp_path: Path) -> None:
    from autovoice_desktop.engine.sovits import SovitsModel

    folder = write_voice(tmp_path / "voice", vol_embedding=True)
    model = SovitsModel.load(folder / "G_100.pth")
    enc_folder = save_content_vec_best(tmp_path / "cvb", *tiny_reference(seed=2, proj_dim=256))
    enc = load_content_encoder(enc_folder, kind=model.speech_encoder)
    audio = speech_with_pauses(22050)
    opts = PipelineOptions(speaker="bob", seed=3)
    first = convert(model, enc, audio, 22050, opts)
    again = convert(model, enc, audio, 22050, opts)
    assert first.audio.size == round(audio.size * 16000 / 22050)
    assert np.all(np.isfinite(first.audio)) and np.abs(first.audio).max() > 0
    np.testing.assert_array_equal(first.audio, again.audio)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40000),
    in_sr=st.sampled_from([8000, 16000, 22050, 44100, 48000]),
    grid=st.sampled_from([(16000, 320), (44100, 512), (32000, 320), (8000, 160)]),
    loud_pct=st.integers(0, 100),  # not st.floats: SovitsModel's flush-denormal mode upsets hypothesis
    seed=st.integers(0, 1000),
)
def test_output_always_matches_the_resampled_input(
    n: int, in_sr: int, grid: tuple, loud_pct: int, seed: int
) -> None:
    import soxr

    sr, hop = grid
    rng = np.random.default_rng(seed)
    audio = (rng.standard_normal(n) * loud_pct / 100 * (rng.random(n) < 0.7)).astype(np.float32)
    model = FakeModel(sample_rate=sr, hop_length=hop)
    result = convert(model, ZeroEncoder(), audio, in_sr, PipelineOptions(max_chunk_seconds=0.5))
    expected = n if in_sr == sr else soxr.resample(audio, in_sr, sr, quality="HQ").size
    assert result.audio.size == expected and result.audio.dtype == np.float32
    assert np.all(np.isfinite(result.audio))
    assert result.pitch.times.size == result.pitch.source_f0.size == expected // hop
