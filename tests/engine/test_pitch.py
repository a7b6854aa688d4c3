"""F0 methods: reference semantics, exact frame counts, real recordings, torchaudio-free FCPE import."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from autovoice_desktop.core.errors import AudioContentError, WeightsMissingError
from autovoice_desktop.engine import fcpe_support
from autovoice_desktop.engine.pitch import compute_f0, estimate_f0, interpolate_f0, raw_f0, transpose_f0
from tests.conftest import SINGING_MALE, SPEECH_FEMALE, SPEECH_MALE


def tone(freq: float, sr: int, seconds: float) -> np.ndarray:
    """A voice-like harmonic tone (harvest finds no pitch in a pure sine)."""
    t = np.arange(int(sr * seconds)) / sr
    return (0.2 * sum(np.sin(2 * np.pi * k * freq * t) / k for k in range(1, 6))).astype(np.float32)


def test_interpolate_fills_gaps_and_holds_edges() -> None:
    f0, uv = interpolate_f0(np.array([0, 0, 100, 0, 0, 200, 0], dtype=np.float64))
    np.testing.assert_allclose(f0, [100, 100, 100, 100 + 100 / 3, 100 + 200 / 3, 200, 200], rtol=1e-6)
    np.testing.assert_array_equal(uv, [0, 0, 1, 0, 0, 1, 0])
    assert f0.dtype == np.float32 and uv.dtype == np.float32


def test_interpolate_all_unvoiced_is_zero() -> None:
    f0, uv = interpolate_f0(np.zeros(5))
    assert not f0.any() and not uv.any()


def test_transpose_after_interpolation() -> None:
    f0, _ = interpolate_f0(np.array([0.0, 110.0, 0.0]))
    np.testing.assert_allclose(transpose_f0(f0, 12), [220, 220, 220], rtol=1e-6)
    np.testing.assert_allclose(transpose_f0(f0, -12), [55, 55, 55], rtol=1e-6)


@pytest.mark.parametrize("method", ["dio", "harvest", "fcpe"])
def test_tone_is_found_on_the_model_grid(method: str) -> None:
    sr, hop = 44100, 512
    x = np.concatenate([np.zeros(sr // 2, np.float32), tone(220.0, sr, 1.0), np.zeros(sr // 2, np.float32)])
    f0, uv = compute_f0(x, sr, hop, method=method)
    assert f0.shape == uv.shape == (len(x) // hop,)
    assert f0.dtype == np.float32
    mid = slice(int(0.7 * sr / hop), int(1.3 * sr / hop))
    assert np.all(uv[mid] == 1)
    np.testing.assert_allclose(np.median(f0[mid]), 220.0, rtol=0.01)
    assert uv[:10].sum() == 0 and uv[-10:].sum() == 0  # silence is unvoiced ...
    assert f0[0] == pytest.approx(f0[uv > 0][0]) and f0[-1] == pytest.approx(f0[uv > 0][-1])  # ... edges held


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 20000),
    hop=st.sampled_from([160, 320, 441, 512]),
    method=st.sampled_from(["dio", "fcpe"]),
)
def test_frame_count_is_exactly_n_over_hop(n: int, hop: int, method: str) -> None:
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
    f0, uv = compute_f0(x, 44100, hop, method=method)
    assert f0.shape == uv.shape == (n // hop,)
    assert np.all(f0 >= 0) and np.all((uv == 0) | (uv == 1))


def test_explicit_frame_count_and_silence() -> None:
    f0, uv = compute_f0(np.zeros(44100, np.float32), 44100, 512, n_frames=90)
    assert f0.shape == (90,) and not f0.any() and not uv.any()


@pytest.mark.parametrize(
    ("path", "median", "seconds"),
    [(SPEECH_MALE, 144.0, 8.0), (SPEECH_FEMALE, 203.0, 8.7), (SINGING_MALE, 125.0, 9.1)],
)
@pytest.mark.parametrize("method", ["dio", "harvest", "fcpe"])
def test_real_recordings(path, median: float, seconds: float, method: str) -> None:
    x, sr = sf.read(path, dtype="float32")
    x = x[: int(seconds * sr)]
    hop = 512 if sr == 44100 else 160
    f0, uv = compute_f0(x, sr, hop, method=method)
    assert 0.4 < uv.mean() < 1.0
    assert np.median(f0[uv > 0]) == pytest.approx(median, rel=0.05)
    assert np.all(f0[uv > 0] >= 50) and np.all(f0 <= 1100)


def test_estimate_f0_for_plots() -> None:
    x = tone(300.0, 16000, 0.5)
    times, f0 = estimate_f0(x, 16000, method="dio", hop_seconds=0.01)
    assert times.shape == f0.shape == (50,)
    np.testing.assert_allclose(times[:3], [0, 0.01, 0.02], atol=1e-6)
    assert np.median(f0[f0 > 0]) == pytest.approx(300.0, rel=0.01)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown F0 method"):
        raw_f0(np.zeros(1000), 16000, 160, 6, method="crepe")
    with pytest.raises(ValueError, match="mono"):
        raw_f0(np.zeros((1000, 2)), 16000, 160, 6)
    with pytest.raises(AudioContentError):
        raw_f0(np.full(1000, np.nan), 16000, 160, 6)


def test_fcpe_import_leaves_no_fake_torchaudio() -> None:
    fcpe_support.import_torchfcpe()
    assert "torchfcpe" in sys.modules
    if importlib.util.find_spec("torchaudio") is None:
        assert "torchaudio" not in sys.modules and "torchaudio.transforms" not in sys.modules
        from torchfcpe import mel_extractor

        with pytest.raises(RuntimeError, match="16 kHz"):
            mel_extractor.Resample(44100, 16000)


def test_missing_torchfcpe_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torchfcpe", raising=False)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torchfcpe" else real(name, *a)
    )
    with pytest.raises(WeightsMissingError, match="torchfcpe") as err:
        fcpe_support.import_torchfcpe()
    assert "pip install" in (err.value.hint or "")


def _fill_40_loop(f0: np.ndarray) -> np.ndarray:
    """The 4.0 / fork gap fill as a frame loop (written from the rules the reference code follows)."""
    data = f0.astype(np.float64).copy()
    n, last = data.size, 0.0
    for i in range(n):
        if data[i] > 0:
            last = data[i]
            continue
        j = next((k for k in range(i + 1, n) if data[k] > 0), n - 1 if i + 1 < n else i + 1)
        if j < n - 1:
            if last > 0:
                step = (data[j] - data[i - 1]) / (j - i)
                for k in range(i, j):
                    data[k] = data[i - 1] + step * (k - i + 1)
            else:
                data[i:j] = data[j]
        else:
            data[i:] = last
    return data


def test_the_40_lineage_fills_gaps_its_own_way() -> None:
    raw = np.array([0, 0, 100, 0, 0, 200, 0, 0, 300, 0, 400], dtype=np.float64)
    f0, uv = interpolate_f0(raw, "4.0")
    # the ramp reaches the next voiced value one frame early; a gap before the last frame holds 300
    np.testing.assert_allclose(f0, [100, 100, 100, 150, 200, 200, 250, 300, 300, 300, 300], rtol=1e-6)
    np.testing.assert_array_equal(uv, raw > 0)
    f41, _ = interpolate_f0(raw, "4.1")
    np.testing.assert_allclose(f41[3:5], [100 + 100 / 3, 100 + 200 / 3], rtol=1e-6)
    assert f41[-1] == 400


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.0, 90.0, 150.5, 320.0]), min_size=1, max_size=40))
def test_the_40_fill_equals_the_frame_loop(values: list[float]) -> None:
    raw = np.array(values)
    f0, _ = interpolate_f0(raw, "4.0")
    np.testing.assert_array_equal(f0, _fill_40_loop(raw).astype(np.float32))  # same operations: to the bit


_VOICING = st.lists(
    st.one_of(st.just(0.0), st.floats(50.0, 1100.0, allow_nan=False)), min_size=1, max_size=60
)


@settings(max_examples=80, deadline=None)
@given(_VOICING)
def test_the_41_fill_is_np_interp_to_the_bit(values: list[float]) -> None:
    raw = np.array(values)
    f0, uv = interpolate_f0(raw, "4.1")
    voiced = np.flatnonzero(raw > 0)
    expected = np.interp(np.arange(raw.size), voiced, raw[voiced]) if voiced.size else np.zeros(raw.size)
    np.testing.assert_array_equal(f0, expected.astype(np.float32))
    np.testing.assert_array_equal(uv, (raw > 0).astype(np.float32))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 2000.0, allow_nan=False), min_size=1, max_size=80),
    st.integers(0, 120),
    st.sampled_from([(512, 44100), (320, 32000), (256, 22050)]),
)
def test_fcpe_frames_land_on_the_model_grid_as_the_nearest_frame(
    values: list[float], n_frames: int, grid: tuple[int, int]
) -> None:
    import torch

    from autovoice_desktop.engine.f0_tensor import on_model_grid

    hop, sr = grid
    fcpe = np.array(values, dtype=np.float32)
    got = on_model_grid(torch.from_numpy(fcpe), n_frames, hop, sr, 16000, 160).numpy()
    wide = fcpe.astype(np.float64)
    wide[(wide < 50.0) | (wide > 1100.0)] = 0.0  # the reference's range, then the nearest 10 ms frame
    nearest = np.rint(np.arange(n_frames) * hop / sr * 16000 / 160).astype(np.int64)
    nearest = np.clip(nearest, 0, wide.size - 1)
    np.testing.assert_array_equal(got, wide[nearest])


def test_fcpe_compute_f0_is_the_raw_track_filled() -> None:
    audio, sr = sf.read(SPEECH_MALE, dtype="float32")
    audio = audio[: sr * 2]
    for lineage in ("4.0", "4.1"):
        f0, uv = compute_f0(audio, sr, 512, method="fcpe", lineage=lineage)
        raw = raw_f0(audio, sr, 512, audio.size // 512, "fcpe")
        want_f0, want_uv = interpolate_f0(raw, lineage)
        assert uv.any() and not uv.all()  # speech: voiced and unvoiced frames, so gaps were filled
        np.testing.assert_array_equal(f0, want_f0)
        np.testing.assert_array_equal(uv, want_uv)


@settings(max_examples=80, deadline=None)
@given(
    _VOICING, st.sampled_from([(512, 44100), (320, 32000), (480, 48000), (256, 22050)]), st.integers(0, 5000)
)
def test_the_41_fill_over_float32_times_is_41s_dio_interp_to_the_bit(
    values: list[float], grid: tuple[int, int], offset: int
) -> None:
    """4.1's dio/harvest/pm `interpolate_f0` (modules/F0Predictor, 4.1-Stable 730930d) as its numpy reads;
    `offset` leading unvoiced frames reach the large frame indices of a long file."""
    hop, sr = grid
    raw = np.concatenate([np.zeros(offset), np.array(values)])
    f0, uv = interpolate_f0(raw, "4.1", frame_times=(hop, sr))
    nzindex = np.nonzero(raw)[0]
    if nzindex.size < 2:  # none: zeros; one: held (a deliberate difference, see interpolate_f0)
        return
    data = raw[nzindex]
    time_org = hop / sr * nzindex.astype(np.float32)
    time_frame = np.arange(raw.shape[0]) * hop / sr
    expected = np.interp(time_frame, time_org, data, left=data[0], right=data[-1])
    np.testing.assert_array_equal(f0, expected.astype(np.float32))
    np.testing.assert_array_equal(uv, (raw > 0).astype(np.float32))


def test_harvest_is_rounded_to_a_tenth_of_a_hertz_as_each_reference_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fork rounds dio and harvest frames to 0.1 Hz before resizing them to the model's grid; 4.1 rounds
    dio only (its HarvestF0Predictor does not round)."""
    import autovoice_desktop.engine.pitch as pitch

    seen: list[np.ndarray] = []
    resize = pitch._resize_f0
    monkeypatch.setattr(pitch, "_resize_f0", lambda raw, n: (seen.append(raw), resize(raw, n))[1])
    audio, rate = sf.read(SPEECH_FEMALE, dtype="float32")
    audio = audio[: rate * 2]
    for lineage, method, rounded in (
        ("4.0", "harvest", True),
        ("4.1", "dio", True),
        ("4.1", "harvest", False),
    ):
        seen.clear()
        compute_f0(audio, rate, 320, method=method, lineage=lineage)
        voiced = seen[0][seen[0] > 0]
        assert voiced.size > 20
        assert np.array_equal(voiced, np.round(voiced, 1)) == rounded, (lineage, method)
