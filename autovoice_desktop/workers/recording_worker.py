"""Recording on a QThread: start a Recorder, report levels and elapsed time, stop, hand over the take.

Concurrency design: `RecordingWorker` lives on its own QThread (`start_recording_thread`). `run()` opens
the device (the audio callback and the take writer run on their own threads, see audio/recorder.py) and
starts a QTimer on the worker thread that polls the recorder about 30 times a second: each tick emits the
latest levels (peak held since the previous tick) and the elapsed time, so the GUI gets display-rate
updates, never one per audio block. `request_stop()` is thread-safe (a threading.Event read by the tick).
The recording ends on request, at `max_seconds`, or when the device fails; what was recorded is kept. A stop
requested before the device delivered its first block waits for that block (bounded by the recorder's
first-block grace), so a short take is never lost to the device's start-up delay.

Signals (queued to the GUI thread):
    recording_started(device name, sample rate)  once audio flows
    levels_changed(peak dBFS, RMS dBFS, clipped)  ~30 Hz
    elapsed_changed(seconds)                      ~30 Hz
    failed(message)                               start failed, device lost, no audio…
    finished(take path)                           the finished take (also after a failure that kept audio)
    warning(message)                              overflow, clipping (recording went on)
    done()                                        always last: the thread may quit
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.workers.thread_keeper import keep_until_finished

log = logging.getLogger(__name__)

POLL_MS = 33
RecorderFactory = Callable[..., Any]


def _default_recorder_factory(**kwargs: Any) -> Any:
    from autovoice_desktop.audio.recorder import Recorder  # sounddevice loads only when recording

    return Recorder(**kwargs)


class RecordingWorker(QObject):
    """Records one take. Create, move to a thread (start_recording_thread), then request_stop()."""

    recording_started = Signal(str, int)
    levels_changed = Signal(float, float, bool)
    elapsed_changed = Signal(float)
    failed = Signal(str)
    finished = Signal(str)
    warning = Signal(str)
    done = Signal()

    def __init__(
        self,
        device: int | str | None = None,
        samplerate: int | None = None,
        channels: int = 1,
        max_seconds: float | None = None,
        recorder_factory: RecorderFactory | None = None,
        **recorder_options: Any,
    ) -> None:
        super().__init__()
        self.options = dict(
            device=device,
            samplerate=samplerate,
            channels=channels,
            max_seconds=max_seconds,
            **recorder_options,
        )
        self.recorder_factory = recorder_factory or _default_recorder_factory
        self.recorder: Any = None
        self._stop = threading.Event()
        self._timer: QTimer | None = None
        self._announced = False
        self._ended = False

    def request_stop(self) -> None:
        """Stop at the next tick (thread-safe; call directly, not through a queued signal)."""
        self._stop.set()

    @Slot()
    def run(self) -> None:
        """On the worker thread: open the device and start polling."""
        try:
            self.recorder = self.recorder_factory(**self.options)
            self.recorder.start()
        except AutoVoiceError as exc:
            self._end_with(exc.user_message())
            return
        except Exception as exc:  # noqa: BLE001 - a worker must never let an exception escape
            log.exception("recording could not start")
            self._end_with(f"recording could not start ({type(exc).__name__}: {exc})")
            return
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _end_with(self, message: str) -> None:
        self._ended = True
        self.failed.emit(message)
        self.done.emit()

    @Slot()
    def _tick(self) -> None:
        if self._ended:
            return
        recorder = self.recorder
        try:
            if not self._announced and recorder.first_block_arrived:
                self._announced = True
                name = recorder.device.name if recorder.device is not None else ""
                self.recording_started.emit(name, int(recorder.sample_rate))
            levels = recorder.pop_levels()
            self.levels_changed.emit(levels.peak_db, levels.rms_db, levels.clipped)
            self.elapsed_changed.emit(float(recorder.elapsed_seconds))
            problem = recorder.check()
            if self._stop.is_set() and not recorder.first_block_arrived and problem is None:
                return  # the device has not delivered yet (up to ~2 s through PulseAudio): wait for it
            if self._stop.is_set() or recorder.limit_reached or problem is not None:
                self._finish()
        except Exception as exc:  # noqa: BLE001
            log.exception("recording failed")
            self._ended = True
            self.failed.emit(f"recording failed ({type(exc).__name__}: {exc})")
            self.done.emit()

    def _finish(self) -> None:
        self._ended = True
        if self._timer is not None:
            self._timer.stop()
        result = self.recorder.stop()
        for note in result.warnings:
            self.warning.emit(note)
        self.elapsed_changed.emit(float(result.duration))
        if result.error:
            self.failed.emit(result.error)
        if result.path is not None:
            self.finished.emit(str(result.path))
        self.done.emit()


def start_recording_thread(worker: RecordingWorker) -> QThread:
    """Run `worker` on a new QThread that quits after `done`; both are released once it has stopped.

    The thread has no Qt parent on purpose: closing the window must never delete a running thread (Qt would
    abort the process); the ThreadKeeper owns both until the thread has exited.
    """
    thread = QThread()
    thread.setObjectName("RecordingWorker")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.done.connect(thread.quit)
    keep_until_finished(thread, worker)
    thread.start()
    return thread
