"""The conversion pipeline (engine/sovits/pipeline.py, slicing.py) with a tiny real model and encoder."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core.errors import AudioContentError, AudioEmptyError, ConversionCancelled
from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, convert
from autovoice_desktop.engine.sovits.slicing import (
    Piece,
    place_piece,
    plan_pieces,
    speech_intervals,
    volume_rms,
)
from autovoice_desktop.engine.sovits.windowed import WindowedSynth
from tests.engine.sovits_helpers import tiny_model_and_encoder


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """(tiny SovitsModel at 16 kHz / hop 320, its ContentEncoder)."""
    return tiny_model_and_encoder(tmp_path_factory.mktemp("pipeline"))


@pytest.fixture
def render_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Frames of every WindowedSynth.render_tensors call (one per synthesised span)."""
    calls: list[int] = []
    real = WindowedSynth.render_tensors

    def spy(self, units, f0, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(int(f0.numel()))
        return real(self, units, f0, *args, **kw)

    monkeypatch.setattr(WindowedSynth, "render_tensors", spy)
    return calls


def voiced(sr: int, seconds: float, freq: float = 180.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (0.2 * sum(np.sin(2 * np.pi * k * freq * t) / k for k in range(1, 5))).astype(np.float32)


def speech_with_pauses(sr: int) -> np.ndarray:
    gap = np.zeros(int(0.8 * sr), np.float32)
    return np.concatenate([gap[: sr // 5], voiced(sr, 1.0), gap, voiced(sr, 0.7, 220.0), gap])


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
def test_same_duration_at_model_rate(voice, in_sr: int, seconds: float) -> None:  # noqa: ANN001
    model, encoder = voice
    audio = voiced(in_sr, seconds)
    result = convert(model, encoder, audio, in_sr)
    assert result.sample_rate == 16000
    assert result.audio.dtype == np.float32
    assert result.audio.size == math.ceil(audio.size * 16000 / in_sr)  # librosa.load's length
    assert result.pitch is not None and result.pitch.times.size == result.audio.size // 320


def test_silence_is_zero_and_pitch_track(voice, render_calls: list[int]) -> None:  # noqa: ANN001
    model, encoder = voice
    audio = speech_with_pauses(16000)
    result = convert(model, encoder, audio, 16000, PipelineOptions(transpose=12))
    assert len(render_calls) == 1  # the pauses are too short to skip: one span over the file
    assert not result.audio[: 16000 // 10].any()  # leading silence stays exact zeros
    assert not result.audio[-16000 // 10 :].any()
    assert np.abs(result.audio[int(0.4 * 16000) : int(1.0 * 16000)]).max() > 0.01
    track = result.pitch
    first = (track.times > 0.4) & (track.times < 1.0)
    assert np.median(track.source_f0[first]) == pytest.approx(180, rel=0.02)
    np.testing.assert_allclose(track.target_f0[first], 2 * track.source_f0[first], rtol=1e-5)
    assert not track.source_f0[track.times < 0.1].any()


def test_crossfades_sum_to_one_and_edges_fade() -> None:
    """place_piece: overlapping pieces of a constant signal add up to it exactly; speech edges fade."""
    sr, n = 1000, 3000
    pieces = plan_pieces([(0, 2500)], n, 10, max_len=1000, xfade=100)
    out = np.zeros(n, np.float32)
    for k, piece in enumerate(pieces):
        place_piece(out, np.ones(piece.end - piece.start, np.float32), pieces, k, sr)
    assert len(pieces) == 3
    np.testing.assert_allclose(out[:2490], 1.0, atol=1e-6)  # crossfades are seamless
    assert out[2499] < 0.2 and not out[2500:].any()  # the edge next to silence fades out, silence is 0


def _faded_body(body: np.ndarray, pieces: list, k: int, n: int, sr: int) -> np.ndarray:
    """Piece k's contribution written out sample by sample: the body times its fade-in and fade-out gains."""
    piece, length = pieces[k], body.size
    edge = max(1, int(0.01 * sr))
    gain = np.ones(length, np.float32)
    if piece.fade_in:
        gain[: piece.fade_in] *= np.linspace(0.0, 1.0, piece.fade_in, endpoint=False, dtype=np.float32)
    elif piece.start > 0 and not (k > 0 and pieces[k - 1].end == piece.start):
        e = min(edge, length)
        gain[:e] *= np.linspace(0.0, 1.0, e, endpoint=False, dtype=np.float32)
    if piece.fade_out:
        gain[-piece.fade_out :] *= np.linspace(1.0, 0.0, piece.fade_out, endpoint=False, dtype=np.float32)
    elif piece.end < n and not (k + 1 < len(pieces) and pieces[k + 1].start == piece.end):
        e = min(edge, length)
        gain[-e:] *= np.linspace(1.0, 0.0, e, dtype=np.float32)
    return body * gain


@settings(max_examples=40, deadline=None)
@given(
    runs=st.lists(st.tuples(st.integers(0, 2900), st.integers(1, 400)), min_size=1, max_size=6),
    max_len=st.integers(20, 600),
    xfade=st.integers(0, 300),
)
@example(runs=[(1000, 5), (2000, 15)], max_len=600, xfade=0)  # 10 and 20 samples: the two 10 ms fades overlap
def test_place_piece_adds_each_body_times_its_fades(runs: list, max_len: int, xfade: int) -> None:
    """place_piece (which multiplies only the faded ends) gives each piece's body times its fade gains,
    also for pieces shorter than their two fades together and for touching pieces."""
    sr, n, hop = 1000, 3000, 10
    intervals = sorted((a, min(n, a + d)) for a, d in runs)
    pieces = plan_pieces(intervals, n, hop, max_len=max_len, xfade=xfade)
    rng = np.random.default_rng(len(pieces))
    out, expected = np.zeros(n, np.float32), np.zeros(n, np.float32)
    for k, piece in enumerate(pieces):
        body = rng.standard_normal(piece.end - piece.start).astype(np.float32)
        place_piece(out, body, pieces, k, sr)
        expected[piece.start : piece.end] += _faded_body(body, pieces, k, n, sr)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_long_run_is_cut_into_crossfaded_pieces(voice) -> None:  # noqa: ANN001
    model, encoder = voice
    audio = voiced(16000, 3.2, 150.0)
    opts = PipelineOptions(max_chunk_seconds=1.0, crossfade_seconds=0.1, noise_scale=0.0, seed=1)
    out = convert(model, encoder, audio, 16000, opts).audio
    whole = convert(model, encoder, audio, 16000, PipelineOptions(noise_scale=0.0, seed=1)).audio
    assert np.all(np.isfinite(out))
    ref, got = whole.astype(np.float64), out.astype(np.float64)
    assert 10 * np.log10(np.sum(ref**2) / np.sum((ref - got) ** 2)) > 30  # one span: pieces re-joined


def test_progress_stages_and_monotonic(voice) -> None:  # noqa: ANN001
    model, encoder = voice
    seen: list[tuple[float, str]] = []
    convert(model, encoder, speech_with_pauses(16000), 16000, progress=lambda f, s: seen.append((f, s)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {s for _, s in seen} == {"Pitch", "Content", "Synthesis"}


def test_cancel_during_synthesis(voice) -> None:  # noqa: ANN001
    model, encoder = voice
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float, stage: str) -> None:
        seen.append(fraction)
        if stage == "Synthesis":
            cancel.set()

    with pytest.raises(ConversionCancelled):
        convert(model, encoder, speech_with_pauses(16000), 16000, progress=progress, cancel=cancel)
    assert seen[-1] < 1.0


def test_seed_makes_it_reproducible(voice) -> None:  # noqa: ANN001
    model, encoder = voice
    audio = voiced(16000, 1.0)
    a = convert(model, encoder, audio, 16000, PipelineOptions(seed=7)).audio
    b = convert(model, encoder, audio, 16000, PipelineOptions(seed=7)).audio
    c = convert(model, encoder, audio, 16000, PipelineOptions(seed=8)).audio
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bad_audio(voice) -> None:  # noqa: ANN001
    model, encoder = voice
    with pytest.raises(AudioEmptyError):
        convert(model, encoder, np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioContentError):
        convert(model, encoder, np.zeros((100, 2), np.float32), 16000)
    with pytest.raises(AudioContentError):
        convert(model, encoder, np.full(1000, np.inf, np.float32), 16000)
    silent = convert(model, encoder, np.zeros(8000, np.float32), 16000)
    assert silent.audio.size == 8000 and not silent.audio.any()


def test_silence_split_equals_librosa() -> None:
    import librosa

    rng = np.random.default_rng(0)
    for sr, absolute in [(16000, False), (44100, False), (22050, True)]:
        x = speech_with_pauses(sr) * rng.uniform(0.01, 1) + rng.standard_normal(1).astype(np.float32) * 1e-3
        x = x[: x.size - int(rng.integers(0, 3000))]
        opts = PipelineOptions(absolute_thresh=absolute, db_thresh=-50 if absolute else -40)
        half = int(min(sr / 50 * 20 + 1, opts.chunk_seconds * sr)) // 2
        ref = librosa.effects.split(
            x, top_db=-opts.db_thresh, ref=1.0 if absolute else np.max, frame_length=2 * half, hop_length=half
        )
        got = speech_intervals(x, sr, opts.db_thresh, opts.absolute_thresh, opts.chunk_seconds)
        assert got == [(int(a), int(b)) for a, b in ref]


def test_end_to_end_with_a_volume_model(tmp_path: Path) -> None:
    model, encoder = tiny_model_and_encoder(tmp_path, vol_embedding=True)
    audio = speech_with_pauses(22050)
    opts = PipelineOptions(speaker="bob", seed=3)
    first = convert(model, encoder, audio, 22050, opts)
    again = convert(model, encoder, audio, 22050, opts)
    assert first.audio.size == math.ceil(audio.size * 16000 / 22050)
    assert np.all(np.isfinite(first.audio)) and np.abs(first.audio).max() > 0
    np.testing.assert_array_equal(first.audio, again.audio)


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 24000),
    in_sr=st.sampled_from([8000, 16000, 22050, 44100, 48000]),
    loud_pct=st.integers(0, 100),  # not st.floats: SovitsModel's flush-denormal mode upsets hypothesis
    seed=st.integers(0, 1000),
)
def test_output_always_matches_the_resampled_input(
    voice,
    n: int,
    in_sr: int,
    loud_pct: int,
    seed: int,  # noqa: ANN001
) -> None:
    model, encoder = voice
    rng = np.random.default_rng(seed)
    audio = (rng.standard_normal(n) * loud_pct / 100 * (rng.random(n) < 0.7)).astype(np.float32)
    result = convert(model, encoder, audio, in_sr, PipelineOptions(max_chunk_seconds=0.5))
    expected = n if in_sr == 16000 else math.ceil(n * 16000 / in_sr)  # librosa.load's length
    assert result.audio.size == expected and result.audio.dtype == np.float32
    assert np.all(np.isfinite(result.audio))
    assert result.pitch.times.size == result.pitch.source_f0.size == expected // 320


def test_other_rates_reach_the_model_rate_as_each_reference_resamples() -> None:
    """4.0 voices: soxr HQ, as `librosa.load` in so-vits-svc-fork's command line; 4.1 voices: the sinc of
    torchaudio's Resample, as 4.1's `Svc.infer`. Both to ceil(N * model_rate / rate) samples."""
    import soxr

    from autovoice_desktop.engine.sovits.content_input import sinc_resample
    from autovoice_desktop.engine.sovits.pipeline import to_model_rate

    x = (0.3 * np.random.default_rng(5).standard_normal(16001)).astype(np.float32)
    size = int(np.ceil(16001 * 44100 / 16000))
    for41 = to_model_rate(x, 16000, 44100, "4.1")
    np.testing.assert_array_equal(for41, sinc_resample(x, 16000, 44100))
    for40 = to_model_rate(x, 16000, 44100, "4.0")
    soxr_out = soxr.resample(x, 16000, 44100, quality="HQ").astype(np.float32)
    np.testing.assert_array_equal(for40[: soxr_out.size], soxr_out[:size])
    assert for41.size == for40.size == size
    assert not np.allclose(for41, for40, atol=1e-4)
    np.testing.assert_array_equal(to_model_rate(x, 44100, 44100, "4.1"), x)  # the model's rate: as given
