"""The live engine without devices: SOLA joins, block sizing, margin, the WORLD stream and the worker."""

from __future__ import annotations

import time

import numpy as np
import pytest

from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.live.processor import LiveProcessor
from autovoice_desktop.engine.live.sola import SolaJoiner, best_shift
from autovoice_desktop.engine.live.tuning import BlockSizer, LiveStats, MarginController, start_block_ms
from autovoice_desktop.engine.world_stream import LIVE_RATE, WorldStream
from tests.engine.live_fakes import ClockIO, CopyStream

RATE = 24000


def _max_jump(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x))))


def test_best_shift_finds_the_offset() -> None:
    rng = np.random.default_rng(1)
    signal = rng.standard_normal(400).astype(np.float32)
    shift, r = best_shift(signal[37:137], signal[:200])
    assert shift == 37
    assert r == pytest.approx(1.0, abs=1e-4)
    assert best_shift(np.zeros(50), signal[:100]) == (0, 0.0)


def test_sola_joins_phase_shifted_blocks_of_a_tone_without_clicks() -> None:
    """Each 'converted' block carries the tone with its own random phase; the joined output has no jump
    larger than the tone's own largest sample step."""
    joiner = SolaJoiner(crossfade=192, search=96)
    block, freq, rng = 480, 300.0, np.random.default_rng(2)
    pieces = []
    for index in range(40):
        start = index * block + int(rng.integers(-40, 40))  # each block misaligned by up to +-40 samples
        t = (start - joiner.extra + np.arange(block + joiner.extra)) / RATE
        pieces.append(joiner.join((0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32), block))
    joined = np.concatenate(pieces)[block:]
    tone_step = 0.5 * 2 * np.pi * freq / RATE
    assert _max_jump(joined) <= 1.1 * tone_step
    assert np.max(np.abs(joined)) == pytest.approx(0.5, abs=0.03)  # no amplitude bump at joins


def test_sola_keeps_the_loudness_of_uncorrelated_noise() -> None:
    joiner = SolaJoiner(crossfade=240, search=0)
    rng = np.random.default_rng(3)
    out = np.concatenate(
        [joiner.join(rng.standard_normal(480 + 240).astype(np.float32), 480) for _ in range(200)]
    )
    fades = np.concatenate([out[i * 480 : i * 480 + 240] for i in range(1, 200)])
    assert np.std(fades) == pytest.approx(1.0, abs=0.08)  # equal power across the crossfades


def test_sola_rejects_wrong_lengths() -> None:
    with pytest.raises(ValueError):
        SolaJoiner(crossfade=10, search=5).join(np.zeros(30, np.float32), 20)


def test_start_block_follows_the_warm_up_cost() -> None:
    assert start_block_ms(5.0, 40.0) == 40.0  # WORLD-like: the safe start
    assert start_block_ms(25.0, 40.0) == 80.0  # 2.5 x 25 ms -> the next choice up
    assert start_block_ms(150.0, 40.0) == 500.0  # So-VITS-SVC on a CPU: a large block
    assert start_block_ms(400.0, 40.0) == 500.0


def test_block_sizer_shrinks_while_p99_under_half_a_block_and_grows_when_slow() -> None:
    sizer = BlockSizer()
    assert sizer.block_ms == 40.0
    for _ in range(200):
        sizer.record(0.002)
    assert sizer.block_ms == 20.0
    for _ in range(60):
        sizer.record(0.030)
    assert sizer.block_ms > 20.0
    fixed = BlockSizer(12.0)
    for _ in range(100):
        fixed.record(0.001)
    assert fixed.block_ms == 12.0


def test_margin_rises_on_dropouts_and_relaxes_after_on_time_blocks() -> None:
    margin = MarginController(floor_ms=30, step_ms=10, relax_blocks=5)
    margin.on_block(1)
    margin.on_block(2)
    assert margin.margin_ms == 50
    for _ in range(10):
        margin.on_block(0)
    assert margin.margin_ms == 30


def test_stats_snapshot_has_the_documented_keys() -> None:
    stats = LiveStats()
    for value in (1.0, 2.0, 3.0):
        stats.record(value, 30.0)
    snap = stats.snapshot()
    assert set(snap) == {"blocks", "dropouts", "latency_ms", "compute_ms"}
    assert snap["blocks"] == 3
    assert set(snap["compute_ms"]) == {"median", "p99", "max"}  # type: ignore[arg-type]
    assert snap["compute_ms"]["max"] == 3.0  # type: ignore[index]


def _tone(seconds: float, freq: float, rate: int = RATE, amp: float = 0.4) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def _voice_like(seconds: float, freq: float, rate: int = RATE) -> np.ndarray:
    """A harmonic complex (8 harmonics, falling 1/k) at freq: what WORLD can analyse like a voice."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 9))
    return (0.3 * wave / np.max(np.abs(wave))).astype(np.float32)


def _pitch(x: np.ndarray, rate: int) -> float:
    """Median F0 of x by the causal tracker (independent of WORLD)."""
    from autovoice_desktop.engine import causal_f0

    f0 = causal_f0.track(x, rate, np.arange(rate // 10, len(x), rate // 100))
    return float(np.median(f0[f0 > 0])) if np.any(f0 > 0) else 0.0


def test_world_stream_transposes_a_tone_block_by_block() -> None:
    stream = WorldStream(ConversionParams(transpose=12.0), context_samples=1440)
    assert stream.sample_rate == LIVE_RATE
    source = _voice_like(1.0, 200.0)
    block = 720
    out = np.concatenate([stream.convert(source[i : i + block], block) for i in range(0, len(source), block)])
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert _pitch(out[RATE // 2 :], RATE) == pytest.approx(400.0, rel=0.03)
    stream.set_params(ConversionParams(transpose=0.0))
    again = np.concatenate(
        [stream.convert(source[i : i + block], block) for i in range(0, len(source), block)]
    )
    assert _pitch(again[RATE // 2 :], RATE) == pytest.approx(200.0, rel=0.03)


def test_world_stream_returns_longer_windows_silence_and_no_nan() -> None:
    stream = WorldStream(ConversionParams(), context_samples=1440)
    assert len(stream.convert(_tone(0.03, 150.0), 720 + 288)) == 1008
    stream.convert(np.zeros(720, np.float32), 1008)  # still overlaps the tone
    assert not np.any(stream.convert(np.zeros(720, np.float32), 1008))
    bad = _tone(0.03, 150.0)
    bad[::7] = np.nan
    assert np.isfinite(stream.convert(bad, 1008)).all()
    stream.reset()
    assert stream.median_f0 is None


def _run_clock(
    signal: np.ndarray, stream: CopyStream, seconds_max: float = 30.0, **kwargs
) -> tuple[ClockIO, LiveProcessor]:  # noqa: ANN003
    io = ClockIO(signal)
    processor = LiveProcessor(io, stream, **kwargs)
    processor.start()
    io.start()
    deadline = time.monotonic() + seconds_max
    while not io.done and time.monotonic() < deadline:
        time.sleep(0.02)
    io.stop()
    processor.stop()
    assert not processor.running
    return io, processor


def _delay_of(reference: np.ndarray, played: np.ndarray, rate: int) -> float:
    from scipy.signal import correlate

    full = correlate(played, reference, mode="full", method="fft")
    return (int(np.argmax(full)) - (len(reference) - 1)) / rate


def test_processor_delay_matches_its_latency_estimate() -> None:
    rng = np.random.default_rng(4)
    signal = np.zeros(48000 * 3, dtype=np.float32)
    signal[48000:60000] = 0.3 * rng.standard_normal(12000)  # a noise burst after 1 s
    io, processor = _run_clock(signal, CopyStream(), block_ms=20.0)
    played = io.played_audio()
    assert np.isfinite(played).all()
    measured_ms = 1000 * _delay_of(signal, played, 48000)
    assert processor.stats.blocks > 100
    assert abs(measured_ms - processor.stats.latency_ms) < 15.0, (measured_ms, processor.stats.latency_ms)


def test_a_late_block_is_a_dropout_with_silence_and_the_stream_recovers() -> None:
    signal = _tone(4.0, 300.0, rate=48000, amp=0.3)
    stream = CopyStream()
    stream.sleep_on_block = {40: 0.25}  # one block 250 ms late, far beyond the margin
    io, processor = _run_clock(signal, stream, block_ms=20.0)
    played = io.played_audio()
    assert processor.stats.dropouts >= 1
    assert (
        np.isfinite(played).all() and np.max(np.abs(played)) <= 0.31
    )  # silence or the signal, never garbage
    tail = played[-48000:-4800]
    assert np.max(np.abs(tail)) > 0.25  # converting again after the late block
    assert processor.error is None


def test_settings_bypass_and_voice_changes_apply_without_restarting() -> None:
    signal = _tone(2.0, 300.0, rate=48000, amp=0.2)
    io = ClockIO(signal)
    first = CopyStream(gain=1.0)
    processor = LiveProcessor(io, first, block_ms=20.0)
    processor.start()
    io.start()
    time.sleep(0.5)
    processor.set_params(ConversionParams(transpose=12.0))  # CopyStream: gain 2
    time.sleep(0.4)
    processor.bypass = True
    time.sleep(0.4)
    second = CopyStream(gain=0.5)
    processor.bypass = False
    processor.set_stream(second)
    time.sleep(0.4)
    io.stop()
    processor.stop()
    assert first.params == ConversionParams(transpose=12.0)
    assert second.calls > 0
    played = io.played_audio()
    assert np.max(np.abs(played)) == pytest.approx(0.4, abs=0.02)  # the gain-2 part was played
