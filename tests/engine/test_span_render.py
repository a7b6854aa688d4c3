"""Span re-render: only the edited span changes; every sample outside it (and its crossfades) is untouched."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.f0_csv import curve_from_arrays
from autovoice_desktop.engine.f0_curve import curve_on_grid
from autovoice_desktop.engine.pitch import estimate_f0
from autovoice_desktop.engine.span_render import render_span, shift_curve
from autovoice_desktop.engine.voice import ConversionResult, Voice, VoiceRequest
from autovoice_desktop.engine.world_voice import WorldVoice

RATE = 16000


class _GainVoice(Voice):
    """Output at twice the input rate; its gain is the curve's value at each sample (1 without a curve)."""

    info = VoiceInfo(voice_id="test/gain", name="Gain", kind="test")

    def __init__(self) -> None:
        self.calls: list[int] = []

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        audio, sample_rate, params = request.audio, request.sample_rate, request.params
        self.calls.append(len(audio))
        doubled = np.repeat(np.asarray(audio, dtype=np.float32), 2)
        if params.f0_curve is not None:
            times = np.arange(len(doubled)) / (2 * sample_rate)
            doubled = doubled * curve_on_grid(params.f0_curve, times).astype(np.float32)
        return ConversionResult(audio=doubled, sample_rate=2 * sample_rate)


def test_only_the_span_is_converted_and_changed() -> None:
    rng = np.random.default_rng(1)
    audio = rng.uniform(-0.5, 0.5, 5 * RATE).astype(np.float32)
    voice = _GainVoice()
    previous = voice.convert(audio, RATE, ConversionParams()).audio
    times = np.arange(0, 5, 0.01)
    gain = np.where((times >= 2.0) & (times < 3.0), 0.5, 1.0)
    params = ConversionParams(f0_curve=curve_from_arrays(times, gain))
    out = render_span(
        voice, audio, RATE, params, previous, 2 * RATE, 2.0, 3.0, context_s=0.2, crossfade_s=0.02
    )
    first, last = out.changed
    assert (first, last) == (round(1.98 * 2 * RATE), round(3.02 * 2 * RATE))
    np.testing.assert_array_equal(out.audio[:first], previous[:first])
    np.testing.assert_array_equal(out.audio[last:], previous[last:])
    core = slice(round(2.02 * 2 * RATE), round(2.98 * 2 * RATE))
    np.testing.assert_allclose(out.audio[core], 0.5 * previous[core], rtol=1e-6)
    assert voice.calls[-1] <= round(1.5 * RATE)  # 1 s span + 2 × (context + crossfade), not the whole input


def test_shift_curve_moves_times_and_keeps_neighbours() -> None:
    curve = curve_from_arrays(np.arange(10) * 0.1, np.arange(10) * 10.0)
    part = shift_curve(curve, 0.25, 0.25, 0.45)
    np.testing.assert_allclose(part.times_s, [-0.05, 0.05, 0.15, 0.25])
    assert part.f0_hz == (20.0, 30.0, 40.0, 50.0)


def test_world_voice_span_follows_the_edit_and_leaves_the_rest() -> None:
    t = np.arange(3 * RATE) / RATE
    audio = (0.3 * np.sin(2 * np.pi * 180 * t) + 0.1 * np.sin(2 * np.pi * 360 * t)).astype(np.float32)
    voice = WorldVoice(VoiceInfo(voice_id="builtin/x", name="X", kind="builtin"))
    params = ConversionParams(f0_method="dio")
    full = voice.convert(audio, RATE, params)
    track = full.pitch
    edited = np.where(
        (track.times >= 1.0) & (track.times < 2.0), track.target_f0 * 2 ** (7 / 12), track.target_f0
    )
    params = replace(params, f0_curve=curve_from_arrays(track.times, edited))
    out = render_span(voice, audio, RATE, params, full.audio, RATE, 1.0, 2.0)
    first, last = out.changed
    np.testing.assert_array_equal(out.audio[:first], full.audio[:first])
    np.testing.assert_array_equal(out.audio[last:], full.audio[last:])
    times, f0 = estimate_f0(
        out.audio[int(1.1 * RATE) : int(1.9 * RATE)], RATE, method="dio", hop_seconds=0.01
    )
    voiced = f0 > 0
    assert voiced.mean() > 0.8
    cents = 1200 * np.log2(np.median(f0[voiced]) / (180 * 2 ** (7 / 12)))
    assert abs(cents) < 25
