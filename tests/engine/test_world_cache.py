"""The built-in voice's analysis memory: a re-render of the same span reuses F0 and envelopes, and the
output is exactly what it would be without the memory."""

from __future__ import annotations

import numpy as np
import pytest

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine import world_cache, world_dsp
from autovoice_desktop.engine.world_voice import WorldVoice

RATE = 16000


def test_same_segment_is_analysed_once_and_converts_identically(monkeypatch: pytest.MonkeyPatch) -> None:
    world_cache.clear()
    t = np.arange(int(1.5 * RATE)) / RATE
    audio = (0.3 * np.sin(2 * np.pi * 170 * t) + 0.05 * np.sin(2 * np.pi * 510 * t)).astype(np.float32)
    voice = WorldVoice(VoiceInfo(voice_id="builtin/x", name="X", kind="builtin"))
    calls = {"f0": 0, "envelope": 0}
    estimate, analyse = world_dsp.estimate_f0, world_dsp.analyse_envelope

    def counted_f0(*args):  # noqa: ANN002, ANN202
        calls["f0"] += 1
        return estimate(*args)

    def counted_envelope(*args):  # noqa: ANN002, ANN202
        calls["envelope"] += 1
        return analyse(*args)

    monkeypatch.setattr(world_dsp, "estimate_f0", counted_f0)
    monkeypatch.setattr(world_dsp, "analyse_envelope", counted_envelope)
    first = voice.convert(audio, RATE, ConversionParams(transpose=2, f0_method="dio")).audio
    second = voice.convert(audio, RATE, ConversionParams(transpose=5, formant_shift=1, f0_method="dio")).audio
    assert calls == {"f0": 1, "envelope": 1}
    world_cache.clear()
    fresh = voice.convert(audio, RATE, ConversionParams(transpose=5, formant_shift=1, f0_method="dio")).audio
    assert calls == {"f0": 2, "envelope": 2}
    np.testing.assert_array_equal(second, fresh)
    assert not np.array_equal(first, second)
    voice.convert(
        audio[: RATE // 2], RATE, ConversionParams(f0_method="dio")
    )  # other samples: analysed again
    assert calls["f0"] == 3


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    world_cache.clear()
    monkeypatch.setattr(world_cache, "MAX_BYTES", 3 * 8000)
    values = [
        world_cache.cached("k", np.full(100, i, np.float32), RATE, (), lambda: np.zeros(1000))
        for i in range(5)
    ]
    assert values[4] is world_cache.cached("k", np.full(100, 4, np.float32), RATE, (), lambda: None)
    assert world_cache._size <= 3 * 8000 and len(world_cache._entries) == 3
    world_cache.clear()


def test_a_key_being_computed_is_waited_for_not_computed_twice() -> None:
    import threading

    world_cache.clear()
    segment = np.full(20 * RATE, 0.1, np.float32)  # longer than MAX_SEGMENT_SECONDS: kept when asked
    started, release, calls = threading.Event(), threading.Event(), []

    def compute() -> np.ndarray:
        calls.append(threading.current_thread().name)
        started.set()
        assert release.wait(30)
        return np.arange(5.0)

    results: list[np.ndarray] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                world_cache.cached("f0", segment, RATE, (), compute, max_seconds=None)
            ),
            name=f"t{i}",
        )
        for i in range(2)
    ]
    threads[0].start()
    assert started.wait(30)
    threads[1].start()
    release.set()
    for thread in threads:
        thread.join(30)
    assert len(calls) == 1 and len(results) == 2 and results[0] is results[1]
    world_cache.clear()
