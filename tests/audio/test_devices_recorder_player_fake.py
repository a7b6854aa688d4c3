"""Devices, Recorder and Player with a fake sounddevice: failures that real hardware can't be made to do."""

from __future__ import annotations

import builtins
import sys
import time
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio import devices
from autovoice_desktop.audio.devices import describe, list_devices, load_sounddevice, resolve_device
from autovoice_desktop.audio.player import Player
from autovoice_desktop.audio.recorder import Recorder
from autovoice_desktop.core.errors import AudioDeviceError
from autovoice_desktop.core.paths import recordings_dir
from tests.audio.fakes import FakeSoundDevice, PortAudioError, device_entry


def _wait(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- devices --------------------------------------------------------------------------------------
def test_list_and_resolve_devices() -> None:
    sd = FakeSoundDevice(
        [
            device_entry(0, "USB Mic", 1, 0),
            device_entry(1, "Speakers", 0, 2),
            device_entry(2, "Headset Mic", 1, 0, 16000.0),
        ],
        default=(2, 1),
    )
    listed = list_devices(sd)
    assert [dev.name for dev in listed] == ["USB Mic", "Speakers", "Headset Mic"]
    assert listed[2].is_default_input and listed[1].is_default_output and listed[0].host_api == "FakeAPI"
    assert resolve_device(None, "input", sd).name == "Headset Mic"
    assert resolve_device("usb", "input", sd).index == 0
    assert resolve_device("0", "input", sd).name == "USB Mic"
    assert resolve_device(1, "output", sd).name == "Speakers"
    assert "default input" in describe(listed[2])
    with pytest.raises(AudioDeviceError, match="several"):
        resolve_device("mic", "input", sd)
    with pytest.raises(AudioDeviceError, match="no input device named 'Speakers'"):
        resolve_device("Speakers", "input", sd)
    with pytest.raises(AudioDeviceError, match="index 7"):
        resolve_device(7, "input", sd)


def test_no_device_gives_a_clear_error() -> None:
    sd = FakeSoundDevice([], default=(-1, -1))
    with pytest.raises(AudioDeviceError, match="no audio microphone / input device found") as info:
        resolve_device(None, "input", sd)
    assert info.value.exit_code == 6 and "refresh" in (info.value.hint or "")
    with pytest.raises(AudioDeviceError, match="no audio"):
        Recorder(sd=sd).start()


def test_missing_portaudio_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(AudioDeviceError, match="PortAudio library not found") as info:
        load_sounddevice()
    assert "libportaudio2" in (info.value.hint or "")
    with pytest.raises(AudioDeviceError):
        devices.list_devices()


# --- recorder -------------------------------------------------------------------------------------
def test_recorder_records_at_the_device_rate() -> None:
    sd = FakeSoundDevice()
    signal = (0.3 * np.sin(np.arange(48000) / 10.0)).astype(np.float32)
    sd.input_signal = signal
    recorder = Recorder(sd=sd, max_seconds=0.5)
    partial = recorder.start()
    assert partial.name.endswith(".partial.wav")
    _wait(lambda: recorder.limit_reached)
    assert recorder.pop_levels().peak_db > -12
    result = recorder.stop()
    assert result.error is None and result.sample_rate == 48000 and result.frames == 24000
    data, rate = sf.read(str(result.path), dtype="float32")
    assert rate == 48000 and np.array_equal(data, signal[:24000])
    assert sd.streams[0].kwargs["dtype"] == "float32" and sd.streams[0].closed


def test_unsupported_rate_and_busy_device() -> None:
    sd = FakeSoundDevice()
    sd.supported_rates = {48000}
    with pytest.raises(AudioDeviceError, match="does not support 22050 Hz") as info:
        Recorder(samplerate=22050, sd=sd).start()
    assert "48000" in (info.value.hint or "")
    sd.open_error = PortAudioError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")
    with pytest.raises(AudioDeviceError, match="busy or unavailable"):
        Recorder(sd=sd).start()
    assert not list(recordings_dir().glob("*.wav"))  # a failed start leaves no file


def test_device_lost_mid_recording_keeps_the_take() -> None:
    sd = FakeSoundDevice()
    sd.input_signal = np.full(48000, 0.1, dtype=np.float32)
    sd.lose_after_blocks = 20
    recorder = Recorder(sd=sd)
    recorder.start()
    _wait(lambda: recorder.check() is not None)
    assert "stopped" in (recorder.check() or "")
    result = recorder.stop()
    assert result.error and "kept" in result.error
    assert result.frames == 20 * sd.blocksize
    data, _ = sf.read(str(result.path), dtype="float32")
    assert len(data) == 20 * sd.blocksize and np.allclose(data, 0.1)


def test_stalled_device_is_reported() -> None:
    sd = FakeSoundDevice()
    sd.stall_after_blocks = 5
    recorder = Recorder(sd=sd, stall_timeout=0.3)
    recorder.start()
    _wait(lambda: recorder.check() is not None)
    assert "no audio for" in (recorder.check() or "")
    result = recorder.stop()
    assert result.frames == 5 * sd.blocksize and result.path is not None


def test_overflow_is_reported_as_a_warning() -> None:
    sd = FakeSoundDevice()
    sd.overflow_blocks = {3, 4}
    recorder = Recorder(sd=sd, max_seconds=0.3)
    recorder.start()
    _wait(lambda: recorder.limit_reached)
    result = recorder.stop()
    assert result.error is None
    assert any("overflow" in note and "2 time" in note for note in result.warnings)


def test_no_audio_at_all_leaves_no_file() -> None:
    sd = FakeSoundDevice()
    sd.lose_after_blocks = 0
    recorder = Recorder(sd=sd)
    recorder.start()
    assert not recorder.wait_first_block(1.0)
    result = recorder.stop()
    assert result.path is None and result.error


# --- player ---------------------------------------------------------------------------------------
def test_player_plays_switches_and_finishes() -> None:
    sd = FakeSoundDevice()
    sd.speed = 5.0
    rate = 44100
    a = np.full(rate, 0.5, dtype=np.float32)
    b = np.full(rate, -0.5, dtype=np.float32)
    finished = []
    player = Player(sd=sd, on_finished=lambda: finished.append(True), preroll=0.0)
    player.load({"input": (a, rate), "output": (b, rate)})
    player.play("input", start_seconds=0.25)
    assert player.is_playing and player.sample_rate == 44100
    _wait(lambda: player.position_seconds > 0.5)
    player.switch("output")
    assert player.source == "output"
    _wait(lambda: finished, timeout=20)
    assert not player.is_playing
    played = sd.played_audio()
    assert not np.isnan(played).any()
    sound = played[np.abs(played) > 0]
    assert len(sound) == pytest.approx(0.75 * rate, abs=2)
    assert sound[0] == 0.5 and sound[-1] == -0.5
    assert np.all(np.abs(np.diff(sound)) < 0.01)  # crossfade: no jump from +0.5 to -0.5


def test_player_resamples_to_a_rate_the_device_accepts_and_seeks() -> None:
    sd = FakeSoundDevice()
    sd.supported_rates = {44100}
    player = Player(sd=sd, preroll=0.0)
    # 0.9, not full scale: resampling a full-scale tone overshoots 1.0 by a few 1e-7 (soxr's filter), which
    # made the range check below fail whenever enough of the tone had played (loaded machines)
    tone = (0.9 * np.sin(np.arange(16000) / 5.0)).astype(np.float32)
    player.load({"input": (tone, 16000)})
    player.seek(0.5)
    assert player.position_seconds == pytest.approx(0.5)
    player.play("input", start_seconds=None)
    assert player.sample_rate == 44100 and player.position_seconds >= 0.5
    _wait(lambda: player.position_seconds > 0.5)  # the fake device's thread has played something
    player.pause()
    assert not player.is_playing and player.position_seconds > 0.5
    resumed_at = player.position_seconds
    player.play("input", start_seconds=None)
    assert player.position_seconds >= resumed_at
    player.stop()
    assert player.position_seconds == 0.0
    played = sd.played_audio()
    assert not np.isnan(played).any() and np.abs(played).max() <= 1.0
    # pause() and stop() release their streams on helper threads: every one must be closed afterwards
    _wait(lambda: len(sd.streams) == 2 and all(stream.closed for stream in sd.streams))


def test_player_without_output_device() -> None:
    sd = FakeSoundDevice([device_entry(0, "Mic only", 1, 0)], default=(0, -1))
    player = Player(sd=sd)
    player.load({"input": (np.zeros(100, dtype=np.float32), 8000)})
    with pytest.raises(AudioDeviceError, match="speaker / output"):
        player.play("input")
    assert not player.is_playing


def test_recorder_falls_back_to_a_rate_the_device_takes() -> None:
    sd = FakeSoundDevice()  # Fake Mic says 48000 Hz but only takes 44100
    sd.supported_rates = {44100}
    recorder = Recorder(sd=sd, max_seconds=0.1)
    recorder.start()
    _wait(lambda: recorder.limit_reached)
    result = recorder.stop()
    assert result.sample_rate == 44100 and sf.info(str(result.path)).samplerate == 44100


def test_pause_and_stop_never_block_and_fade_out() -> None:
    sd = FakeSoundDevice()
    sd.speed = 1.0  # real time: the fade-out and the silent tail take ~0.3 s
    player = Player(sd=sd, preroll=0.0)
    player.load({"input": (np.full(48000 * 5, 0.5, dtype=np.float32), 48000)})
    player.play("input")
    _wait(lambda: player.position_seconds > 0.3)
    started = time.monotonic()
    player.pause()
    assert time.monotonic() - started < 0.05 and not player.is_playing
    paused_at = player.position_seconds
    _wait(lambda: sd.streams[0].closed, timeout=5)  # released by the helper thread
    assert player.position_seconds == pytest.approx(paused_at, abs=0.05)
    sound = sd.played_audio()
    end = np.flatnonzero(sound)[-1]
    assert np.all(np.abs(np.diff(sound[: end + 2])) < 0.01)  # faded out, no step to silence
    player.play("input", start_seconds=None)
    _wait(lambda: player.position_seconds > paused_at + 0.1)
    started = time.monotonic()
    player.stop()
    assert time.monotonic() - started < 0.05 and player.position_seconds == 0.0
    _wait(lambda: sd.streams[1].closed, timeout=5)
    assert player.position_seconds == 0.0
