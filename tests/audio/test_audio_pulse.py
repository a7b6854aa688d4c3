"""Recorder and Player against real (virtual) devices: the private PulseAudio server of tests/pulse.py."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio.devices import list_devices, resolve_device
from autovoice_desktop.audio.io import resample
from autovoice_desktop.audio.player import Player
from autovoice_desktop.audio.recorder import Recorder
from tests.conftest import SPEECH_FEMALE, SPEECH_MALE
from tests.pulse import PulseServer, correlate_aligned, start_pulse_server, stop_pulse_server

pytestmark = [pytest.mark.audio, pytest.mark.slow]


def test_devices_lists_the_virtual_devices(pulse: PulseServer) -> None:
    names = [dev.name for dev in list_devices(refresh_first=True)]
    assert "pulse" in names and "default" in names
    assert resolve_device(None, "input").max_input_channels > 0
    assert resolve_device("pulse", "output").name == "pulse"


@pytest.mark.parametrize("rate", [None, 16000])
def test_recorder_returns_what_the_microphone_heard(pulse: PulseServer, rate: int | None) -> None:
    ref, ref_rate = sf.read(str(SPEECH_FEMALE), dtype="float32")
    recorder = Recorder(samplerate=rate)
    recorder.start()
    assert recorder.wait_first_block(15), "no audio block within 15 s"
    pulse.feed_mic(SPEECH_FEMALE)
    time.sleep(0.3)
    levels = recorder.pop_levels()
    result = recorder.stop()
    assert result.error is None and result.path is not None and result.path.exists()
    data, stored_rate = sf.read(str(result.path), dtype="float32")
    assert (
        stored_rate == result.sample_rate == (rate or int(resolve_device(None, "input").default_sample_rate))
    )
    corr, lag, overlap = correlate_aligned(resample(ref, ref_rate, stored_rate), data)
    print(
        f"record corr={corr:.5f} lag={lag / stored_rate * 1000:.0f} ms overlap={overlap:.3f} "
        f"rate={stored_rate}"
    )
    assert corr >= 0.95 and overlap >= 0.97
    assert levels.peak_db > -30.0


def test_recorder_picks_a_pulseaudio_source_by_name(
    pulse: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULSE_SOURCE", raising=False)  # restored (unset) after the test
    ref, ref_rate = sf.read(str(SPEECH_FEMALE), dtype="float32")
    ref = ref[: 2 * ref_rate]
    clip = pulse.runtime_dir / "clip2s.wav"
    sf.write(str(clip), ref, ref_rate)
    recorder = Recorder("VirtualMic", ref_rate)  # the PulseAudio source's description, not a PortAudio name
    recorder.start()
    assert recorder.device is not None and recorder.device.name == "pulse: mic"
    assert recorder.wait_first_block(15)
    pulse.feed_mic(clip)
    time.sleep(0.3)
    result = recorder.stop()
    data, _ = sf.read(str(result.path), dtype="float32")
    corr, _lag, overlap = correlate_aligned(ref, data)
    assert corr >= 0.95 and overlap >= 0.97
    assert resolve_device(None, "input").name != "pulse: mic"  # a later default choice undoes it
    assert "PULSE_SOURCE" not in os.environ


def test_player_plays_into_the_speaker(pulse: PulseServer) -> None:
    """What the player plays arrives whole at the speaker. An ALSA underrun (the machine busy elsewhere) puts
    a gap into the capture and lowers the correlation, so up to 3 attempts: wrong audio fails all three."""
    ref, rate = sf.read(str(SPEECH_MALE), dtype="float32")
    ref = ref[: rate * 4]
    results = []
    for _attempt in range(3):
        finished: list[bool] = []
        player = Player(on_finished=lambda done=finished: done.append(True))
        player.load({"input": (ref, rate)})
        with pulse.capture_speaker() as capture:
            player.play("input")
            deadline = time.monotonic() + 20
            while player.is_playing and time.monotonic() < deadline:
                time.sleep(0.05)
        assert not player.is_playing and finished
        assert player.position_seconds == pytest.approx(len(ref) / rate, abs=0.01)
        player.close()
        corr, lag, overlap = correlate_aligned(resample(ref, rate, capture.rate), capture.samples)
        print(
            f"play corr={corr:.5f} lag={lag / capture.rate * 1000:.0f} ms overlap={overlap:.3f} "
            f"dev_rate={player.sample_rate}"
        )
        results.append((corr, overlap))
        if corr >= 0.95 and overlap >= 0.95:
            break
    assert any(corr >= 0.95 and overlap >= 0.95 for corr, overlap in results), results


def test_player_ab_switch_keeps_position(pulse: PulseServer) -> None:
    rate = 48000
    t = np.arange(rate * 3) / rate
    a = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    b = (0.3 * np.sin(2 * np.pi * 660 * t)).astype(np.float32)
    player = Player()
    player.load({"input": (a, rate), "output": (b, rate)})
    with pulse.capture_speaker() as capture:
        player.play("input")
        time.sleep(1.0)
        before = player.position_seconds
        player.switch("output")
        after = player.position_seconds
        time.sleep(0.8)
        player.pause()
    assert player.source == "output" and not player.is_playing
    assert abs(after - before) < 0.1
    rec = capture.samples
    spectrum = np.abs(np.fft.rfft(rec))
    freqs = np.fft.rfftfreq(len(rec), 1 / capture.rate)
    assert spectrum[np.argmin(abs(freqs - 440))] > 10 * np.median(spectrum)
    assert spectrum[np.argmin(abs(freqs - 660))] > 10 * np.median(spectrum)
    # no click: sample-to-sample steps stay within what a 660 Hz sine of amplitude 0.3 can do
    steps = np.abs(np.diff(rec))
    assert steps.max() < 2 * np.pi * 660 * 0.3 / capture.rate * 1.5 + 0.01


def test_sound_server_dying_mid_recording_keeps_the_take(
    pulse: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real device loss: a second private server is killed while the recorder streams from it."""
    doomed = start_pulse_server()
    try:
        for key, value in doomed.env.items():
            monkeypatch.setenv(key, value)  # the ALSA pulse plugin connects when the stream opens
        recorder = Recorder(stall_timeout=2.0)
        recorder.start()
        assert recorder.wait_first_block(15)
        doomed.feed_mic(SPEECH_FEMALE, wait=False)
        time.sleep(1.0)
        doomed.process.kill()
        deadline = time.monotonic() + 10
        while recorder.check() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert recorder.check() is not None, "the lost device was not noticed"
        result = recorder.stop()
    finally:
        stop_pulse_server(doomed)
    assert result.error and "kept" in result.error
    assert result.path is not None and result.duration > 0.5
    data, _ = sf.read(str(result.path), dtype="float32")
    assert np.abs(data).max() > 0.05  # the speech recorded before the loss is there
