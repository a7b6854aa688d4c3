"""The windowed synthesizer (engine/sovits/windowed.py): window plans, one window equals the whole model,
several windows stay close to it, seeding, and the pipeline around it (silence, spans, progress, cancel)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from autovoice_desktop.core.errors import ConversionCancelled
from autovoice_desktop.engine.sovits import nsf_hifigan, pipeline
from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, convert
from autovoice_desktop.engine.sovits.slicing import bucket_frames, plan_windows
from autovoice_desktop.engine.sovits.span_pass import SpanPass, SpanShape
from autovoice_desktop.engine.sovits.windowed import WindowedSynth, WindowSettings
from tests.engine.sovits_helpers import snr_db, tiny_model_and_encoder, voiced_signal, zero_random_draws


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


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    return tiny_model_and_encoder(tmp_path_factory.mktemp("windowed"))


def _features(model, encoder, seconds: float):  # noqa: ANN001, ANN202
    hop = model.hop_length
    audio = voiced_signal(model.sample_rate, seconds)  # the tiny voice runs at 16 kHz: no resampling
    n = len(audio) // hop
    rng = np.random.default_rng(1)
    f0 = (160 + 30 * np.sin(np.arange(n) / 9)).astype(np.float32)
    uv = (rng.random(n) > 0.2).astype(np.float32)
    units = encoder.encode(audio)
    return audio, units[:, (np.arange(n) * units.shape[1]) // n], f0, uv


def _run(model, encoder, settings, wav16, f0, uv, predict_f0=False, seed=None, volume=None):  # noqa: ANN001, ANN202
    """One span through the conversion's SpanPass (what pipeline.convert runs per span)."""
    synth = WindowedSynth(model, encoder, settings)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    shape = SpanShape(len(f0), len(wav16), 0.4, predict_f0=predict_f0, use_volume=volume is not None)
    span = SpanPass(synth, shape)
    span.set_speaker(synth.speaker("alice"))
    return span(wav16, f0, uv, volume, generator).numpy()


@pytest.mark.parametrize("predict_f0", [False, True])
def test_one_window_with_tiled_decoder_equals_the_model(tiny_voice, monkeypatch, predict_f0: bool) -> None:  # noqa: ANN001
    zero_random_draws(monkeypatch)
    model, encoder = tiny_voice
    wav16, units, f0, uv = _features(model, encoder, 3.0)
    ref = model.synthesize(units, f0, uv, "alice", 0.4, predict_f0)
    settings = WindowSettings(window_s=60, dec_tile_s=0.4, max_batch_samples=2**14, source_chunk=5000)
    out = _run(model, encoder, settings, wav16, f0, uv, predict_f0)
    assert out.shape == ref.shape
    # The predicted F0 drives the source's phase, so float rounding in the F0 predictor (the padded run's
    # matrix shapes differ) grows along the span: 1.6e-5 measured at 2.3 s.
    tolerance = 5e-5 if predict_f0 else 1e-5
    assert np.max(np.abs(out - ref)) < tolerance * max(1.0, float(np.max(np.abs(ref))))


def test_windows_stay_close_to_the_whole_signal(tiny_voice, monkeypatch) -> None:  # noqa: ANN001
    zero_random_draws(monkeypatch)
    model, encoder = tiny_voice
    wav16, units, f0, uv = _features(model, encoder, 4.0)
    ref = model.synthesize(units, f0, uv, "alice", 0.4, False)
    out = _run(model, encoder, WindowSettings(window_s=1.5, context_s=0.4, dec_tile_s=0.5), wav16, f0, uv)
    assert out.shape == ref.shape and np.all(np.isfinite(out))
    assert snr_db(ref, out) > 25


def test_seeded_rendering_is_reproducible(tiny_voice) -> None:  # noqa: ANN001
    model, encoder = tiny_voice
    wav16, _units, f0, uv = _features(model, encoder, 2.0)
    settings = WindowSettings(window_s=1.0, context_s=0.2, dec_tile_s=0.5)
    a = _run(model, encoder, settings, wav16, f0, uv, seed=5)
    b = _run(model, encoder, settings, wav16, f0, uv, seed=5)
    c = _run(model, encoder, settings, wav16, f0, uv, seed=6)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert len(a) == len(f0) * model.hop_length


def test_convert_keeps_the_pipeline_contract(tiny_voice) -> None:  # noqa: ANN001
    model, encoder = tiny_voice
    sr = model.sample_rate
    voiced = voiced_signal(sr, 1.2)
    audio = np.concatenate([voiced, np.zeros(sr, np.float32), voiced, np.zeros(777, np.float32)])
    progress: list[float] = []
    opts = PipelineOptions(speaker="bob", seed=3)
    result = convert(model, encoder, audio, sr, opts, progress=lambda f, s: progress.append(f))
    assert result.sample_rate == sr and result.audio.shape == audio.shape
    gap = slice(len(voiced) + sr // 5, len(voiced) + sr - sr // 5)
    assert np.all(result.audio[gap] == 0)  # silence stays exact zeros
    assert np.any(result.audio[: len(voiced)] != 0)
    assert result.pitch is not None and result.pitch.source_f0.shape == (len(audio) // model.hop_length,)
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert np.array_equal(result.audio, convert(model, encoder, audio, sr, opts).audio)


def test_convert_can_be_cancelled(tiny_voice) -> None:  # noqa: ANN001
    model, encoder = tiny_voice
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ConversionCancelled):
        convert(model, encoder, voiced_signal(model.sample_rate, 1.0), model.sample_rate, cancel=cancel)


def _spy_frames(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = WindowedSynth.render_tensors

    def spy(self, units, f0, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(int(f0.numel()))
        return real(self, units, f0, *args, **kw)

    monkeypatch.setattr(WindowedSynth, "render_tensors", spy)
    return calls


def test_long_silences_are_skipped(tiny_voice, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """Speech, 6 s of silence, speech: only the two speech spans (plus context) are synthesised."""
    model, encoder = tiny_voice
    sr, hop = model.sample_rate, model.hop_length
    voiced = voiced_signal(sr, 1.5)
    audio = np.concatenate([voiced, np.zeros(6 * sr, np.float32), voiced])
    n_frames = len(audio) // hop
    calls = _spy_frames(monkeypatch)
    opts = PipelineOptions(speaker="bob", seed=3, noise_scale=0.0)
    skipped = convert(model, encoder, audio, sr, opts)
    assert len(calls) == 2 and sum(calls) < 0.6 * n_frames  # 2 x (1.5 s + 1 s context) of 9 s
    monkeypatch.setattr("autovoice_desktop.engine.sovits.slicing.SKIP_MIN_SAVING", 1.1)  # never skip
    calls.clear()
    whole = convert(model, encoder, audio, sr, opts)
    assert calls == [n_frames]
    assert skipped.audio.shape == whole.audio.shape == audio.shape
    gap = slice(len(voiced) + sr // 5, len(voiced) + 6 * sr - sr // 5)
    assert np.all(skipped.audio[gap] == 0) and np.all(whole.audio[gap] == 0)
    for part in (slice(0, len(voiced)), slice(len(audio) - len(voiced), len(audio))):
        assert np.any(whole.audio[part] != 0)
        assert snr_db(whole.audio[part], skipped.audio[part]) > 20  # the same speech, up to far context


def test_long_speech_is_synthesised_in_bounded_spans(tiny_voice, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A continuous 12 s run with 4 s spans: every model call is at most one span plus context long."""
    zero_random_draws(monkeypatch)
    model, encoder = tiny_voice
    sr, hop = model.sample_rate, model.hop_length
    audio = voiced_signal(sr, 12.0, pause=None)
    calls = _spy_frames(monkeypatch)
    opts = PipelineOptions(max_chunk_seconds=3.0)
    small = WindowSettings(window_s=2.0, context_s=0.5, dec_tile_s=1.0, span_s=4.0)
    spanned = convert(model, encoder, audio, sr, opts, settings=small).audio
    assert len(calls) >= 3 and max(calls) * hop <= (4.0 + 2 * pipeline.SKIP_MARGIN_S) * sr
    calls.clear()
    one = convert(model, encoder, audio, sr, opts, settings=WindowSettings(window_s=2.0, context_s=0.5)).audio
    assert calls == [len(audio) // hop]
    assert spanned.shape == audio.shape and np.all(np.isfinite(spanned))
    assert snr_db(one, spanned) > 25


def test_oom_settings_shrink_to_a_floor() -> None:
    settings = WindowSettings.for_device("cuda:0")
    sizes = []
    while settings is not None:
        sizes.append(settings.max_batch_samples)
        settings = settings.smaller()
    assert sizes == sorted(sizes, reverse=True) and len(sizes) >= 3 and sizes[-1] == 2**15


def test_bucket_lengths_are_few_and_cost_little_extra() -> None:
    lengths = range(1, 5000)
    buckets = [bucket_frames(n) for n in lengths]
    assert all(b >= n and b % 16 == 0 for n, b in zip(lengths, buckets, strict=True))
    assert all(b <= n * 1.125 for n, b in zip(lengths, buckets, strict=True) if n >= 128)
    assert buckets == sorted(buckets)  # a longer input never gets a shorter tile
    assert len(set(buckets)) < 70  # 5000 lengths -> a few dozen shapes
    assert all(bucket_frames(b) == b for b in buckets)


@pytest.mark.parametrize(("total", "length", "context"), [(1000, 300, 20), (1001, 100, 16), (5167, 893, 16)])
def test_rounded_windows_still_partition_the_frames(total: int, length: int, context: int) -> None:
    windows = plan_windows(total, length, context, round_length=bucket_frames)
    assert len({w.length for w in windows}) == 1
    assert windows[0].length <= length
    assert windows[0].length in (length, bucket_frames(windows[0].length))
    assert windows[-1].start + windows[-1].length == total and windows[-1].keep_hi == total
    for a, b in zip(windows, windows[1:], strict=False):
        assert (
            a.keep_hi == b.keep_lo
            and b.keep_lo - b.start >= context
            and a.start + a.length - a.keep_hi >= context
        )


def _record_shapes(monkeypatch, owner, name: str, shapes: list) -> None:  # noqa: ANN001
    """Wrap owner.name so that each call appends its first argument's shape to `shapes`."""
    run = getattr(owner, name)

    def spy(x: torch.Tensor, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        shapes.append(tuple(x.shape))
        return run(x, *args, **kwargs)

    monkeypatch.setattr(owner, name, spy)


@pytest.mark.parametrize(("planar", "predict_f0"), [(True, False), (False, True)])
@pytest.mark.parametrize("seconds", [0.37, 1.05, 2.3])
def test_a_short_input_padded_to_its_bucket_converts_exactly(
    tiny_voice,
    monkeypatch,
    planar: bool,
    predict_f0: bool,
    seconds: float,  # noqa: ANN001
) -> None:
    """One window and one decoder tile, zero padded to their bucket length and masked (`valid`), equal the
    model's own unpadded synthesis (both CPU decoder layouts, with and without the F0 predictor)."""
    zero_random_draws(monkeypatch)
    monkeypatch.setattr(nsf_hifigan, "PLANAR_DEVICES", ("cpu",) if planar else ())
    model, encoder = tiny_voice
    wav16, units, f0, uv = _features(model, encoder, seconds)
    assert bucket_frames(len(f0)) > len(f0)  # the padding path is taken
    ref = model.synthesize(units, f0, uv, "alice", 0.4, predict_f0)
    shapes: list[tuple[int, ...]] = []
    _record_shapes(monkeypatch, model.net, "latent", shapes)
    _record_shapes(monkeypatch, model.net.dec, "decode", shapes)
    out = _run(model, encoder, WindowSettings(dec_tile_s=60), wav16, f0, uv, predict_f0)
    padded = bucket_frames(len(f0))
    assert shapes == [(1, model.net.cfg.ssl_dim, padded), (1, model.net.cfg.inter_channels, padded)]
    assert out.shape == ref.shape
    # The predicted F0 drives the source's phase, so float rounding in the F0 predictor (the padded run's
    # matrix shapes differ) grows along the span: 1.6e-5 measured at 2.3 s.
    tolerance = 5e-5 if predict_f0 else 1e-5
    assert np.max(np.abs(out - ref)) < tolerance * max(1.0, float(np.max(np.abs(ref))))


def test_padded_windows_with_volume_equal_exact_lengths(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Several windows (4.1 volume embedding), padded to their bucket or not: the same audio."""
    zero_random_draws(monkeypatch)
    model, encoder = tiny_model_and_encoder(tmp_path, vol_embedding=True)
    wav16, _units, f0, uv = _features(model, encoder, 3.1)
    volume = np.abs(np.sin(np.arange(len(f0)) / 7)).astype(np.float32)
    outs = []
    for buckets in (True, False):
        settings = WindowSettings(window_s=1.3, context_s=0.3, dec_tile_s=0.7, length_buckets=buckets)
        synth = WindowedSynth(model, encoder, settings)
        assert bucket_frames(synth.plan(len(f0))[0].length) > synth.plan(len(f0))[0].length
        outs.append(_run(model, encoder, settings, wav16, f0, uv, volume=volume))
    assert np.max(np.abs(outs[0] - outs[1])) < 1e-5 * max(1.0, float(np.max(np.abs(outs[1]))))


@pytest.mark.parametrize("tile_step", [0, 8])
def test_inputs_of_many_lengths_share_a_few_decoder_shapes(tiny_voice, monkeypatch, tile_step: int) -> None:  # noqa: ANN001
    """Converting 12 inputs of different lengths (one tile and several) runs the decoder on few shapes; with
    a tile_step (the CPU's setting) several tiles are a multiple of it, a single tile still a bucket."""
    model, encoder = tiny_voice
    seen: list[tuple[int, ...]] = []
    _record_shapes(monkeypatch, model.net.dec, "decode", seen)
    settings = WindowSettings(dec_tile_s=1.0, max_batch_samples=2**30, tile_step=tile_step)
    for k in range(12):
        audio = voiced_signal(model.sample_rate, 0.6 + 0.047 * k, pause=None)
        result = convert(model, encoder, audio, model.sample_rate, PipelineOptions(), settings=settings)
        assert result.audio.size == audio.size
    lengths = {shape[2] for shape in seen}
    assert len(lengths) <= (4 if tile_step == 0 else 8) < 12
    assert all(n == bucket_frames(n) or (tile_step and n % tile_step == 0) for n in lengths)


@pytest.mark.parametrize("mode", ["nearest", "left"])
def test_units_reach_the_frames_by_the_configs_mapping(tmp_path, mode: str) -> None:  # noqa: ANN001
    """A 4.1 voice's units are stretched as its config's data.unit_interpolate_mode says (4.1's template:
    "nearest"; "left" when the key is missing), checked against 4.1's own operations."""
    import dataclasses
    import json

    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference
    from tests.engine.sovits.test_content_input import reference_left
    from tests.engine.sovits_helpers import write_voice

    folder = write_voice(tmp_path / "voice", vol_embedding=True, sr=44100)
    raw = json.loads((folder / "config.json").read_text())
    raw["data"]["unit_interpolate_mode"] = mode
    (folder / "config.json").write_text(json.dumps(raw))
    model = SovitsModel.load(folder / "G_100.pth")
    assert model.config.style == "4.1" and model.config.unit_mapping == mode
    encoder = load_content_encoder(
        save_content_vec_best(tmp_path / "cv", *tiny_reference(seed=1, proj_dim=256)), kind="vec256l9"
    )
    frames = 86
    wav16 = np.random.default_rng(4).standard_normal(frames * 320 * 16000 // 44100).astype(np.float32)
    ((_, got),) = WindowedSynth(model, encoder).content(wav16, frames)
    units = encoder.encode_batch(torch.from_numpy(wav16)[None])  # (1, S, U)
    nearest = torch.nn.functional.interpolate(units, size=frames, mode="nearest")[0]
    left = reference_left(units[0], frames)
    assert not torch.equal(nearest, left)  # this length tells the two apart
    assert torch.equal(got[0], nearest if mode == "nearest" else left)
    model.config = dataclasses.replace(model.config, style="4.0")  # the fork's rule, for contrast
    ((_, fork),) = WindowedSynth(model, encoder).content(wav16, frames)
    assert torch.equal(fork[0], nearest)  # more frames than units: the fork interpolates "nearest" too
