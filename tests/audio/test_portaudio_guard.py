"""PortAudio is never re-initialised under an open stream, nor while another thread lists or opens devices."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from autovoice_desktop.audio.devices import list_devices, refresh
from autovoice_desktop.audio.player import Player
from autovoice_desktop.audio.recorder import Recorder
from tests.audio.fakes import FakeSoundDevice, FakeStream


class ReinitCountingSoundDevice(FakeSoundDevice):
    """A fake that counts re-initialisations and fails loudly if PortAudio is used while it is torn down."""

    def __init__(self, reinit_seconds: float = 0.0) -> None:
        super().__init__()
        self.terminations = 0
        self.reinit_seconds = reinit_seconds
        self.torn_down = False
        self.used_while_torn_down: list[str] = []

    def _terminate(self) -> None:
        self.torn_down = True
        self.terminations += 1
        time.sleep(self.reinit_seconds)

    def _initialize(self) -> None:
        time.sleep(self.reinit_seconds)
        self.torn_down = False

    def _note(self, what: str) -> None:
        if self.torn_down:
            self.used_while_torn_down.append(what)

    def query_devices(self) -> list[dict[str, Any]]:
        self._note("query_devices")
        return super().query_devices()

    def InputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802 - sounddevice's name
        self._note("InputStream")
        return super().InputStream(**kwargs)

    def OutputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802 - sounddevice's name
        self._note("OutputStream")
        return super().OutputStream(**kwargs)


def test_refresh_waits_until_the_recording_stream_is_closed() -> None:
    sd = ReinitCountingSoundDevice()
    recorder = Recorder(sd=sd, max_seconds=2.0)
    recorder.start()
    try:
        list_devices(sd, refresh_first=True)
        assert sd.terminations == 0  # a stream is open: PortAudio must stay up
        assert recorder.wait_first_block(10)
    finally:
        result = recorder.stop()
    assert result.path is not None
    refresh(sd)
    assert sd.terminations == 1


def test_refresh_waits_until_the_playback_stream_is_closed() -> None:
    sd = ReinitCountingSoundDevice()
    player = Player(sd=sd, preroll=0.0)
    player.load({"input": (np.zeros(48000, dtype=np.float32), 48000)})
    player.play("input")
    try:
        refresh(sd)
        assert sd.terminations == 0
    finally:
        player.stop()
    deadline = time.monotonic() + 10
    while sd.terminations == 0 and time.monotonic() < deadline:
        refresh(sd)
        time.sleep(0.05)
    assert sd.terminations >= 1  # once the fade-out closed the stream, a refresh goes through


def test_refresh_on_another_thread_never_interleaves_with_opening_a_stream() -> None:
    sd = ReinitCountingSoundDevice(reinit_seconds=0.002)
    stop = threading.Event()

    def keep_refreshing() -> None:
        while not stop.is_set():
            list_devices(sd, refresh_first=True)

    refresher = threading.Thread(target=keep_refreshing, daemon=True)
    refresher.start()
    try:
        for _ in range(20):
            recorder = Recorder(sd=sd, max_seconds=1.0)
            recorder.start()
            recorder.stop()
    finally:
        stop.set()
        refresher.join(timeout=10)
    assert sd.terminations > 0  # the refresher really ran between the takes
    assert sd.used_while_torn_down == []
