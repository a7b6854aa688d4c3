"""The built-in voice's span re-render: it reuses the F0 of the whole input's last conversion (no F0
analysis), on the right frames, and falls back to converting the span on its own when it has none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine import world_cache, world_dsp
from autovoice_desktop.engine.f0_csv import curve_from_arrays
from autovoice_desktop.engine.f0_curve import shift_curve
from autovoice_desktop.engine.pitch import estimate_f0
from autovoice_desktop.engine.span_render import render_span, splice_output_f0
from autovoice_desktop.engine.voice import Voice
from autovoice_desktop.engine.world_voice import WorldVoice


def _glide(rate: int, seconds: float) -> np.ndarray:
    """A harmonic tone gliding 140 -> 260 Hz, float32 (N,)."""
    t = np.arange(int(rate * seconds)) / rate
    phase = 2 * np.pi * np.cumsum(140 + 60 * t) / rate
    return (0.3 * np.sin(phase) + 0.1 * np.sin(2 * phase)).astype(np.float32)


def _voice() -> WorldVoice:
    return WorldVoice(VoiceInfo(voice_id="builtin/x", name="X", kind="builtin"))


def _count_f0(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    estimate = world_dsp.estimate_f0

    def counted(segment, *args):  # noqa: ANN001, ANN002, ANN202
        calls.append(len(segment))
        return estimate(segment, *args)

    monkeypatch.setattr(world_dsp, "estimate_f0", counted)
    return calls


@pytest.mark.parametrize("rate", [16000, 44100])
def test_a_span_after_a_conversion_reuses_its_f0_on_the_right_frames(
    monkeypatch: pytest.MonkeyPatch, rate: int
) -> None:
    world_cache.clear()
    audio, voice = _glide(rate, 2.0), _voice()
    params = ConversionParams(f0_method="dio", transpose=3)
    full = voice.convert(audio, rate, params)
    calls = _count_f0(monkeypatch)
    synthesised: list[np.ndarray] = []
    synthesize = world_dsp.synthesize

    def captured(f0, *args):  # noqa: ANN001, ANN002, ANN202
        synthesised.append(np.array(f0))
        return synthesize(f0, *args)

    monkeypatch.setattr(world_dsp, "synthesize", captured)
    lo, hi = int(0.61 * rate) + 7, int(1.43 * rate)  # not on a frame boundary
    out = voice.convert_span(audio, rate, params, lo, hi)
    assert calls == [] and len(out.audio) == hi - lo and out.sample_rate == rate
    start = lo - lo % (rate // np.gcd(rate, 200))
    first = round(start / (rate * 0.005))
    target = synthesised[-1]
    np.testing.assert_allclose(target, full.pitch.target_f0[first : first + len(target)])
    assert np.mean(target > 0) > 0.8
    assert np.max(np.abs(out.audio)) > 0.05


def test_an_edit_follows_the_curve_and_leaves_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    world_cache.clear()
    rate = 16000
    audio, voice = _glide(rate, 3.0), _voice()
    params = ConversionParams(f0_method="dio")
    full = voice.convert(audio, rate, params)
    calls = _count_f0(monkeypatch)
    track = full.pitch
    inside = (track.times >= 1.0) & (track.times < 2.0)
    edited = np.where(inside, track.target_f0 * 2 ** (7 / 12), track.target_f0)
    out = render_span(
        voice,
        audio,
        rate,
        replace(params, f0_curve=curve_from_arrays(track.times, edited)),
        full.audio,
        rate,
        1.0,
        2.0,
    )
    assert calls == []
    first, last = out.changed
    np.testing.assert_array_equal(out.audio[:first], full.audio[:first])
    np.testing.assert_array_equal(out.audio[last:], full.audio[last:])
    core = out.audio[int(1.1 * rate) : int(1.9 * rate)]
    times, f0 = estimate_f0(core, rate, method="dio", hop_seconds=0.01)
    expected = np.interp(1.1 + times, track.times, edited)
    voiced = (f0 > 0) & (expected > 0)
    assert voiced.mean() > 0.8
    assert abs(float(np.median(1200 * np.log2(f0[voiced] / expected[voiced])))) < 25


def test_without_a_conversion_of_this_input_the_span_is_converted_on_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_cache.clear()
    rate = 16000
    audio, voice = _glide(rate, 2.0), _voice()
    times = np.arange(0, 2.0, 0.005)
    curve = curve_from_arrays(times, 140 + 60 * times)
    params = ConversionParams(f0_method="dio", f0_curve=curve)
    voice.convert(audio, rate, replace(params, f0_method="harvest"))  # another F0 method: not reused
    calls = _count_f0(monkeypatch)
    lo, hi = int(0.5 * rate), int(1.5 * rate)
    out = voice.convert_span(audio, rate, params, lo, hi)
    assert calls == [hi - lo]
    alone = Voice.convert_span(voice, audio, rate, params, lo, hi).audio  # the generic path
    shifted = replace(params, f0_curve=shift_curve(curve, 0.5, 0.5, 1.5))
    np.testing.assert_array_equal(out.audio, alone)
    np.testing.assert_array_equal(out.audio, voice.convert(audio[lo:hi], rate, shifted).audio)
    world_cache.clear()


def test_the_output_f0_after_a_splice_is_measured_on_the_changed_part_only() -> None:
    rate, hop = 16000, 160

    def estimate(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        measured.append(len(audio))
        return estimate_f0(audio, sample_rate, method="dio", hop_seconds=0.01)

    measured: list[int] = []
    before = _glide(rate, 5.0)
    after = before.copy()
    first, last = 2 * rate + 37, 3 * rate
    t = np.arange(last - first) / rate
    after[first:last] = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    previous = estimate(before, rate)
    whole = estimate(after, rate)
    measured.clear()
    times, f0 = splice_output_f0(estimate, after, rate, previous, (first, last), hop)
    assert len(measured) == 1 and measured[0] <= (last - first) + 2 * round(0.1 * rate) + hop
    np.testing.assert_array_equal(times, previous[0])
    far = (times < first / rate - 0.06) | (times > last / rate + 0.06)
    np.testing.assert_array_equal(f0[far], previous[1][far])
    core = (times > first / rate + 0.05) & (times < last / rate - 0.05)
    assert np.all(f0[core] > 0)
    assert np.max(np.abs(1200 * np.log2(f0[core] / whole[1][core]))) < 10  # as if the whole was measured
    assert abs(float(np.median(1200 * np.log2(f0[core] / 330)))) < 25
    assert splice_output_f0(estimate, after[:-hop], rate, previous, (first, last), hop) is None  # other grid
