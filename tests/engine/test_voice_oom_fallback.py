"""SovitsVoice.convert: CUDA out of memory -> retried with smaller chunks, then on the CPU, with notices."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.sovits import voice as voice_module
from autovoice_desktop.engine.voice import ConversionResult


def _fake_model() -> SimpleNamespace:
    return SimpleNamespace(speech_encoder="vec768l12", ssl_dim=768, speakers={"alice": 0}, sample_rate=16000)


def _patch_engine(monkeypatch: pytest.MonkeyPatch, convert: Any) -> None:
    """A voice on "cuda:0" whose model and encoder are stand-ins and whose pipeline is `convert`."""
    monkeypatch.setattr(voice_module, "_resolve", lambda choice: "cuda:0")
    monkeypatch.setattr(voice_module, "convert", convert)
    monkeypatch.setattr(voice_module, "get_content_encoder", lambda *a, **k: SimpleNamespace(dim=768))
    monkeypatch.setattr(voice_module.SovitsVoice, "model", lambda self, *a, **k: _fake_model())
    monkeypatch.setattr(voice_module.SovitsVoice, "_encoder_file", lambda self: Path("encoder"))


@pytest.mark.parametrize("fits_after_retries", [2, None])
def test_cuda_oom_retries_smaller_then_falls_back_to_cpu(
    monkeypatch: pytest.MonkeyPatch, fits_after_retries: int | None
) -> None:
    tries: list[tuple[str, int]] = []

    def fake_convert(model: Any, enc: Any, audio: np.ndarray, rate: int, opts: Any, **kw: Any) -> Any:
        device, settings = kw["device"], kw["settings"]
        tries.append((device, settings.max_batch_samples))
        cuda_tries = sum(1 for d, _ in tries if d.startswith("cuda"))
        if device.startswith("cuda") and (fits_after_retries is None or cuda_tries <= fits_after_retries):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return ConversionResult(audio=np.zeros(len(audio), np.float32), sample_rate=rate, device=device)

    _patch_engine(monkeypatch, fake_convert)
    info = VoiceInfo(voice_id="sovits/x", name="x", kind="sovits", speakers=("alice",))
    voice = voice_module.SovitsVoice(info, Path("G_1.pth"), Path("config.json"))
    stages: list[str] = []

    result = voice.convert(
        np.zeros(16000, np.float32),
        16000,
        ConversionParams(device="cuda", half=True),
        progress=lambda fraction, stage: stages.append(stage),
    )

    cuda = [batch for device, batch in tries if device.startswith("cuda")]
    assert cuda == sorted(cuda, reverse=True) and len(set(cuda)) == len(cuda)  # each retry is smaller
    assert any("ran out of memory" in s for s in stages)
    if fits_after_retries is None:
        assert tries[-1][0] == "cpu" and result.device == "cpu"
        assert any("on the CPU" in s for s in stages)
    else:
        assert len(cuda) == fits_after_retries + 1 and result.device == "cuda:0"


def test_other_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def failing(*args: Any, **kw: Any) -> Any:
        calls.append(kw["device"])
        raise ValueError("not a memory problem")

    _patch_engine(monkeypatch, failing)
    info = VoiceInfo(voice_id="sovits/x", name="x", kind="sovits")
    voice = voice_module.SovitsVoice(info, Path("G"), Path("c"))
    with pytest.raises(ValueError):
        voice.convert(np.zeros(100, np.float32), 16000, ConversionParams())
    assert calls == ["cuda:0"]


def test_a_voice_that_does_not_fit_the_gpu_is_converted_on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the model on CUDA runs out of memory (a small or busy GPU): a notice, then the CPU."""
    devices: list[str] = []

    def fake_convert(model: Any, enc: Any, audio: np.ndarray, rate: int, opts: Any, **kw: Any) -> Any:
        devices.append(kw["device"])
        return ConversionResult(audio=np.zeros(len(audio), np.float32), sample_rate=rate, device=kw["device"])

    _patch_engine(monkeypatch, fake_convert)
    loads: list[str] = []

    def model_on(self: Any, device: str | None = None, half: bool = False) -> Any:
        loads.append(str(device))
        if str(device).startswith("cuda"):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 MiB")
        return _fake_model()

    monkeypatch.setattr(voice_module.SovitsVoice, "model", model_on)
    info = VoiceInfo(voice_id="sovits/x", name="x", kind="sovits", speakers=("alice",))
    voice = voice_module.SovitsVoice(info, Path("G_1.pth"), Path("config.json"))
    stages: list[str] = []
    result = voice.convert(
        np.zeros(16000, np.float32),
        16000,
        ConversionParams(device="cuda"),
        progress=lambda fraction, stage: stages.append(stage),
    )
    assert loads[0] == "cuda:0" and devices == ["cpu"] and result.device == "cpu"
    assert any("too little free memory" in s and "on the CPU" in s for s in stages)
