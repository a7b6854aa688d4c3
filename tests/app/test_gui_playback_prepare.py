"""Issue 15: the first play of a file the device cannot take at its own rate resamples it, which takes seconds
for a long file. That resampling must never run on the GUI thread: play returns at once and the sound starts
when a helper thread has the buffers ready."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

import autovoice_desktop.audio.player as player_module
from autovoice_desktop.audio.player import Player
from tests.audio.fakes import FakeSoundDevice
from tests.conftest import SPEECH_MALE
from tests.gui.harness import build, open_file


def test_the_device_rate_resample_runs_off_the_gui_thread_and_play_returns_first(
    qtbot: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    sd = FakeSoundDevice()
    sd.supported_rates = {44100}  # the 16 kHz recording must be resampled to play
    player = Player(sd=sd, preroll=0.0)
    parts.controller.playback.player_factory = lambda: player
    calls: list[str] = []
    release = threading.Event()  # the "large" resample finishes only when the test says so
    real_resample = player_module.resample

    def slow_resample(data: np.ndarray, src: int, dst: int) -> np.ndarray:
        calls.append(threading.current_thread().name)
        release.wait(timeout=5)
        return real_resample(data, src, dst)

    monkeypatch.setattr(player_module, "resample", slow_resample)
    open_file(qtbot, parts, SPEECH_MALE)
    window, playback = parts.window, parts.controller.playback
    try:
        window.transport.play_button.click()
        # play returned while the resample is still waiting: the GUI thread did not do it
        qtbot.waitUntil(lambda: len(calls) >= 1, timeout=5000)
        assert not release.is_set() and not player.is_playing
        assert playback.starting and window.transport.play_button.accessibleName() == "Pause"
        release.set()
        qtbot.waitUntil(lambda: player.is_playing, timeout=5000)
        assert player.sample_rate == 44100
        qtbot.waitUntil(lambda: player.position_seconds > 0.05, timeout=5000)
        assert threading.main_thread().name not in calls, calls
        window.transport.play_button.click()  # pause
        assert not player.is_playing and not playback.starting
    finally:
        release.set()
        parts.controller.shutdown()
    assert calls and all(name == "player-prepare" for name in calls), calls


def test_pressing_play_again_while_preparing_cancels_the_start(
    qtbot: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    sd = FakeSoundDevice()
    sd.supported_rates = {44100}
    player = Player(sd=sd, preroll=0.0)
    parts.controller.playback.player_factory = lambda: player
    release = threading.Event()
    done = threading.Event()
    real_resample = player_module.resample

    def slow_resample(data: np.ndarray, src: int, dst: int) -> np.ndarray:
        release.wait(timeout=5)
        out = real_resample(data, src, dst)
        done.set()
        return out

    monkeypatch.setattr(player_module, "resample", slow_resample)
    open_file(qtbot, parts, SPEECH_MALE)
    window, playback = parts.window, parts.controller.playback
    try:
        window.transport.play_button.click()
        assert playback.starting
        window.transport.play_button.click()  # changed my mind
        assert not playback.starting and window.transport.play_button.accessibleName() == "Play"
        release.set()
        qtbot.waitUntil(lambda: not player.needs_prepare(), timeout=5000)  # prepared, yet silent
        qtbot.wait(100)
        assert done.is_set() and not player.is_playing
        window.transport.play_button.click()  # now it starts at once: nothing left to resample
        assert player.is_playing
    finally:
        release.set()
        parts.controller.shutdown()


def test_a_rerendered_source_is_resampled_off_the_gui_thread_while_playing(
    qtbot: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    parts = build(qtbot, tmp_path / "settings.toml")
    sd = FakeSoundDevice()
    sd.supported_rates = {44100}
    player = Player(sd=sd, preroll=0.0)
    parts.controller.playback.player_factory = lambda: player
    open_file(qtbot, parts, SPEECH_MALE)
    window, playback = parts.window, parts.controller.playback
    window.transport.play_button.click()
    qtbot.waitUntil(lambda: player.is_playing, timeout=10000)
    calls: list[str] = []
    release = threading.Event()
    real_resample = player_module.resample

    def slow_resample(data: np.ndarray, src: int, dst: int) -> np.ndarray:
        calls.append(threading.current_thread().name)
        release.wait(timeout=5)
        return real_resample(data, src, dst)

    monkeypatch.setattr(player_module, "resample", slow_resample)
    samples, rate = playback.sources["input"]
    louder = np.clip(samples * 2.0, -1.0, 1.0).astype(np.float32)
    try:
        playback.update_source("input", louder, rate)  # as a span re-render of the pitch editor does
        qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
        assert not release.is_set() and player.is_playing  # returned at once; the sound goes on
        old_buffer = player._buffers["input"]
        release.set()
        qtbot.waitUntil(lambda: player._buffers["input"] is not old_buffer, timeout=5000)
        assert player.is_playing and calls == ["player-replace"]
        window.transport.play_button.click()  # pause
    finally:
        release.set()
        parts.controller.shutdown()
