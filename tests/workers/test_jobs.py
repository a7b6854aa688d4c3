"""Jobs on QThreads: progress, results, cancellation within one chunk, errors as user messages."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject

from autovoice_desktop.core.errors import AudioContentError
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.workers.conversion_worker import ConversionJob, ConversionOutput
from autovoice_desktop.workers.engine_bridge import EngineBridge
from autovoice_desktop.workers.export_worker import ExportJob
from autovoice_desktop.workers.file_load_worker import FileLoadJob
from autovoice_desktop.workers.job import Job
from autovoice_desktop.workers.runner import JobRunner
from autovoice_desktop.workers.voice_load_worker import DeviceReport, ImportVoiceJob, StartupJob
from tests.conftest import SINGING_MALE, SPEECH_MALE
from tests.gui.fakes import BUILTIN, FakeBridge, SleepyVoice


class Collector(QObject):
    """Receives a job's signals on the GUI thread (queued), like the controller does."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.events: list[tuple[str, tuple]] = []
        for name in ("progress", "succeeded", "failed", "cancelled", "finished"):
            getattr(job, name).connect(getattr(self, f"_on_{name}"))
        for extra in ("loaded", "voices_ready"):
            if hasattr(job, extra):
                getattr(job, extra).connect(getattr(self, f"_on_{extra}"))

    def _on_progress(self, fraction: float, stage: str) -> None:
        self.events.append(("progress", (fraction, stage)))

    def _on_succeeded(self, result: object) -> None:
        self.events.append(("succeeded", (result,)))

    def _on_failed(self, title: str, message: str) -> None:
        self.events.append(("failed", (title, message)))

    def _on_cancelled(self) -> None:
        self.events.append(("cancelled", ()))

    def _on_finished(self) -> None:
        self.events.append(("finished", ()))

    def _on_loaded(self, audio: object) -> None:
        self.events.append(("loaded", (audio,)))

    def _on_voices_ready(self, voices: object) -> None:
        self.events.append(("voices_ready", (voices,)))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def args(self, name: str) -> tuple:
        return next(args for n, args in self.events if n == name)


def run_job(qtbot, runner: JobRunner, job: Job, timeout: int = 10000) -> Collector:  # noqa: ANN001
    """Start `job` and wait until it has finished; returns what it emitted, in order."""
    collector = Collector(job)
    runner.start(job)
    qtbot.waitUntil(lambda: "finished" in collector.names(), timeout=timeout)
    return collector


@pytest.fixture
def runner(qtbot):  # noqa: ANN001, ANN201
    r = JobRunner()
    yield r
    assert r.shutdown(5000)
    assert r.active == []


def _audio(seconds: float = 4.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)


def test_conversion_reports_progress_and_result_on_a_worker_thread(qtbot, runner) -> None:  # noqa: ANN001
    threads: list[str] = []

    class SpyVoice(SleepyVoice):
        def convert(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            threads.append(threading.current_thread().name)
            return super().convert(*args, **kwargs)

    bridge = FakeBridge(lambda info: SpyVoice(info))
    job = ConversionJob(bridge, BUILTIN.voice_id, ConversionParams(transpose=2.0), _audio(), 16000)
    got = run_job(qtbot, runner, job)
    assert got.names()[-2:] == ["succeeded", "finished"]
    out: ConversionOutput = got.args("succeeded")[0]
    assert threads and threads[0] != threading.main_thread().name
    assert out.sample_rate == 16000 and len(out.audio) == 64000
    assert out.duration == pytest.approx(4.0) and out.rtf == pytest.approx(out.elapsed / 4.0)
    assert out.output_f0 is not None and out.device_label == "CPU (2 threads)"
    stages = [args for name, args in got.events if name == "progress"]
    names = [stage for _, stage in stages]
    assert names[0] == "Preparing" and "Converting" in names and names[-1] == "Done"
    assert [f for f, _ in stages] == sorted(f for f, _ in stages)


def test_cancel_stops_within_one_chunk(qtbot, runner) -> None:  # noqa: ANN001
    chunk_s = 0.25
    bridge = FakeBridge(lambda info: SleepyVoice(info, chunk_s=chunk_s, chunk_audio_s=0.5))
    job = ConversionJob(bridge, BUILTIN.voice_id, ConversionParams(), _audio(20.0), 16000)
    got = Collector(job)
    runner.start(job)
    qtbot.waitUntil(
        lambda: any(n == "progress" and a[1] == "Converting" for n, a in got.events), timeout=5000
    )
    started = time.monotonic()
    job.request_cancel()
    qtbot.waitUntil(lambda: "finished" in got.names(), timeout=5000)
    assert time.monotonic() - started < chunk_s + 0.25
    assert "cancelled" in got.names() and "succeeded" not in got.names()


def test_expected_error_becomes_the_user_message(qtbot, runner) -> None:  # noqa: ANN001
    bridge = FakeBridge()
    bridge.fail_voice_load = AudioContentError("input is too short (0.05 s)", "give at least 0.1 s")
    got = run_job(qtbot, runner, ConversionJob(bridge, BUILTIN.voice_id, ConversionParams(), _audio(), 16000))
    assert got.args("failed") == ("Conversion failed", "input is too short (0.05 s) (give at least 0.1 s)")


def test_unexpected_error_points_to_the_log_without_a_trace(qtbot, runner, autovoice_home) -> None:  # noqa: ANN001
    bridge = FakeBridge()
    bridge.fail_voice_load = ZeroDivisionError("division by zero")
    got = run_job(qtbot, runner, ConversionJob(bridge, BUILTIN.voice_id, ConversionParams(), _audio(), 16000))
    message = got.args("failed")[1]
    assert "ZeroDivisionError: division by zero" in message and str(autovoice_home) in message
    assert "Traceback" not in message and "File " not in message


def test_file_load_emits_samples_then_pitch(qtbot, runner) -> None:  # noqa: ANN001
    got = run_job(qtbot, runner, FileLoadJob(EngineBridge(), str(SINGING_MALE)), timeout=60000)
    assert [n for n in got.names() if n != "progress"] == ["loaded", "succeeded", "finished"]
    audio = got.args("loaded")[0]
    times, f0 = got.args("succeeded")[0]
    assert audio.sample_rate == 44100 and audio.info.channels == 1 and audio.samples.dtype == np.float32
    assert len(times) == len(f0) > 800 and np.median(f0[f0 > 0]) > 60


def test_file_load_of_a_bad_file_fails_with_its_name(qtbot, runner, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "empty.wav"
    bad.write_bytes(b"")
    got = run_job(qtbot, runner, FileLoadJob(EngineBridge(), str(bad)))
    title, message = got.args("failed")
    assert title == "Could not open the file" and "empty.wav" in message


def test_startup_lists_voices_then_devices(qtbot, runner) -> None:  # noqa: ANN001
    got = run_job(qtbot, runner, StartupJob(FakeBridge(), "cuda"))
    assert [n for n in got.names() if n != "progress"] == ["voices_ready", "succeeded", "finished"]
    voices = got.args("voices_ready")[0]
    report: DeviceReport = got.args("succeeded")[0]
    assert [v.voice_id for v in voices] == ["builtin/higher", "sovits/duet"]
    assert report.devices[0][0] == "auto" and report.notice == "CUDA is not available; using the CPU."


def test_import_and_export_jobs(qtbot, runner, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "Alto"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    bridge = FakeBridge()
    info, voices, notes = run_job(qtbot, runner, ImportVoiceJob(bridge, str(folder))).args("succeeded")[0]
    assert info.voice_id == "sovits/Alto" and info in voices and notes == ""
    target = tmp_path / "out.wav"
    got = run_job(qtbot, runner, ExportJob(bridge, str(target), _audio(), 16000, protected=()))
    assert got.args("succeeded")[0] == target and target.stat().st_size > 1000
    got = run_job(qtbot, runner, ExportJob(bridge, str(target), _audio(), 16000, protected=(str(target),)))
    assert "input" in got.args("failed")[1].lower()


def test_real_builtin_voice_converts_through_the_bridge(qtbot, runner) -> None:  # noqa: ANN001
    from autovoice_desktop.audio.io import load_audio

    audio = load_audio(SPEECH_MALE)
    clip = audio.samples[: 4 * audio.sample_rate]
    job = ConversionJob(
        EngineBridge(),
        "builtin/higher",
        ConversionParams(transpose=4.0, formant_shift=1.0),
        clip,
        audio.sample_rate,
    )
    out: ConversionOutput = run_job(qtbot, runner, job, timeout=120000).args("succeeded")[0]
    assert len(out.audio) == len(clip) and np.isfinite(out.audio).all()
    voiced = (out.pitch.source_f0 > 0) & (out.pitch.target_f0 > 0)
    ratio = np.median(out.pitch.target_f0[voiced] / out.pitch.source_f0[voiced])
    assert ratio == pytest.approx(2 ** (4 / 12), rel=0.01)
    times, f0 = out.output_f0
    src = out.pitch.source_f0[out.pitch.source_f0 > 0]
    assert np.median(f0[f0 > 0]) == pytest.approx(np.median(src) * 2 ** (4 / 12), rel=0.06)


def test_real_engine_rejects_a_bad_voice_with_its_own_message(qtbot, runner, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "broken-voice"
    folder.mkdir()
    (folder / "config.json").write_text("{ not json")
    (folder / "G_100.pth").write_bytes(b"not a checkpoint")
    got = run_job(qtbot, runner, ImportVoiceJob(EngineBridge(), str(folder)), timeout=60000)
    title, message = got.args("failed")
    assert title == "Could not import the voice"
    assert "config.json" in message and "Traceback" not in message
