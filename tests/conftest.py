"""Test-wide set-up: offscreen Qt, a private AUTOVOICE_HOME per test, the shared test recordings."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA_DIR = Path(__file__).parent / "data"
SPEECH_MALE = DATA_DIR / "speech_en_m_librispeech-3436-172162-0000.wav"
SPEECH_FEMALE = DATA_DIR / "speech_en_f_librispeech-1995-1837-0001.wav"
SINGING_MALE = DATA_DIR / "singing_en_m_vocadito-10.wav"
REAL_RECORDINGS = (SPEECH_MALE, SPEECH_FEMALE, SINGING_MALE)


@pytest.fixture(autouse=True)
def audio_streams_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """No audio stream outlives its test: a stream left open makes every later device refresh wait (see
    audio.devices.refresh), so one leaking test would break unrelated ones. A leak is closed here and
    reported as a warning naming the test."""
    yield
    devices = sys.modules.get("autovoice_desktop.audio.devices")
    if devices is None:
        return
    left = [stream for stream in list(devices._open_streams) if not getattr(stream, "closed", True)]
    for stream in left:
        for method in ("abort", "close"):
            with contextlib.suppress(Exception):
                getattr(stream, method)()
    if left:
        warnings.warn(f"{request.node.nodeid} left {len(left)} audio stream(s) open", stacklevel=1)


@pytest.fixture(autouse=True)
def denormals_restored() -> Iterator[None]:
    """The engine flushes denormals to zero for speed (engine.device, process-wide CPU flags); a later test
    that needs IEEE subnormals (hypothesis float strategies refuse to run without them) gets them back."""
    yield
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_flush_denormal(False)


@pytest.fixture(autouse=True)
def autovoice_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings, voices, cache and log folders."""
    home = tmp_path / "autovoice-home"
    monkeypatch.setenv("AUTOVOICE_HOME", str(home))
    return home


pytest_plugins = ["tests.pulse"]


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_on_the_main_thread_only() -> Iterator[None]:
    """Automatic garbage collection is off during the tests, as in the app (pyqtgraph's GarbageCollector).

    Closed windows and plots become cyclic garbage (pyqtgraph items and their signal connections). If the
    collector ran on a worker thread (it runs wherever an allocation happens to trigger it), it would tear
    those Qt objects down from that thread, and Qt would call Python overrides on half-cleared objects: a
    crash in some later, unrelated test. The app collects on a GUI timer; the tests collect after each test
    (qt_garbage_collected_on_gui_thread).
    """
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def qt_garbage_collected_on_gui_thread() -> Iterator[None]:
    """After each test: delete closed top-level windows, then collect cyclic garbage on this (GUI) thread."""
    yield
    app = None
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            for widget in app.topLevelWidgets():
                if not widget.isVisible():  # closed by qtbot: delete the C++ side before Python clears cycles
                    widget.deleteLater()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            app.processEvents()
    gc.collect()
    if app is not None:
        app.processEvents()


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """Name the running test in $AUTOVOICE_TEST_CURRENT, so tools/run-tests.sh can report a hard crash."""
    target = os.environ.get("AUTOVOICE_TEST_CURRENT")
    if target:
        Path(target).write_text(nodeid + "\n", encoding="utf-8")
