"""The public conversion path against the original So-VITS-SVC 4.1's own `Svc.infer` on a real recording.

data/orig41_infer/ holds a tiny 4.1 voice saved by 4.1-Stable's SynthesizerTrn (float32 release file,
256-d content through final_proj, vol_embedding, `unit_interpolate_mode` "nearest" as in 4.1's config
template), a tiny random ContentVec folder, 1 s of tests/data speech at its own 16 kHz, and 4.1's
`Svc.infer("bench", 0, clip, auto_predict_f0=False, noice_scale=0.4, f0_predictor="dio")` output with every
torch random draw zero. It was written by
`python -m benchmarks.orig41_infer_parity --write-test-data tests/engine/sovits/data/orig41_infer` (see
data/README.md). No reference code is here.
The comparison covers everything between the file's samples and the output: 4.1's resampling to the model
rate and to 16 kHz (torchaudio's sinc), dio F0 with 4.1's gap fill (over float32 times), ContentVec, the
"nearest" unit stretch, the volume embedding's input and the synthesizer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.sovits.voice import SovitsVoice
from tests.engine.sovits_helpers import snr_db, zero_random_draws

DATA = Path(__file__).parent / "data" / "orig41_infer"


def test_public_conversion_gives_41s_svc_infer_output(monkeypatch: pytest.MonkeyPatch) -> None:
    zero_random_draws(monkeypatch)
    clip, rate = sf.read(DATA / "clip.wav", dtype="float32")
    assert rate == 16000  # not the model's rate: both programs resample it
    expected = np.load(DATA / "expected.npy")
    info = VoiceInfo("sovits/41-ref", "41-ref", "sovits", speakers=("bench", "other"), sample_rate=44100)
    voice = SovitsVoice(
        info, DATA / "G_0.pth", DATA / "config.json", device="cpu", encoder_path=DATA / "contentvec"
    )
    params = ConversionParams(f0_method="dio", half=False, device="cpu", speaker="bench")
    out = voice.convert(clip, rate, params).audio
    assert out.size == 44100  # the input's duration; 4.1 stops at the last whole frame (44,032 samples)
    got = out[: expected.size]
    # measured 133.5 dB (float rounding); with soxr for both resamples and the "left" stretch: 31.9 dB
    assert snr_db(expected, got) > 90.0
    assert float(np.max(np.abs(got - expected))) <= 2e-5
