"""Launching the window: fast, no torch before it is shown, --quit-after and --screenshot work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, AUTOVOICE_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    return env


def test_the_window_imports_no_torch_no_engine_and_pyqtgraph_only_after_show(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from autovoice_desktop.app.controller import Controller\n"
        "from autovoice_desktop.app.recording import attach_recording\n"
        "from autovoice_desktop.core.settings import Settings\n"
        "from autovoice_desktop.gui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        "window = MainWindow('t')\n"
        "controller = Controller(window, Settings())\n"
        "recording = attach_recording(window, controller)\n"
        "print('PYQTGRAPH BEFORE SHOW', 'pyqtgraph' in sys.modules)\n"
        "window.show()\n"
        "app.processEvents()\n"
        "deadline = time.monotonic() + 60\n"
        "while not window.plots.built and time.monotonic() < deadline:\n"
        "    app.processEvents()\n"
        "    time.sleep(0.01)\n"
        "print('PLOTS BUILT', window.plots.built, 'pyqtgraph' in sys.modules)\n"
        "print('EDITOR BOUND', controller.pitch.editor.plot is window.plots.pitch_plot)\n"
        "heavy = sorted(m for m in sys.modules if m == 'torch' or m.startswith('autovoice_desktop.engine'))\n"
        "print('HEAVY', heavy)\n"
        "recording.shutdown()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout
    # The plots (pyqtgraph) are built after the first paint, without anyone asking for a plot.
    assert "PYQTGRAPH BEFORE SHOW False" in result.stdout, result.stdout
    assert "PLOTS BUILT True True" in result.stdout, result.stdout
    assert "EDITOR BOUND True" in result.stdout, result.stdout


def test_window_shows_before_torch_and_quit_after_exits_cleanly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autovoice_desktop.app.gui_main", "--quit-after", "300"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "logs" / "autovoice.log").read_text()
    match = re.search(r"window shown (\d+) ms after process start \(torch loaded: (\w+)\)", log)
    assert match, log
    # The start-up time itself is a benchmark (benchmarks/startup.py), not a unit-test limit: on a loaded
    # 2-core CI machine a wall-clock assert here would fail for reasons that are not the product's.
    print(f"\nwindow shown {match.group(1)} ms after process start")
    assert match.group(2) == "False"
    assert "Traceback" not in result.stderr
    assert (tmp_path / "config" / "settings.toml").is_file()  # settings saved on the way out


@pytest.mark.slow
def test_screenshot_option_converts_and_saves_a_grab(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from tests.conftest import SPEECH_MALE

    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autovoice_desktop.app.gui_main",
            str(SPEECH_MALE),
            "--voice",
            "builtin/higher",
            "--convert",
            "--screenshot",
            str(shot),
            "--size",
            "1200x760",
        ],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1200, 760)
    settings = (tmp_path / "config" / "settings.toml").read_text()
    assert 'voice_id = "builtin/higher"' in settings
