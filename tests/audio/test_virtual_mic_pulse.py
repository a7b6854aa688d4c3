"""The "AutoVoice Microphone" (null sink + remap source via pactl) on the private PulseAudio server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.audio import virtual_mic
from autovoice_desktop.audio.virtual_mic import SOURCE_DESCRIPTION, SOURCE_NAME, VirtualMicrophone
from tests.pulse import PulseServer

pytestmark = [pytest.mark.audio]
ROOT = Path(__file__).resolve().parents[2]


def _sources(pulse: PulseServer) -> str:
    return pulse.pactl("list", "sources")


def test_create_and_remove(pulse: PulseServer) -> None:
    assert virtual_mic.available()
    microphone = VirtualMicrophone()
    microphone.create()
    try:
        assert microphone.active
        assert SOURCE_DESCRIPTION in _sources(pulse) and SOURCE_NAME in _sources(pulse)
    finally:
        microphone.remove()
    assert SOURCE_NAME not in _sources(pulse)
    microphone.remove()  # twice is fine


def test_stale_ones_are_cleaned_at_the_next_start(pulse: PulseServer) -> None:
    crashed = VirtualMicrophone()
    crashed.create()
    crashed._modules = []  # as if the process died: nobody will unload them
    assert SOURCE_NAME in _sources(pulse)
    again = VirtualMicrophone()
    again.create()  # removes the stale pair first: exactly one AutoVoice Microphone
    try:
        assert _sources(pulse).count(f"Name: {SOURCE_NAME}") == 1
    finally:
        again.remove()
    assert virtual_mic.remove_stale() == 0
    assert SOURCE_NAME not in _sources(pulse)


def test_live_virtual_mic_carries_the_voice_and_is_removed_at_exit(
    pulse: PulseServer, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autovoice_desktop",
            "live",
            "--voice",
            "higher",
            "--seconds",
            "8",
            "--virtual-mic",
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    while line.startswith("ALSA lib"):  # the ALSA pulse plugin's own notes
        line = proc.stderr.readline()
    assert line.startswith("Live:"), line + proc.stderr.read()
    raw = tmp_path / "vmic.raw"
    with open(raw, "wb") as sink:
        recorder = subprocess.Popen(
            ["parec", f"--device={SOURCE_NAME}", "--format=float32le", "--rate=48000", "--channels=1"],
            env=pulse.client_env(),
            stdout=sink,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert SOURCE_DESCRIPTION in _sources(pulse)
            time.sleep(1.5)
            tone = tmp_path / "tone.wav"
            t = np.arange(48000 * 2) / 48000
            wave = sum(np.sin(2 * np.pi * 170 * k * t) / k for k in range(1, 9))
            import soundfile as sf

            sf.write(str(tone), (0.3 * wave / np.max(np.abs(wave))).astype(np.float32), 48000)
            pulse.feed_mic(tone)
        finally:
            _, stderr = proc.communicate(timeout=60)
            recorder.terminate()
            recorder.wait(timeout=10)
    assert proc.returncode == 0, stderr
    recorded = np.fromfile(raw, dtype="<f4")
    assert np.max(np.abs(recorded)) > 0.05  # the converted voice came out of the AutoVoice Microphone
    assert SOURCE_NAME not in _sources(pulse)
