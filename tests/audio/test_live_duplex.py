"""LiveDuplex with a fake sounddevice: ring buffers, underruns, the muted warm-up, device loss."""

from __future__ import annotations

import time

import numpy as np

from autovoice_desktop.audio import live_duplex
from autovoice_desktop.audio.live_duplex import LiveDuplex
from tests.audio.fakes import FakeSoundDevice


def _fake() -> FakeSoundDevice:
    sd = FakeSoundDevice()
    sd.speed = 1.0
    sd.blocksize = 240
    sd.input_signal = np.full(48000 * 5, 0.25, dtype=np.float32)
    return sd


def _play(sd: FakeSoundDevice, samples: np.ndarray, seconds: float) -> LiveDuplex:
    """Start a LiveDuplex on the fake device, queue `samples`, let it run `seconds`, close it."""
    duplex = LiveDuplex(sd=sd)
    duplex.start()
    try:
        duplex.write_output(samples)
        time.sleep(seconds)
    finally:
        duplex.close()
    return duplex


def test_input_flows_and_short_output_counts_underruns_after_warmup(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(live_duplex, "WARMUP_S", 0.1)
    sd = _fake()
    duplex = LiveDuplex(sd=sd)
    duplex.start()
    try:
        assert duplex.input_rate == 48000 and duplex.output_rate == 48000
        time.sleep(0.3)
        captured = duplex.read_input()
        assert len(captured) > 4800 and np.allclose(captured, 0.25)
        assert duplex.underruns == 0  # nothing queued yet: silence is not a dropout
        duplex.write_output(np.full(2400, 0.5, dtype=np.float32))
        time.sleep(0.5)
        assert duplex.underruns >= 1  # 50 ms queued, then it ran dry
        assert duplex.check() is None
    finally:
        duplex.close()
    played = sd.played_audio()
    assert np.isfinite(played).all()
    assert np.max(played) <= 0.5 + 1e-6


def test_warmup_output_is_muted(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(live_duplex, "WARMUP_S", 5.0)
    sd = _fake()
    duplex = _play(sd, np.full(4800, 0.5, dtype=np.float32), 0.3)
    assert not np.any(sd.played_audio())
    assert duplex.underruns == 0


def test_device_loss_is_reported() -> None:
    sd = _fake()
    sd.lose_after_blocks = 5
    duplex = LiveDuplex(sd=sd)
    duplex.start()
    try:
        deadline = time.monotonic() + 5
        while duplex.check() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "stopped (disconnected" in (duplex.check() or "")  # either stream may end first
    finally:
        duplex.close()


class _Status:
    """A PortAudio callback status with the given flags."""

    def __init__(self, **flags: bool) -> None:
        self.input_overflow = flags.get("input_overflow", False)
        self.output_underflow = flags.get("output_underflow", False)

    def __bool__(self) -> bool:
        return self.input_overflow or self.output_underflow


def test_each_dropout_is_counted_with_its_cause(monkeypatch) -> None:  # noqa: ANN001
    """The callbacks as the device calls them: a short ring (late block), a device underflow and an input
    overflow each count one dropout once the warm-up is over, and the causes are told apart."""
    monkeypatch.setattr(live_duplex, "WARMUP_S", 0.0)
    duplex = _play(_fake(), np.full(240, 0.5, dtype=np.float32), 0.1)  # the ring runs dry: late blocks
    late = duplex.dropout_causes["late_block"]
    assert late >= 1 and duplex.underruns == late
    out = np.zeros((240, 1), dtype=np.float32)
    duplex._output_callback(out, 240, None, _Status(output_underflow=True))
    duplex._input_callback(np.zeros((240, 1), dtype=np.float32), 240, None, _Status(input_overflow=True))
    causes = duplex.dropout_causes
    assert causes["device_underflow"] == 1 and causes["input_overflow"] == 1
    assert duplex.underruns == sum(causes.values())
