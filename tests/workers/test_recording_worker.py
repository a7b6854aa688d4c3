"""RecordingWorker on its QThread: levels at display rate, finished(take), failures -> failed(message)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QThread

from autovoice_desktop.audio.recorder import Recorder
from autovoice_desktop.workers.recording_worker import RecordingWorker, start_recording_thread
from tests.audio.fakes import FakeSoundDevice, PortAudioError
from tests.conftest import SPEECH_MALE
from tests.pulse import PulseServer, correlate_aligned


class Collector:
    """Records every signal of a worker."""

    def __init__(self, worker: RecordingWorker) -> None:
        self.events: list[tuple[str, Any]] = []
        for name in (
            "recording_started",
            "levels_changed",
            "elapsed_changed",
            "failed",
            "finished",
            "warning",
        ):
            getattr(worker, name).connect(lambda *args, n=name: self.events.append((n, args)))
        worker.done.connect(lambda: self.events.append(("done", ())))

    def of(self, name: str) -> list[Any]:
        return [args for n, args in self.events if n == name]


def _fake_factory(sd: FakeSoundDevice) -> Any:
    return lambda **kwargs: Recorder(sd=sd, **kwargs)


def _run(
    qtbot: Any, worker: RecordingWorker, stop_after: float | None = None, timeout: int = 20000
) -> Collector:
    seen = Collector(worker)
    with qtbot.waitSignal(worker.done, timeout=timeout):
        thread = start_recording_thread(worker)
        if stop_after is not None:
            qtbot.wait(int(stop_after * 1000))
            worker.request_stop()
    qtbot.waitUntil(lambda: not _running(thread), timeout=5000)
    return seen


def _running(thread: QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # already deleted: it finished
        return False


def test_worker_records_until_stopped(qtbot: Any) -> None:
    sd = FakeSoundDevice()
    sd.speed = 1.0
    sd.input_signal = np.full(48000 * 5, 0.5, dtype=np.float32)
    worker = RecordingWorker(recorder_factory=_fake_factory(sd))
    started = time.monotonic()
    seen = _run(qtbot, worker, stop_after=1.0)
    wall = time.monotonic() - started
    assert seen.of("recording_started") == [("Fake Mic", 48000)]
    levels = seen.of("levels_changed")
    assert 15 <= len(levels) <= 45 * wall  # ~30 Hz, not once per audio block
    assert max(peak for peak, _rms, _clip in levels) == pytest.approx(-6.02, abs=0.1)
    assert seen.of("failed") == []
    (path,) = seen.of("finished")[0]
    data, rate = sf.read(path, dtype="float32")
    assert rate == 48000 and 0.8 < len(data) / rate < 1.6
    assert seen.of("elapsed_changed")[-1][0] == pytest.approx(len(data) / rate)
    assert seen.events[-1][0] == "done"


def test_worker_stops_at_max_length(qtbot: Any) -> None:
    sd = FakeSoundDevice()
    worker = RecordingWorker(max_seconds=0.5, recorder_factory=_fake_factory(sd))
    seen = _run(qtbot, worker)
    (path,) = seen.of("finished")[0]
    assert sf.info(path).frames == 24000


def test_worker_reports_a_busy_device(qtbot: Any) -> None:
    sd = FakeSoundDevice()
    sd.open_error = PortAudioError("Device unavailable [PaErrorCode -9985]")
    seen = _run(qtbot, RecordingWorker(recorder_factory=_fake_factory(sd)))
    assert "busy" in seen.of("failed")[0][0] and seen.of("finished") == []


def test_worker_reports_no_device(qtbot: Any) -> None:
    sd = FakeSoundDevice([], default=(-1, -1))
    seen = _run(qtbot, RecordingWorker(recorder_factory=_fake_factory(sd)))
    assert "no audio microphone" in seen.of("failed")[0][0]


def test_worker_keeps_the_take_when_the_device_is_lost(qtbot: Any) -> None:
    sd = FakeSoundDevice()
    sd.lose_after_blocks = 30
    seen = _run(qtbot, RecordingWorker(recorder_factory=_fake_factory(sd)))
    assert "kept" in seen.of("failed")[0][0]
    (path,) = seen.of("finished")[0]
    assert sf.info(path).frames == 30 * sd.blocksize


@pytest.mark.audio
@pytest.mark.slow
def test_worker_records_the_virtual_microphone(qtbot: Any, pulse: PulseServer) -> None:
    ref, ref_rate = sf.read(str(SPEECH_MALE), dtype="float32")
    ref = ref[: ref_rate * 4]
    clip = Path(pulse.runtime_dir) / "clip.wav"
    sf.write(str(clip), ref, ref_rate)
    worker = RecordingWorker(samplerate=ref_rate)
    seen = Collector(worker)
    with qtbot.waitSignal(worker.done, timeout=60000):
        thread = start_recording_thread(worker)
        qtbot.waitUntil(lambda: bool(seen.of("recording_started")), timeout=20000)
        feeder = pulse.feed_mic(clip, wait=False)
        qtbot.waitUntil(lambda: feeder.poll() is not None, timeout=30000)
        qtbot.wait(300)
        worker.request_stop()
    qtbot.waitUntil(lambda: not _running(thread), timeout=5000)
    (path,) = seen.of("finished")[0]
    data, rate = sf.read(path, dtype="float32")
    corr, _lag, overlap = correlate_aligned(ref, data)
    assert rate == ref_rate and corr >= 0.95 and overlap >= 0.97
    assert max(peak for peak, _rms, _clip in seen.of("levels_changed")) > -30


def test_many_emits_do_not_exhaust_true(qtbot: Any) -> None:
    """shiboken6 6.12.0 + Python 3.11 lost a reference to True per emit() (that version is excluded)."""
    import sys

    worker = RecordingWorker()
    for _ in range(5000):  # more than True's natural reference count (~600 in a fresh interpreter)
        worker.elapsed_changed.emit(1.0)
    assert sys.getrefcount(True) > 1000


def test_a_short_take_stopped_before_the_device_delivered_is_kept(qtbot: Any) -> None:
    """Issue 15: a ~2 s take failed with "no audio arrived" when the device (PulseAudio) took about as long
    to deliver its first block; the stop now waits for that block, and the blocks that arrive while the
    stream stops are kept."""
    sd = FakeSoundDevice()
    sd.speed = 1.0
    sd.first_block_delay = 1.0
    sd.input_signal = np.full(48000 * 10, 0.25, dtype=np.float32)
    worker = RecordingWorker(recorder_factory=_fake_factory(sd))
    seen = _run(qtbot, worker, stop_after=0.3)
    assert seen.of("failed") == []
    assert seen.of("recording_started") == [("Fake Mic", 48000)]
    (path,) = seen.of("finished")[0]
    data, rate = sf.read(path, dtype="float32")
    assert rate == 48000 and len(data) > 0 and np.allclose(data, 0.25, atol=1e-4)


def test_blocks_delivered_while_stopping_are_kept() -> None:
    sd = FakeSoundDevice()
    sd.input_signal = np.full(48000 * 10, 0.5, dtype=np.float32)
    recorder = Recorder(sd=sd)
    recorder.start()
    assert recorder.wait_first_block(5.0)
    stream = sd.streams[-1]
    original_stop = stream.stop
    before: list[int] = []

    def stop_after_one_more_block() -> None:  # PortAudio delivers what it holds before stopping
        before.append(recorder.frames)
        recorder._callback(np.full((256, 1), 0.5, dtype=np.float32), 256, None, None)
        original_stop()

    stream.stop = stop_after_one_more_block
    result = recorder.stop()
    assert result.error is None
    assert result.frames >= before[0] + 256  # the block delivered while stopping is in the take
