"""Deleting the owner of a running worker thread (window, controller, runner) never aborts the process.

Qt aborts with "QThread: Destroyed while thread is still running" if a running QThread is deleted, so each
scenario runs in a child process: an abort there is a clean test failure here, not a dead test session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# appended to each scenario: collect garbage, let the GUI thread process `finished`, report what is kept
_WAIT_AND_REPORT = """
    gc.collect()
    deadline = time.monotonic() + 20
    while ThreadKeeper.running() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print("kept", ThreadKeeper.running())
"""

_RUNNER_OWNER_DELETED = """
    import gc, time
    from PySide6.QtCore import QCoreApplication, QObject, QEvent
    from autovoice_desktop.workers.job import Job
    from autovoice_desktop.workers.runner import JobRunner
    from autovoice_desktop.workers.thread_keeper import ThreadKeeper

    class Slow(Job):
        def work(self):
            time.sleep(0.5)
            return 1

    app = QCoreApplication([])
    owner = QObject()
    JobRunner(owner).start(Slow())
    owner.deleteLater()  # like a window closed without shutdown()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del owner
"""

_RECORDING_OWNER_DELETED = """
    import gc, time
    from PySide6.QtCore import QCoreApplication, QObject, QEvent
    from autovoice_desktop.workers.recording_worker import RecordingWorker, start_recording_thread
    from autovoice_desktop.workers.thread_keeper import ThreadKeeper
    from tests.audio.fakes import FakeSoundDevice
    from autovoice_desktop.audio.recorder import Recorder

    app = QCoreApplication([])
    sd = FakeSoundDevice()
    worker = RecordingWorker(max_seconds=0.5, recorder_factory=lambda **kw: Recorder(sd=sd, **kw))
    thread = start_recording_thread(worker)
    del worker, thread
"""


@pytest.mark.parametrize(
    "script", [_RUNNER_OWNER_DELETED, _RECORDING_OWNER_DELETED], ids=["job", "recording"]
)
def test_running_thread_outlives_its_owner_and_is_released(script: str, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO), AUTOVOICE_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script + _WAIT_AND_REPORT)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"child exited {done.returncode}:\n{done.stdout}\n{done.stderr[-3000:]}"
    assert done.stdout.strip().endswith("kept 0"), done.stdout + done.stderr[-2000:]
