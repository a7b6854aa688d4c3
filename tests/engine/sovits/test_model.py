"""SovitsModel: load every supported format and synthesize; speakers, seeds, volume, auto F0, errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch

from autovoice_desktop.core.errors import (
    AudioContentError,
    EncoderMismatchError,
    ModelFormatError,
    UnknownSpeakerError,
)
from autovoice_desktop.engine.sovits import SovitsModel
from tests.engine.sovits.factory import frames_input, make_config, reference_state, write_model

FRAMES = 12


def _synth(model: SovitsModel, seed: int | None = 0, **kw: Any) -> np.ndarray:
    x = frames_input(model.ssl_dim, FRAMES)
    args = {"speaker": 0, "seed": seed}
    if model.vol_embedding:
        args["volume"] = x["volume"]
    args.update(kw)
    return model.synthesize(x["content"], x["f0"], x["uv"], **args)


@pytest.mark.parametrize(
    ("kind", "overrides", "encoder"),
    [
        ("4.0", {}, "vec256l9"),
        ("4.1", {"vol_embedding": True}, "vec768l12"),
        ("4.1", {"use_automatic_f0_prediction": False}, "vec768l12"),
        ("4.1", {"speech_encoder": "vec256l9", "ssl_dim": 256}, "vec256l9"),
        ("fork", {}, "vec768l12"),
    ],
)
def test_formats_load_and_synthesize(tmp_path: Path, kind: str, overrides: dict, encoder: str) -> None:
    model = SovitsModel.load(write_model(tmp_path, make_config(kind, **overrides)))
    assert (model.sample_rate, model.hop_length, model.speech_encoder) == (44100, 512, encoder)
    assert model.speakers == {"alice": 0, "bob": 1, "carol": 2}
    assert (model.device, model.half) == ("cpu", False)
    wav = _synth(model)
    assert wav.dtype == np.float32 and wav.shape == (FRAMES * 512,)
    assert np.all(np.isfinite(wav)) and 0 < np.max(np.abs(wav)) <= 1


def test_release_fp16_and_prefixed_files_give_the_same_audio(tmp_path: Path) -> None:
    raw = make_config("4.1")
    state = reference_state(raw)
    full = SovitsModel.load(write_model(tmp_path / "full", raw, state=state))
    release = {k: v for k, v in state.items() if not k.startswith("enc_q.")}
    rel = SovitsModel.load(write_model(tmp_path / "release", raw, state=release))
    prefixed = SovitsModel.load(
        write_model(tmp_path / "module", raw, state={f"module.{k}": v for k, v in state.items()})
    )
    np.testing.assert_array_equal(_synth(full), _synth(rel))
    np.testing.assert_array_equal(_synth(full), _synth(prefixed))
    half_state = {k: v.half() for k, v in release.items()}
    half = SovitsModel.load(write_model(tmp_path / "half", raw, state=half_state))
    assert half.net.pre.weight.dtype == torch.float32
    ref_from_half = SovitsModel.load(
        write_model(tmp_path / "half32", raw, state={k: v.float() for k, v in half_state.items()})
    )
    np.testing.assert_array_equal(_synth(half), _synth(ref_from_half))


def test_config_path_default_and_explicit(tmp_path: Path) -> None:
    ckpt = write_model(tmp_path / "a", make_config("4.0"))
    (tmp_path / "b").mkdir()
    moved = tmp_path / "b" / "G_1000.pth"
    ckpt.rename(moved)
    with pytest.raises(ModelFormatError, match="no config.json next to G_1000.pth"):
        SovitsModel.load(moved)
    assert SovitsModel.load(moved, config_path=tmp_path / "a" / "config.json").ssl_dim == 256


def test_rate_and_hop_follow_the_config(tmp_path: Path) -> None:
    raw = make_config("4.0", upsample_rates=[10, 8, 2, 2], upsample_kernel_sizes=[20, 16, 4, 4])
    raw["data"].update(sampling_rate=32000, hop_length=320)
    model = SovitsModel.load(write_model(tmp_path, raw))
    assert (model.sample_rate, model.hop_length) == (32000, 320)
    assert _synth(model).shape == (FRAMES * 320,)


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> SovitsModel:
    return SovitsModel.load(write_model(tmp_path_factory.mktemp("voice"), make_config("4.0")))


def test_speaker_by_name_equals_by_id(voice: SovitsModel) -> None:
    np.testing.assert_array_equal(_synth(voice, speaker="bob"), _synth(voice, speaker=1))
    np.testing.assert_array_equal(_synth(voice, speaker=np.int64(1)), _synth(voice, speaker=1))
    np.testing.assert_array_equal(_synth(voice, speaker=torch.tensor([1])), _synth(voice, speaker=1))
    assert not np.allclose(_synth(voice, speaker="bob"), _synth(voice, speaker="alice"))


@pytest.mark.parametrize("speaker", ["dave", 3, 200, -1, True, "0"])
def test_unknown_speaker_lists_the_names(voice: SovitsModel, speaker: Any) -> None:
    with pytest.raises(UnknownSpeakerError) as info:
        _synth(voice, speaker=speaker)
    assert "'alice' (id 0)" in (info.value.hint or "") and "'carol' (id 2)" in (info.value.hint or "")


def test_seed_makes_output_reproducible(voice: SovitsModel) -> None:
    first, again, other = _synth(voice, seed=7), _synth(voice, seed=7), _synth(voice, seed=8)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_without_seed_noise_comes_from_torch_rng(voice: SovitsModel) -> None:
    torch.manual_seed(5)
    first = _synth(voice, seed=None)
    torch.manual_seed(5)
    np.testing.assert_array_equal(first, _synth(voice, seed=None))
    assert not np.allclose(first, _synth(voice, seed=None))


def test_zero_random_draws_make_output_deterministic(voice: SovitsModel) -> None:
    def zeros(*size: Any, **kw: Any) -> torch.Tensor:
        return torch.zeros(*size, **{k: v for k, v in kw.items() if k in ("dtype", "device")})

    def zeros_like(t: torch.Tensor, **kw: Any) -> torch.Tensor:
        return torch.zeros(t.shape, dtype=t.dtype, device=t.device)

    patches = {"randn_like": zeros_like, "rand": zeros, "randn": zeros}
    with mock.patch.multiple(torch, **patches):
        torch.manual_seed(1)
        first = _synth(voice, seed=None)
        torch.manual_seed(2)
        second = _synth(voice, seed=None)
        no_noise = _synth(voice, seed=None, noise_scale=0.0)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, no_noise)


def test_noise_scale_changes_output(voice: SovitsModel) -> None:
    assert not np.allclose(_synth(voice, noise_scale=0.0), _synth(voice, noise_scale=0.8))


def test_volume_conditions_vol_embedding_models(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model = SovitsModel.load(write_model(tmp_path, make_config("4.1", vol_embedding=True)))
    quiet = _synth(model, volume=np.full(FRAMES, 0.01, dtype=np.float32))
    loud = _synth(model, volume=np.full(FRAMES, 0.5, dtype=np.float32))
    assert not np.allclose(quiet, loud)
    with caplog.at_level(logging.WARNING):
        assert _synth(model, volume=None).shape == (FRAMES * 512,)
    assert "no volume was given" in caplog.text


def test_volume_is_ignored_without_vol_embedding(voice: SovitsModel) -> None:
    np.testing.assert_array_equal(_synth(voice), _synth(voice, volume=np.ones(FRAMES, dtype=np.float32)))


def test_auto_predict_f0(voice: SovitsModel, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert not np.allclose(_synth(voice, auto_predict_f0=True), _synth(voice, auto_predict_f0=False))
    plain = SovitsModel.load(write_model(tmp_path, make_config("4.1", use_automatic_f0_prediction=False)))
    assert not plain.has_f0_predictor
    with caplog.at_level(logging.WARNING):
        np.testing.assert_array_equal(_synth(plain, auto_predict_f0=True), _synth(plain))
    assert "no F0 predictor" in caplog.text


def test_input_errors(voice: SovitsModel) -> None:
    x = frames_input(768, FRAMES)
    with pytest.raises(EncoderMismatchError, match="768-dim.*ssl_dim 256"):
        voice.synthesize(x["content"], x["f0"], x["uv"])
    x = frames_input(256, FRAMES)
    with pytest.raises(ValueError, match="f0 has 11 frames but content has 12"):
        voice.synthesize(x["content"], x["f0"][:-1], x["uv"])
    bad = x["f0"].clone()
    bad[3] = float("nan")
    with pytest.raises(AudioContentError, match="f0 contains NaN"):
        voice.synthesize(x["content"], bad, x["uv"])
    assert voice.synthesize(np.zeros((256, 0), np.float32), np.zeros(0), np.zeros(0)).shape == (0,)


def test_numpy_and_batched_inputs(voice: SovitsModel) -> None:
    x = frames_input(256, FRAMES)
    ref = voice.synthesize(x["content"], x["f0"], x["uv"], seed=3)
    got = voice.synthesize(x["content"][None].numpy(), x["f0"].numpy(), x["uv"].numpy(), seed=3)
    np.testing.assert_array_equal(ref, got)


def test_device_fallback_half_and_release(tmp_path: Path) -> None:
    ckpt = write_model(tmp_path, make_config("4.0"))
    with (
        mock.patch("torch.cuda.is_available", return_value=False),
        mock.patch("autovoice_desktop.engine.device.cpu_bf16_faster", return_value=False),
    ):
        model = SovitsModel.load(ckpt, device="cuda", half=True)
    # no GPU, bf16 not faster here: float32 on the CPU, with the fallback notice
    assert model.device == "cpu" and not model.half and "no usable CUDA GPU" in (model.notice or "")
    with mock.patch("autovoice_desktop.engine.device.cpu_bf16_faster", return_value=True):
        assert model.to("cpu", half=True).dtype == torch.bfloat16  # bf16 faster: half means bf16 on the CPU
    assert model.net.pre.weight.dtype == torch.bfloat16
    assert model.to("cpu") is model and model.dtype == torch.float32  # half=False: float32 again
    model.release()
    with pytest.raises(RuntimeError, match="released"):
        _synth(model)


def test_full_default_41_size(tmp_path: Path) -> None:
    """The 4.1 template architecture (hidden 192, filter 768, 6 layers, 512-channel decoder, 200 speakers)."""
    raw = make_config("4.1")
    raw["model"].update(inter_channels=192, hidden_channels=192, filter_channels=768, n_layers=6,
                        resblock_kernel_sizes=[3, 7, 11], resblock_dilation_sizes=[[1, 3, 5]] * 3,
                        upsample_initial_channel=512, gin_channels=768, n_speakers=200)  # fmt: skip
    ckpt = write_model(tmp_path, raw)
    model = SovitsModel.load(ckpt)
    params = sum(p.numel() for p in model.net.parameters())
    assert params == 40_307_660  # the reference generator without enc_q, weight_g folded into weight
    x = frames_input(768, 4)
    wav = model.synthesize(x["content"], x["f0"], x["uv"], speaker="carol", seed=0)
    assert wav.shape == (4 * 512,) and np.all(np.isfinite(wav))
    assert json.loads((tmp_path / "config.json").read_text())["model"]["n_speakers"] == 200
