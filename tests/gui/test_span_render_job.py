"""SpanRenderJob with the real built-in voice and pitch estimator: after a conversion, a re-render does no F0
analysis of the input and measures the output's F0 only around the changed samples."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine import world_cache, world_dsp
from autovoice_desktop.engine.f0_csv import curve_from_arrays
from autovoice_desktop.engine.world_voice import WorldVoice
from autovoice_desktop.workers.engine_bridge import EngineBridge
from autovoice_desktop.workers.span_render_worker import SpanRenderJob

RATE = 16000


class _Bridge(EngineBridge):
    """The real bridge's pitch estimate (lengths recorded) with one built-in voice, no voice library."""

    def __init__(self, voice: WorldVoice) -> None:
        super().__init__()
        self.world_voice, self.measured = voice, []

    def voice(self, voice_id: str, device: str) -> WorldVoice:
        return self.world_voice

    def resolve_device(self, choice: str) -> tuple[str, str | None]:
        return "cpu", None

    def estimate_f0(self, audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        self.measured.append(len(audio))
        return super().estimate_f0(audio, sample_rate)


def test_a_rerender_reuses_the_input_f0_and_measures_only_the_change(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    world_cache.clear()
    t = np.arange(6 * RATE) / RATE
    audio = (0.3 * np.sin(2 * np.pi * np.cumsum(150 + 20 * t) / RATE)).astype(np.float32)
    bridge = _Bridge(WorldVoice(VoiceInfo(voice_id="builtin/x", name="X", kind="builtin")))
    params = ConversionParams(f0_method="dio")
    full = bridge.world_voice.convert(audio, RATE, params)
    output_f0 = bridge.estimate_f0(full.audio, RATE)
    analysed: list[int] = []
    monkeypatch.setattr(world_dsp, "estimate_f0", lambda x, *a: analysed.append(len(x)))  # must not run
    track = full.pitch
    edited = np.where((track.times >= 3) & (track.times < 4), track.target_f0 * 1.5, track.target_f0)
    curved = replace(params, f0_curve=curve_from_arrays(track.times, edited))
    bridge.measured.clear()
    job = SpanRenderJob(
        bridge, "builtin/x", curved, audio, RATE, full.audio, RATE, (3.0, 4.0), previous_f0=output_f0
    )
    times, f0 = job.work()
    assert analysed == [] and len(bridge.measured) == 1 and bridge.measured[0] < 1.5 * RATE
    np.testing.assert_array_equal(times, output_f0[0])
    outside = (times < 2.9) | (times > 4.1)
    np.testing.assert_array_equal(f0[outside], output_f0[1][outside])
    inside = (times > 3.1) & (times < 3.9) & (f0 > 0) & (output_f0[1] > 0)
    assert inside.sum() > 50
    assert abs(float(np.median(1200 * np.log2(f0[inside] / output_f0[1][inside]))) - 702) < 30  # a fifth up
    world_cache.clear()
