"""SovitsVoice: the user's F0 curve, analyse_pitch, and open_stream (the live voice changer's entry point)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.core.types import ConversionParams, F0Curve, VoiceInfo
from autovoice_desktop.engine.sovits import SovitsModel
from autovoice_desktop.engine.sovits.pipeline import convert
from autovoice_desktop.engine.sovits.voice import (
    STREAM_MIN_CONTEXT_S,
    SovitsVoice,
    get_content_encoder,
    release_content_encoders,
)
from tests.engine.content_helpers import save_content_vec_best, tiny_reference
from tests.engine.sovits_helpers import voiced_signal, write_voice, zero_random_draws


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root: Path = tmp_path_factory.mktemp("voice")
    folder = write_voice(root / "voice", seed=3)
    encoder = save_content_vec_best(root / "cv", *tiny_reference(seed=1, proj_dim=256))
    model = SovitsModel.load(folder / "G_100.pth")
    info = VoiceInfo("sovits/tiny", "tiny", "sovits", speakers=("alice", "bob"))
    yield SovitsVoice(
        info, folder / "G_100.pth", folder / "config.json", device="cpu", model=model, encoder_path=encoder
    )
    release_content_encoders()


PARAMS = ConversionParams(device="cpu", half=False, seed=4, transpose=3.0, speaker="bob")


def test_analysed_target_as_a_curve_gives_the_same_audio(voice: SovitsVoice) -> None:
    audio = voiced_signal(16000, 3.0)
    track = voice.analyse_pitch(audio, 16000, PARAMS)
    plain = voice.convert(audio, 16000, PARAMS)
    assert track.times.shape == track.target_f0.shape == plain.pitch.times.shape
    np.testing.assert_array_equal(track.times, plain.pitch.times)
    voiced = track.source_f0 > 0
    np.testing.assert_allclose(track.target_f0[voiced], track.source_f0[voiced] * 2 ** (3 / 12), rtol=1e-5)
    curve = F0Curve(tuple(track.times.tolist()), tuple(track.target_f0.tolist()))
    from_curve = voice.convert(audio, 16000, replace(PARAMS, f0_curve=curve))
    np.testing.assert_array_equal(from_curve.audio, plain.audio)


def test_a_curve_replaces_the_estimated_pitch(voice: SovitsVoice) -> None:
    audio = voiced_signal(16000, 2.0, pause=None)
    curve = F0Curve((0.0, 1.0, 2.0), (220.0, 440.0, 0.0))
    result = voice.convert(audio, 16000, ConversionParams(device="cpu", half=False, f0_curve=curve))
    track = result.pitch
    inside = (track.times > 0.2) & (track.times < 0.9)
    np.testing.assert_allclose(track.target_f0[inside], 220 + 220 * track.times[inside], rtol=1e-4)
    assert not track.target_f0[track.times > 1.6].any()  # the curve says unvoiced there
    assert np.all(np.isfinite(result.audio)) and np.abs(result.audio).max() > 0


def _last_block_against_the_window(voice: SovitsVoice, params: ConversionParams) -> None:
    """Six 0.1 s blocks through a stream; the last one equals converting its whole window as a file."""
    context, block = 6400, 1600  # 0.4 s + 0.1 s at 16 kHz, multiples of the hop (320)
    stream = voice.open_stream(params, context_samples=context)
    assert stream.sample_rate == 16000 and stream.context_samples == context
    signal = voiced_signal(16000, 1.0, pause=None)
    outputs = [stream.convert(signal[i : i + block], block + 320) for i in range(0, 6 * block, block)]
    assert all(o.shape == (block + 320,) and np.all(np.isfinite(o)) for o in outputs)
    window = signal[6 * block - context - block : 6 * block]
    model = voice.model("cpu", False)
    encoder = get_content_encoder(voice.encoder_path, model.speech_encoder, "cpu", False)
    ref = convert(model, encoder, window, 16000, voice._options(params, model, "cpu")).audio
    assert np.abs(ref).max() > 1e-4
    np.testing.assert_allclose(outputs[-1], ref[-(block + 320) :], atol=1e-5)


@pytest.mark.parametrize("method", ["dio", "fcpe"])
def test_stream_block_matches_converting_the_window(voice: SovitsVoice, method: str, monkeypatch) -> None:  # noqa: ANN001
    """dio's F0 comes from the host (`analyse`); FCPE's stays a tensor (`fcpe_f0_on_device`), 4.0 lineage."""
    zero_random_draws(monkeypatch)
    _last_block_against_the_window(voice, replace(PARAMS, f0_method=method))


@pytest.mark.parametrize("method", ["dio", "fcpe"])
def test_a_volume_voice_streams_as_it_converts(tmp_path: Path, method: str, monkeypatch) -> None:  # noqa: ANN001
    """A 4.1 voice with a volume embedding: with FCPE the volume is uploaded before the GPU work, with dio it
    comes from `analyse` with the F0."""
    zero_random_draws(monkeypatch)
    folder = write_voice(tmp_path / "voice", vol_embedding=True, seed=5)
    encoder = save_content_vec_best(tmp_path / "cv", *tiny_reference(seed=1, proj_dim=256))
    model = SovitsModel.load(folder / "G_100.pth")
    assert model.vol_embedding and model.config.style == "4.1"
    info = VoiceInfo("sovits/vol", "vol", "sovits", speakers=("alice", "bob"))
    vol_voice = SovitsVoice(
        info, folder / "G_100.pth", folder / "config.json", device="cpu", model=model, encoder_path=encoder
    )
    _last_block_against_the_window(vol_voice, replace(PARAMS, f0_method=method))


def test_stream_settings_and_reset(voice: SovitsVoice) -> None:
    stream = voice.open_stream(PARAMS, context_samples=3200)
    block = voiced_signal(16000, 0.1, pause=None)
    first = stream.convert(block, 1600)
    stream.set_params(ConversionParams(device="cpu", half=False, speaker="alice", transpose=-5))
    other = stream.convert(block, 1600)
    stream.reset()
    short = stream.convert(block[:100], 50)  # the history is silence again; the asked length comes back
    assert first.shape == other.shape == (1600,) and short.shape == (50,)
    assert not np.array_equal(first, other)
    assert np.all(np.isfinite(short))


def test_stream_keeps_its_context_across_block_sizes(voice: SovitsVoice, monkeypatch) -> None:  # noqa: ANN001
    """Blocks of changing size: each window is exactly the last context + block samples of the input."""
    seen: list[np.ndarray] = []
    stream = voice.open_stream(PARAMS, context_samples=960)
    context = stream.context_samples  # raised to the least a So-VITS-SVC stream converts with
    assert context == round(STREAM_MIN_CONTEXT_S * 16000)
    monkeypatch.setattr(stream, "convert_window", lambda w: seen.append(w.copy()) or np.zeros_like(w))
    signal = np.arange(1, 15001, dtype=np.float32)
    pos = 0
    for n in (640, 640, 320, 1280, 320, 6400, 640):
        stream.convert(signal[pos : pos + n], n)
        pos += n
        full = np.concatenate([np.zeros(context, np.float32), signal[:pos]])[-(context + n) :]
        np.testing.assert_array_equal(seen[-1], full[full.size % 320 :])


def test_setting_changes_reach_the_window_pass(voice: SovitsVoice) -> None:
    """A speaker change is copied into the kept pass (no re-capture on CUDA); a noise scale or auto-predict
    change, which a captured graph holds as constants, builds a new pass."""
    import torch

    stream = voice.open_stream(PARAMS, context_samples=3200)
    block = voiced_signal(16000, 0.1, pause=None)
    stream.convert(block, 1600)
    (first,) = stream._passes.values()
    stream.set_params(replace(PARAMS, speaker="alice"))
    assert list(stream._passes.values()) == [first]
    assert torch.equal(first.g, stream._synth.speaker("alice"))
    stream.set_params(replace(PARAMS, speaker="alice", noise_scale=0.1))
    assert not stream._passes  # dropped: its graph has the old noise scale baked in
    stream.convert(block, 1600)
    (second,) = stream._passes.values()
    assert second.noise_scale == 0.1 and torch.equal(second.g, stream._synth.speaker("alice"))
