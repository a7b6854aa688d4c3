"""Voice.analyse_pitch: the base class refuses clearly; the built-in voice gives what convert uses."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autovoice_desktop.core.errors import VoiceError
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.f0_csv import curve_from_arrays
from autovoice_desktop.engine.voice import ConversionResult, Voice, VoiceRequest
from autovoice_desktop.engine.world_voice import WorldVoice

RATE = 16000


class _Plain(Voice):
    info = VoiceInfo(voice_id="test/plain", name="Plain", kind="test")

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        return ConversionResult(audio=request.audio, sample_rate=request.sample_rate)


def _tone(seconds: float = 1.0, hz: float = 200.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t) + 0.1 * np.sin(4 * np.pi * hz * t)).astype(np.float32)


def test_voices_without_pitch_analysis_say_so() -> None:
    with pytest.raises(VoiceError, match="cannot export its pitch curve"):
        _Plain().analyse_pitch(_tone(), RATE, ConversionParams())


def test_world_voice_analysis_matches_conversion_and_honours_a_curve() -> None:
    voice = WorldVoice(VoiceInfo(voice_id="builtin/x", name="X", kind="builtin"))
    params = ConversionParams(transpose=5, f0_method="dio")
    track = voice.analyse_pitch(_tone(), RATE, params)
    result = voice.convert(_tone(), RATE, params)
    np.testing.assert_array_equal(track.times, result.pitch.times)
    np.testing.assert_array_equal(track.target_f0, result.pitch.target_f0)
    voiced = track.target_f0 > 0
    assert voiced.mean() > 0.8
    assert abs(np.median(track.target_f0[voiced]) - 200 * 2 ** (5 / 12)) < 3
    flat = curve_from_arrays(track.times, np.where(voiced, 150.0, 0.0))
    curved = voice.analyse_pitch(_tone(), RATE, replace(params, f0_curve=flat))
    np.testing.assert_allclose(curved.target_f0, np.where(voiced, 150.0, 0.0))
