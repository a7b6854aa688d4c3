"""FcpePass (the graph-ready FCPE the product runs) gives torchfcpe's own `infer` output, and the cache of
FCPE passes captures a length only when it is analysed again (on CUDA)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
import torch

from autovoice_desktop.engine import fcpe_pass
from autovoice_desktop.engine.fcpe_pass import FcpePass, fcpe_f0
from autovoice_desktop.engine.fcpe_support import fcpe_model
from autovoice_desktop.engine.pitch import FCPE_THRESHOLD

DATA = Path(__file__).parents[1] / "data"


def _clip(name: str, seconds: float) -> torch.Tensor:
    audio, rate = sf.read(DATA / name, dtype="float32")
    audio = soxr.resample(audio, rate, 16000)[: int(seconds * 16000)]
    return torch.from_numpy(np.ascontiguousarray(audio, np.float32))


@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("speech_en_f_librispeech-1995-1837-0001.wav", 3.0),
        ("singing_en_m_vocadito-10.wav", 2.37),  # a length off the 160-sample hop
        ("speech_en_m_librispeech-3436-172162-0000.wav", 0.05),  # shorter than a window: constant padding
    ],
)
def test_fcpe_pass_gives_torchfcpes_infer_output(name: str, seconds: float) -> None:
    model = fcpe_model("cpu")
    wav = _clip(name, seconds)
    with torch.inference_mode():
        expected = model.infer(
            wav[None, :, None], sr=16000, decoder_mode="local_argmax", threshold=FCPE_THRESHOLD
        )
    ours = FcpePass(model, wav.numel(), FCPE_THRESHOLD)(wav)
    expected = expected.reshape(-1)
    assert ours.shape == expected.shape
    assert torch.equal(ours == 0, expected == 0)  # the same frames unvoiced
    if seconds > 1:
        assert int((expected > 0).sum()) > 20  # real pitch to compare
    assert torch.equal(ours, expected)  # the same operations in the same order


def test_the_same_pass_serves_new_audio_of_its_length() -> None:
    model = fcpe_model("cpu")
    a = _clip("speech_en_f_librispeech-1995-1837-0001.wav", 1.0)
    b = _clip("singing_en_m_vocadito-10.wav", 1.0)
    kept = FcpePass(model, a.numel(), FCPE_THRESHOLD)
    first = kept(a).clone()
    assert torch.equal(kept(b), FcpePass(model, b.numel(), FCPE_THRESHOLD)(b))
    assert torch.equal(kept(a), first)


def test_cpu_analyses_never_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: list[FcpePass] = []
    monkeypatch.setattr(FcpePass, "capture", lambda self: captured.append(self) or True)
    model = fcpe_model("cpu")
    wav = _clip("speech_en_f_librispeech-1995-1837-0001.wav", 0.5)
    for _ in range(3):
        fcpe_f0(model, wav, FCPE_THRESHOLD)
    assert captured == [] and len(fcpe_pass._graphs) == 0
