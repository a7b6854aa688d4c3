"""Builds a window + controller with fakes for the GUI tests, and a 30 s test recording."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from autovoice_desktop.app.controller import Controller
from autovoice_desktop.core.settings import Settings
from autovoice_desktop.gui.main_window import MainWindow
from tests.conftest import SPEECH_FEMALE, SPEECH_MALE
from tests.gui.fakes import FakeBridge, FakePlayer


@dataclass
class Parts:
    """What a test drives."""

    window: MainWindow
    controller: Controller
    bridge: FakeBridge
    player: FakePlayer
    settings_path: Path


def build(
    qtbot,
    settings_path: Path,
    settings: Settings | None = None,
    bridge: FakeBridge | None = None,
    start: bool = True,
) -> Parts:  # noqa: ANN001
    """A shown window wired to a controller with a fake engine and player; voices and devices loaded."""
    bridge = bridge or FakeBridge()
    player = FakePlayer()
    window = MainWindow("test")
    qtbot.addWidget(window)
    controller = Controller(
        window,
        settings or Settings(),
        bridge=bridge,
        player_factory=lambda: player,
        settings_path=settings_path,
    )
    window.show()
    qtbot.waitExposed(window)
    if start:
        with qtbot.waitSignals([controller.voices_loaded, controller.devices_loaded], timeout=10000):
            controller.start()
    return Parts(window, controller, bridge, player, settings_path)


def open_file(qtbot, parts: Parts, path: Path) -> None:  # noqa: ANN001
    """Open `path` through the window's Open dialog (answered by the test) and wait for its pitch curve."""
    parts.window.dialogs.ask_open_audio = lambda start_dir: str(path)
    with qtbot.waitSignal(parts.controller.input_loaded, timeout=20000):
        parts.window.input_card.open_button.click()
    qtbot.waitUntil(lambda: parts.controller.load_job is None, timeout=120000)  # Harvest, loaded CI


def convert(qtbot, parts: Parts, timeout: int = 60000) -> str:  # noqa: ANN001
    """Click Convert and wait for the end; returns "done", "cancelled" or "failed"."""
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=timeout) as blocker:
        parts.window.convert_card.convert_button.click()
    qtbot.waitUntil(lambda: parts.controller.conversion_job is None, timeout=5000)
    return blocker.args[0]


def recording_30s(folder: Path) -> Path:
    """A real 30 s speech recording (two LibriSpeech clips joined) at 16 kHz."""
    male, rate = sf.read(SPEECH_MALE, dtype="float32")
    female, rate_f = sf.read(SPEECH_FEMALE, dtype="float32")
    assert rate == rate_f
    joined = np.concatenate([male, female, male])[: 30 * rate]
    path = folder / "speech-30s.wav"
    sf.write(path, joined, rate)
    return path
