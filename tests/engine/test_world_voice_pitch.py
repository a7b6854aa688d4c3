"""Pitch accuracy of the built-in voice on the real recordings, measured with Praat (not with WORLD).

For k in {−5, +4, +12}: the output's F0 must follow the input's F0 × 2^(k/12) within 20 cents RMSE over frames
Praat calls voiced in both (benchmarks/f0_metrics.py has the protocol), and the output must stay finite,
unclipped and about as loud as the input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.audio.io import load_audio
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.world_voice import WorldVoice
from benchmarks.f0_metrics import shift_error
from tests.conftest import REAL_RECORDINGS

SEMITONES = (-5, 4, 12)
LIMIT_CENTS = 20.0


@pytest.mark.slow
@pytest.mark.parametrize(
    "recording", REAL_RECORDINGS, ids=lambda p: p.stem.split("_")[0] + "_" + p.stem.split("_")[2]
)
def test_transposed_pitch_follows_the_input(recording: Path) -> None:
    loaded = load_audio(recording)
    voice = WorldVoice(VoiceInfo(voice_id="builtin/pitch-formant", name="Pitch & Formant", kind="builtin"))
    level_in = np.sqrt(np.mean(loaded.samples.astype(np.float64) ** 2))
    report = []
    for semitones in SEMITONES:
        result = voice.convert(loaded.samples, loaded.sample_rate, ConversionParams(transpose=semitones))
        out = result.audio
        assert result.sample_rate == loaded.sample_rate and len(out) == len(loaded.samples)
        assert np.all(np.isfinite(out)) and np.max(np.abs(out)) < 1.0
        level_out = np.sqrt(np.mean(out.astype(np.float64) ** 2))
        assert abs(20 * np.log10(level_out / level_in)) < 3.0
        error = shift_error(loaded.samples, out, loaded.sample_rate, semitones, "praat")
        report.append((semitones, round(error.rmse_cents, 1), error.frames))
        assert error.frames > 0.25 * loaded.info.duration / 0.01, report  # most of the voice stays voiced
    assert all(rmse < LIMIT_CENTS for _, rmse, _ in report), report
