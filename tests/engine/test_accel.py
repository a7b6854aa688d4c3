"""engine.accel: window plans, parallel WORLD F0 and the windowed/tiled synthesizer match the plain path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from autovoice_desktop.engine.accel import FastSettings, FastSovits, plan_windows, world_f0_parallel
from autovoice_desktop.engine.pitch import raw_f0


@pytest.mark.parametrize(
    ("total", "length", "context"),
    [(1, 10, 2), (10, 10, 2), (11, 10, 2), (1000, 300, 20), (1001, 100, 16), (5167, 2584, 86)],
)
def test_windows_partition_the_frames_with_context(total: int, length: int, context: int) -> None:
    windows = plan_windows(total, length, context)
    assert windows[0].start == 0 and windows[0].keep_lo == 0
    assert windows[-1].start + windows[-1].length == total and windows[-1].keep_hi == total
    assert len({w.length for w in windows}) == 1
    assert windows[0].length <= length
    # no more work than needed: the windows are as short as covering `total` with this many allows
    assert len(windows) * windows[0].length <= total + 2 * context * (len(windows) - 1) + len(windows)
    for a, b in zip(windows, windows[1:], strict=False):
        assert a.keep_hi == b.keep_lo  # no gap, no overlap in what is kept
    for w in windows:
        assert w.start <= w.keep_lo < w.keep_hi <= w.start + w.length
        if w.keep_lo > 0:
            assert w.keep_lo - w.start >= context
        if w.keep_hi < total:
            assert w.start + w.length - w.keep_hi >= context


def _voiced_signal(sr: int, seconds: float) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    f0 = 150 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 6)) * 0.3
    x[(t > 1.3) & (t < 1.8)] = 0.0  # a pause
    rng = np.random.default_rng(0)
    return (x + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.mark.parametrize("method", ["dio", "harvest"])
def test_parallel_world_f0_equals_the_whole_file_run(method: str) -> None:
    sr, hop = 16000, 320
    audio = _voiced_signal(sr, 5.0 if method == "dio" else 3.0)
    n = len(audio) // hop
    whole = raw_f0(audio, sr, hop, n, method)
    parts = world_f0_parallel(audio, sr, hop, n, method, workers=2, segment_s=1.0)
    assert parts.shape == whole.shape
    assert np.array_equal(parts > 0, whole > 0)
    voiced = whole > 0
    assert voiced.mean() > 0.5
    cents = np.abs(1200 * np.log2(parts[voiced] / whole[voiced]))
    assert cents.max() < 1.0


@pytest.fixture
def _zero_rng(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every torch random draw returns zeros (the fidelity check's setting)."""

    def zeros(*size, generator=None, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
            size = tuple(size[0])
        return torch.zeros(tuple(size), device=kw.get("device"), dtype=kw.get("dtype") or torch.float32)

    monkeypatch.setattr(torch, "rand", zeros)
    monkeypatch.setattr(torch, "randn", zeros)
    monkeypatch.setattr(torch, "randn_like", lambda t, **kw: torch.zeros_like(t, **kw))


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference
    from tests.engine.sovits_helpers import write_voice

    root: Path = tmp_path_factory.mktemp("accel")
    folder = write_voice(root / "voice", seed=3)
    model = SovitsModel.load(folder / "G_100.pth")
    hubert, proj = tiny_reference(seed=1, proj_dim=256)
    encoder = load_content_encoder(save_content_vec_best(root / "cv", hubert, proj), kind="vec256l9")
    return model, encoder


def _features(model, encoder, seconds: float):  # noqa: ANN001, ANN202
    sr, hop = model.sample_rate, model.hop_length
    audio = _voiced_signal(sr, seconds)
    n = len(audio) // hop
    rng = np.random.default_rng(1)
    f0 = (160 + 30 * np.sin(np.arange(n) / 9)).astype(np.float32)
    uv = (rng.random(n) > 0.2).astype(np.float32)
    wav16 = audio  # the tiny voice runs at 16 kHz
    units = encoder.encode(wav16)
    idx = (np.arange(n) * units.shape[1]) // n
    return wav16, units[:, idx], f0, uv


@pytest.mark.usefixtures("_zero_rng")
@pytest.mark.parametrize("predict_f0", [False, True])
def test_one_window_with_tiled_decoder_equals_synthesize(tiny_voice, predict_f0: bool) -> None:  # noqa: ANN001
    model, encoder = tiny_voice
    wav16, units, f0, uv = _features(model, encoder, 3.0)
    ref = model.synthesize(units, f0, uv, "alice", 0.4, predict_f0)
    fast = FastSovits(model, encoder, FastSettings(window_s=60, dec_tile_s=0.4, max_batch_samples=2**14))
    out = fast.synthesize(wav16, f0, uv, "alice", 0.4, predict_f0)
    assert out.shape == ref.shape
    assert np.max(np.abs(out - ref)) < 1e-5 * max(1.0, float(np.max(np.abs(ref))))


@pytest.mark.usefixtures("_zero_rng")
def test_windows_stay_close_to_the_whole_file(tiny_voice) -> None:  # noqa: ANN001
    model, encoder = tiny_voice
    wav16, units, f0, uv = _features(model, encoder, 4.0)
    ref = model.synthesize(units, f0, uv, "alice", 0.4, False)
    fast = FastSovits(model, encoder, FastSettings(window_s=1.5, context_s=0.4, dec_tile_s=0.5))
    out = fast.synthesize(wav16, f0, uv, "alice", 0.4, False)
    assert out.shape == ref.shape and np.all(np.isfinite(out))
    snr = 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / np.sum((ref - out).astype(np.float64) ** 2))
    assert snr > 25


def test_seeded_conversion_is_reproducible_and_callable_f0_works(tiny_voice) -> None:  # noqa: ANN001
    model, encoder = tiny_voice
    wav16, _units, f0, uv = _features(model, encoder, 2.0)
    fast = FastSovits(model, encoder, FastSettings(window_s=1.0, context_s=0.2, dec_tile_s=0.5))
    a = fast.synthesize(wav16, f0, uv, "bob", 0.4, False, seed=5)
    b = fast.synthesize(wav16, lambda: (f0, uv), None, "bob", 0.4, False, seed=5, n_frames=len(f0))
    assert np.array_equal(a, b)
    assert len(a) == len(f0) * model.hop_length


def test_convert_whole_keeps_the_pipeline_contract(tiny_voice) -> None:  # noqa: ANN001
    from autovoice_desktop.engine.accel import convert_whole
    from autovoice_desktop.engine.sovits.pipeline import PipelineOptions

    model, encoder = tiny_voice
    sr = model.sample_rate
    voiced = _voiced_signal(sr, 1.2)
    audio = np.concatenate([voiced, np.zeros(sr, np.float32), voiced, np.zeros(777, np.float32)])
    progress: list[float] = []
    result = convert_whole(
        model,
        encoder,
        audio,
        sr,
        PipelineOptions(speaker="bob", seed=3),
        progress=lambda f, s: progress.append(f),
    )
    assert result.sample_rate == sr and result.audio.shape == audio.shape
    gap = slice(len(voiced) + sr // 5, len(voiced) + sr - sr // 5)
    assert np.all(result.audio[gap] == 0)  # silence stays exact zeros
    assert np.any(result.audio[: len(voiced)] != 0)
    assert result.pitch is not None and result.pitch.source_f0.shape == (len(audio) // model.hop_length,)
    assert progress and progress[-1] == 1.0
    again = convert_whole(model, encoder, audio, sr, PipelineOptions(speaker="bob", seed=3))
    assert np.array_equal(result.audio, again.audio)


def test_convert_whole_can_be_cancelled(tiny_voice) -> None:  # noqa: ANN001
    import threading

    from autovoice_desktop.core.errors import ConversionCancelled
    from autovoice_desktop.engine.accel import convert_whole
    from autovoice_desktop.engine.sovits.pipeline import PipelineOptions

    model, encoder = tiny_voice
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ConversionCancelled):
        convert_whole(model, encoder, _voiced_signal(model.sample_rate, 1.0), model.sample_rate,
                      PipelineOptions(), cancel=cancel)  # fmt: skip


def test_convert_whole_skips_long_silences(tiny_voice, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """Speech, 6 s of silence, speech: only the two speech spans (plus context) are synthesised."""
    from autovoice_desktop.engine import accel
    from autovoice_desktop.engine.sovits.pipeline import PipelineOptions

    model, encoder = tiny_voice
    sr, hop = model.sample_rate, model.hop_length
    voiced = _voiced_signal(sr, 1.5)
    audio = np.concatenate([voiced, np.zeros(6 * sr, np.float32), voiced])
    n_frames = len(audio) // hop
    calls: list[int] = []
    real = accel.FastSovits.synthesize

    def spy(self, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(kw["n_frames"])
        return real(self, *args, **kw)

    monkeypatch.setattr(accel.FastSovits, "synthesize", spy)
    opts = PipelineOptions(speaker="bob", seed=3, noise_scale=0.0)
    skipped = accel.convert_whole(model, encoder, audio, sr, opts)
    assert len(calls) == 2 and sum(calls) < 0.6 * n_frames  # 2 x (1.5 s + 1 s context) of 9 s
    monkeypatch.setattr(accel, "SKIP_MIN_SAVING", 1.1)  # never skip: one whole-file run
    calls.clear()
    whole = accel.convert_whole(model, encoder, audio, sr, opts)
    assert calls == [n_frames]
    assert skipped.audio.shape == whole.audio.shape == audio.shape
    gap = slice(len(voiced) + sr // 5, len(voiced) + 6 * sr - sr // 5)
    assert np.all(skipped.audio[gap] == 0) and np.all(whole.audio[gap] == 0)
    for part in (slice(0, len(voiced)), slice(len(audio) - len(voiced), len(audio))):
        ref, got = whole.audio[part].astype(np.float64), skipped.audio[part].astype(np.float64)
        assert np.any(ref != 0)
        snr = 10 * np.log10(np.sum(ref**2) / max(np.sum((ref - got) ** 2), 1e-30))
        assert snr > 20, snr  # the same speech, up to context beyond the 1 s margin
