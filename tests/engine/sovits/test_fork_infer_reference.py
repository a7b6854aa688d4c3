"""The public conversion path against so-vits-svc-fork's own `Svc.infer` on a real recording (4.0 lineage).

data/fork_infer_40/ holds a tiny 4.0 voice saved by the fork's SynthesizerTrn (fp16 release file, legacy
256-d content through final_proj), a tiny random ContentVec folder, 1 s of tests/data speech at 44.1 kHz, and
the fork's `Svc.infer(speaker, 0, clip, auto_predict_f0=False, f0_method="dio", noise_scale=0.4)` output with
every torch random draw zero. It was written by
`python -m benchmarks.fork_infer_parity --write-test-data tests/engine/sovits/data/fork_infer_40` in a venv
with so-vits-svc-fork 4.2.30 (see data/README.md). No reference code is here.
The comparison covers everything between the audio and the output: dio F0 with the fork's normalisation and
gap fill, the fork's 16 kHz resampler, ContentVec, the unit stretch and the synthesizer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.sovits.voice import SovitsVoice
from tests.engine.sovits_helpers import snr_db, zero_random_draws

DATA = Path(__file__).parent / "data" / "fork_infer_40"


def test_public_conversion_gives_the_forks_svc_infer_output(monkeypatch: pytest.MonkeyPatch) -> None:
    zero_random_draws(monkeypatch)
    clip, rate = sf.read(DATA / "clip.wav", dtype="float32")
    expected = np.load(DATA / "expected.npy")
    info = VoiceInfo("sovits/fork-ref", "fork-ref", "sovits", speakers=("bench", "other"), sample_rate=rate)
    voice = SovitsVoice(
        info, DATA / "G_0.pth", DATA / "config.json", device="cpu", encoder_path=DATA / "contentvec"
    )
    params = ConversionParams(f0_method="dio", half=False, device="cpu", speaker="bench")
    out = voice.convert(clip, rate, params).audio
    assert out.size == clip.size  # the fork stops at the last whole frame; we keep the input's duration
    got = out[: expected.size]
    assert snr_db(expected, got) > 90.0  # 134 dB measured (float rounding); 39.6 dB before the content fix
    assert float(np.max(np.abs(got - expected))) <= 2e-5
