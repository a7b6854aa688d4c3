"""Player.replace_source: the pitch editor's re-rendered output is heard without stopping playback."""

from __future__ import annotations

import time

import numpy as np

from autovoice_desktop.audio.player import Player
from tests.audio.fakes import FakeSoundDevice


def _wait(condition, timeout: float = 10.0) -> None:  # noqa: ANN001
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_replacing_a_source_while_playing_keeps_playing_and_plays_the_new_samples() -> None:
    sd = FakeSoundDevice()
    sd.speed = 1.0
    rate = 44100
    finished: list[bool] = []
    player = Player(sd=sd, on_finished=lambda: finished.append(True), preroll=0.0)
    player.load(
        {"input": (np.zeros(rate, np.float32), rate), "output": (np.full(3 * rate, 0.25, np.float32), rate)}
    )
    player.play("output", start_seconds=0.0)
    _wait(lambda: player.position_seconds > 0.2)
    assert player.replace_source("output", np.full(3 * rate, -0.25, np.float32), rate)
    assert player.is_playing  # not stopped, not restarted
    position = player.position_seconds
    assert 0.2 < position < 3.0
    _wait(lambda: finished, timeout=30)
    played = sd.played_audio()
    sound = played[np.abs(played) > 0]
    assert sound[0] == 0.25 and sound[-1] == -0.25
    assert len(sound) == 3 * rate  # every sample once: nothing replayed from the start
    assert not player.replace_source("output", np.zeros(rate, np.float32), rate)  # another length: refused
    assert not player.replace_source("nothing", np.zeros(rate, np.float32), rate)


def test_replacing_a_resampled_source() -> None:
    sd = FakeSoundDevice()
    sd.supported_rates = {44100}
    player = Player(sd=sd, preroll=0.0)
    player.load({"output": (np.zeros(16000, np.float32), 16000)})
    player.play("output", start_seconds=0.0)
    assert player.replace_source("output", np.full(16000, 0.5, np.float32), 16000)
    player.stop()
    assert player.sample_rate == 44100
    # stop() fades out and releases the stream on a helper thread: it must really be closed afterwards
    _wait(lambda: sd.streams and all(stream.closed for stream in sd.streams))
