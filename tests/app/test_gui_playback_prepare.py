"""Issue 15: the first play of a file the device cannot take at its own rate resamples it, which takes seconds
for a long file. That resampling must never run on the GUI thread: play returns at once and the sound starts
when a helper thread has the buffers ready. The same for a span the pitch editor re-rendered."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autovoice_desktop.audio.player as player_module
from autovoice_desktop.audio.player import Player
from tests.audio.fakes import FakeSoundDevice
from tests.conftest import SPEECH_MALE
from tests.gui.harness import Parts, build, open_file


class GatedResample:
    """Stands in for the player's resample: records the calling thread's name and finishes only once the
    test calls `release.set()` (a "large" resample, however long the test needs)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = threading.Event()
        self.done = threading.Event()
        self._real = player_module.resample

    def __call__(self, data: np.ndarray, src: int, dst: int) -> np.ndarray:
        self.calls.append(threading.current_thread().name)
        self.release.wait(timeout=5)
        out = self._real(data, src, dst)
        self.done.set()
        return out


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Any:
    resample = GatedResample()
    monkeypatch.setattr(player_module, "resample", resample)
    yield resample
    resample.release.set()


@pytest.fixture
def rig(qtbot: Any, tmp_path: Path, gate: GatedResample) -> Any:
    """A window with a 16 kHz recording loaded and a real Player on a device that only takes 44.1 kHz; shut
    down (after the gate is opened) at the end."""
    parts = build(qtbot, tmp_path / "settings.toml")
    sd = FakeSoundDevice()
    sd.supported_rates = {44100}  # the 16 kHz recording must be resampled to play
    player = Player(sd=sd, preroll=0.0)
    parts.controller.playback.player_factory = lambda: player
    open_file(qtbot, parts, SPEECH_MALE)
    yield parts, player
    gate.release.set()
    parts.controller.shutdown()


def test_the_device_rate_resample_runs_off_the_gui_thread_and_play_returns_first(
    qtbot: Any, rig: tuple[Parts, Player], gate: GatedResample
) -> None:
    parts, player = rig
    window, playback = parts.window, parts.controller.playback
    window.transport.play_button.click()
    # play returned while the resample is still waiting: the GUI thread did not do it
    qtbot.waitUntil(lambda: len(gate.calls) >= 1, timeout=5000)
    assert not gate.release.is_set() and not player.is_playing
    assert playback.starting and window.transport.play_button.accessibleName() == "Pause"
    gate.release.set()
    qtbot.waitUntil(lambda: player.is_playing, timeout=5000)
    assert player.sample_rate == 44100
    qtbot.waitUntil(lambda: player.position_seconds > 0.05, timeout=5000)
    window.transport.play_button.click()  # pause
    assert not player.is_playing and not playback.starting
    assert gate.calls and all(name == "player-prepare" for name in gate.calls), gate.calls


def test_pressing_play_again_while_preparing_cancels_the_start(
    qtbot: Any, rig: tuple[Parts, Player], gate: GatedResample
) -> None:
    parts, player = rig
    window, playback = parts.window, parts.controller.playback
    window.transport.play_button.click()
    assert playback.starting
    window.transport.play_button.click()  # changed my mind
    assert not playback.starting and window.transport.play_button.accessibleName() == "Play"
    gate.release.set()
    qtbot.waitUntil(lambda: not player.needs_prepare(), timeout=5000)  # prepared, yet silent
    qtbot.wait(100)
    assert gate.done.is_set() and not player.is_playing
    window.transport.play_button.click()  # now it starts at once: nothing left to resample
    assert player.is_playing


def test_a_rerendered_source_is_resampled_off_the_gui_thread_while_playing(
    qtbot: Any, rig: tuple[Parts, Player], gate: GatedResample
) -> None:
    parts, player = rig
    window, playback = parts.window, parts.controller.playback
    gate.release.set()  # the first play's resample goes through
    window.transport.play_button.click()
    qtbot.waitUntil(lambda: player.is_playing, timeout=10000)
    gate.calls.clear()
    gate.release.clear()
    samples, rate = playback.sources["input"]
    louder = np.clip(samples * 2.0, -1.0, 1.0).astype(np.float32)
    playback.update_source("input", louder, rate)  # as a span re-render of the pitch editor does
    qtbot.waitUntil(lambda: len(gate.calls) == 1, timeout=5000)
    assert not gate.release.is_set() and player.is_playing  # returned at once; the sound goes on
    old_buffer = player._buffers["input"]
    gate.release.set()
    qtbot.waitUntil(lambda: player._buffers["input"] is not old_buffer, timeout=5000)
    assert player.is_playing and gate.calls == ["player-replace"]
    window.transport.play_button.click()  # pause
