"""Checkpoints that expand to gigabytes, NaN/infinite or unusable weights, and the last guard on audio.

A bomb is refused from the zip directory before torch reads any tensor (a control shows torch itself would
read it). Non-finite weights and dtypes no model uses are refused at import (exit 5) by the API and the CLI;
and a voice whose output is not finite raises instead of writing or returning it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core.errors import ModelFormatError, VoiceError
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine import voice as voice_module
from autovoice_desktop.engine.sovits import checkpoint_guard
from autovoice_desktop.engine.sovits.checkpoint import read_checkpoint
from autovoice_desktop.engine.voices import import_voice
from tests.reliability.helpers import assert_clean_failure, run_cli
from tests.reliability.model_corpus import (
    good_voice,
    save_reference_checkpoint,
    tiny_state_dict,
)

BOMB_FLOATS = 40_000_000  # 160 MB of zeros: deflates to about 160 kB


def _bomb(folder: Path) -> Path:
    """A voice whose G_1000.pth is the good checkpoint plus a 160 MB zero tensor, deflated."""
    voice = good_voice(folder, "bomb")
    state = tiny_state_dict()
    state["dec.padding"] = torch.zeros(BOMB_FLOATS)
    plain = folder / "plain.pth"
    save_reference_checkpoint(plain, state)
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(voice / "G_1000.pth", "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    plain.unlink()
    return voice


def test_control_torch_would_read_the_bomb(tmp_path: Path) -> None:
    """Control: torch.load (weights_only) expands the deflated bomb, so only the directory check stops it."""
    voice = _bomb(tmp_path)
    assert (voice / "G_1000.pth").stat().st_size < 2_000_000
    loaded = torch.load(voice / "G_1000.pth", weights_only=True)
    assert loaded["model"]["dec.padding"].numel() == BOMB_FLOATS


def test_bomb_is_refused_before_any_tensor_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """API and CLI: exit 5, "decompression bomb"; torch.load is never reached."""
    voice = _bomb(tmp_path)

    def no_load(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("torch.load was called on a decompression bomb")

    monkeypatch.setattr(torch, "load", no_load)
    with pytest.raises(ModelFormatError, match="decompression bomb"):
        read_checkpoint(voice / "G_1000.pth")
    result = run_cli(["import", str(voice)], capsys)
    assert_clean_failure(result, 5, "decompression bomb")


def test_declared_size_beyond_any_voice_is_refused(tmp_path: Path) -> None:
    """A checkpoint declaring more than the limit is refused by size, whatever its ratio."""
    voice = good_voice(tmp_path, "big")
    with pytest.raises(ModelFormatError, match="more than any So-VITS-SVC voice needs"):
        checkpoint_guard.check_archive_sizes(voice / "G_1000.pth", max_bytes=1000)


def _save_with(voice: Path, key: str, value: torch.Tensor) -> None:
    state = tiny_state_dict()
    state[key] = value
    save_reference_checkpoint(voice / "G_1000.pth", state)


_KEYS = sorted(k for k in tiny_state_dict() if not k.startswith("enc_q."))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    key=st.sampled_from(_KEYS),
    bad=st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    where=st.floats(0, 1),
    dtype=st.sampled_from([torch.float32, torch.float16, torch.bfloat16]),
)
def test_any_non_finite_weight_is_refused(
    tmp_path: Path, key: str, bad: float, where: float, dtype: torch.dtype
) -> None:
    """One NaN/Inf anywhere in any generator weight, in any float dtype: refused, naming the weight."""
    state = tiny_state_dict()
    value = state[key].clone().to(dtype)
    flat = value.view(-1)
    flat[min(flat.numel() - 1, int(where * flat.numel()))] = bad
    state[key] = value
    path = save_reference_checkpoint(tmp_path / "G_1000.pth", state)
    with pytest.raises(ModelFormatError) as info:
        read_checkpoint(path)
    assert "NaN/infinite" in info.value.user_message() and key in info.value.user_message()
    assert info.value.exit_code == 5


@pytest.mark.parametrize(
    "value",
    [
        torch.full((8, 8, 1), float("nan")),
        torch.full((8, 8, 1), float("inf")),
        torch.zeros((8, 8, 1), dtype=torch.complex64),
        torch.zeros((8, 8, 1), dtype=torch.bool),
        torch.zeros((8, 8, 1), dtype=torch.uint8),
    ],
    ids=["nan", "inf", "complex64", "bool", "uint8"],
)
def test_import_refuses_unusable_weights(
    value: torch.Tensor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """API and CLI agree: exit 5, one line; nothing is installed."""
    voice = good_voice(tmp_path, "damaged")
    key = next(k for k, v in tiny_state_dict().items() if tuple(v.shape) == (8, 8, 1))
    _save_with(voice, key, value)
    voices_dir = tmp_path / "voices"
    with pytest.raises(VoiceError) as info:
        import_voice(voice, voices_dir=voices_dir)
    says = "NaN/infinite" if value.is_floating_point() else "no So-VITS-SVC model uses"
    assert says in info.value.user_message()
    assert list(voices_dir.iterdir()) == []
    assert_clean_failure(run_cli(["import", str(voice)], capsys), 5, says)


def test_float8_weights_are_refused(tmp_path: Path) -> None:
    """float8 is a float type torch would upcast silently; no So-VITS-SVC model uses it."""
    voice = good_voice(tmp_path, "f8")
    key = _KEYS[0]
    _save_with(voice, key, tiny_state_dict()[key].to(torch.float8_e4m3fn))
    with pytest.raises(ModelFormatError, match="no So-VITS-SVC model uses"):
        read_checkpoint(voice / "G_1000.pth")


def test_a_voice_never_returns_non_finite_audio() -> None:
    """The last guard: a result with NaN/Inf raises VoiceError (exit 5) instead of being written or played."""
    bad = voice_module.ConversionResult(np.array([0.0, np.nan, np.inf], np.float32), 16000)
    with pytest.raises(VoiceError, match="NaN/infinite samples") as info:
        voice_module.checked_result(bad, "evil\x1b[2Jname")
    assert "\x1b" not in info.value.user_message() and info.value.exit_code == 5
    good = voice_module.ConversionResult(np.zeros(3, np.float32), 16000)
    assert voice_module.checked_result(good, "ok") is good


def test_sovits_voice_guards_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SovitsVoice.convert runs the guard: a conversion that yields NaN (simulated) raises, exit 5."""
    from autovoice_desktop.engine.sovits import voice as sovits_voice
    from autovoice_desktop.engine.sovits.voice import SovitsVoice

    voice_dir = good_voice(tmp_path, "v")
    info = VoiceInfo("sovits/v", "v", "sovits", speakers=("singer",))
    voice = SovitsVoice(info, voice_dir / "G_1000.pth", voice_dir / "config.json", device="cpu")
    nan = voice_module.ConversionResult(np.full(1600, np.nan, np.float32), 16000)
    monkeypatch.setattr(sovits_voice, "run_with_oom_fallback", lambda *a, **k: (nan, "cpu", None))
    monkeypatch.setattr(voice, "_load_on", lambda *a: (_Model(), _Encoder(), "cpu"))
    with pytest.raises(VoiceError, match="NaN/infinite"):
        voice.convert(np.zeros(16000, np.float32), 16000, ConversionParams(device="cpu"))


class _Model:
    speech_encoder, ssl_dim, speakers = "vec256l9", 256, {"singer": 0}


class _Encoder:
    dim = 256
