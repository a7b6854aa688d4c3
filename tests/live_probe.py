"""Loopback measurement of the live voice changer on the private PulseAudio server (one clock).

A 2-channel null sink ``probe`` gets the fed audio on its left channel (remap sink ``probefeed``) and the
app's output on its right channel (remap sink ``probeout``); the app's input is the remap source ``probemic``
on the left channel of ``probe.monitor``. Recording ``probe.monitor`` in stereo therefore shows each fed
burst and its converted burst on the same sample clock: the delay between them is the mic-to-speaker time.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.pulse import CAPTURE_RATE, PulseServer

PROBE_MODULES = (
    "module-null-sink sink_name=probe rate=48000 channels=2 channel_map=front-left,front-right"
    " sink_properties=device.description=Probe",
    "module-remap-sink sink_name=probefeed master=probe channels=1 channel_map=mono"
    " master_channel_map=front-left remix=no sink_properties=device.description=ProbeFeed",
    "module-remap-sink sink_name=probeout master=probe channels=1 channel_map=mono"
    " master_channel_map=front-right remix=no sink_properties=device.description=ProbeOut",
    "module-remap-source source_name=probemic master=probe.monitor channels=1 channel_map=mono"
    " master_channel_map=front-left remix=no source_properties=device.description=ProbeMic",
)


@contextlib.contextmanager
def probe_devices(pulse: PulseServer) -> Iterator[None]:
    """Load the probe sink/source modules for the block, unload them afterwards."""
    loaded: list[str] = []
    try:
        for module in PROBE_MODULES:
            name, *arguments = module.split(" ")
            loaded.append(pulse.pactl("load-module", name, *arguments).strip())
        yield
    finally:
        for index in reversed(loaded):
            with contextlib.suppress(subprocess.SubprocessError):
                pulse.pactl("unload-module", index)


def burst_signal(
    seconds: float,
    rate: int = CAPTURE_RATE,
    period: float = 0.5,
    length: float = 0.2,
    speech: np.ndarray | None = None,
) -> tuple[np.ndarray, list[int]]:
    """Bursts every `period` s (tone, or slices of `speech` when given) -> (signal (N,), burst starts)."""
    signal = np.zeros(int(seconds * rate), dtype=np.float32)
    starts = []
    n = int(length * rate)
    fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.005 * rate))
    for index, start in enumerate(range(int(0.3 * rate), len(signal) - n, int(period * rate))):
        if speech is not None:
            offset = speech_onset(speech, (index * n) % max(1, len(speech) - 2 * n), n, rate)
            burst = (
                speech[offset : offset + n]
                / max(1e-3, float(np.max(np.abs(speech[offset : offset + n]))))
                * 0.5
            )
        else:
            burst = 0.4 * np.sin(2 * np.pi * 220.0 * np.arange(n) / rate)
        signal[start : start + n] = burst * fade
        starts.append(start)
    return signal, starts


def speech_onset(speech: np.ndarray, offset: int, n: int, rate: int) -> int:
    """The first sample at or after `offset` where a 10 ms frame reaches a quarter of the loudest 10 ms frame
    of the next 2n samples, so that a speech burst starts with speech. A burst that opened with 160 ms of
    breath at RMS 0.005 put its fed onset (2 ms RMS > 0.02) into the breath, which the voice renders below
    that threshold: its "delay" read ~100 ms long although the speech itself was on time."""
    frame = max(1, int(0.01 * rate))
    ahead = speech[offset : offset + 2 * n]
    count = len(ahead) // frame
    if count == 0:
        return offset
    levels = np.sqrt(np.mean(np.square(ahead[: count * frame].reshape(count, frame)), axis=1))
    first = int(np.flatnonzero(levels >= 0.25 * levels.max())[0])
    return offset + first * frame


def onsets(channel: np.ndarray, rate: int, threshold: float) -> np.ndarray:
    """Sample indices where the 2 ms RMS envelope first rises above threshold after >= 100 ms below it."""
    window = max(1, int(0.002 * rate))
    power = np.convolve(np.square(channel.astype(np.float64)), np.ones(window) / window, mode="same")
    above = np.sqrt(power) > threshold
    found = []
    quiet_needed = int(0.1 * rate)
    last_loud = -quiet_needed
    for index in np.flatnonzero(above):
        if index - last_loud >= quiet_needed:
            found.append(int(index))
        last_loud = int(index)
    return np.asarray(found, dtype=np.int64)


def burst_delays(stereo: np.ndarray, rate: int, threshold: float = 0.02) -> tuple[np.ndarray, int]:
    """Delays (s) from each fed burst (left) to the next output onset (right) within 0.4 s; the fed count."""
    fed = onsets(stereo[:, 0], rate, threshold)
    out = onsets(stereo[:, 1], rate, threshold)
    delays = []
    for start in fed:
        later = out[(out >= start) & (out < start + int(0.4 * rate))]
        if len(later):
            delays.append((later[0] - start) / rate)
    return np.asarray(delays), len(fed)


def record_probe(pulse: PulseServer, path: Path) -> subprocess.Popen[bytes]:
    """Start parec on probe.monitor (float32 stereo at CAPTURE_RATE) into path."""
    sink = open(path, "wb")  # noqa: SIM115 - closed by the caller via the process
    return subprocess.Popen(
        [
            "parec",
            "--device=probe.monitor",
            "--format=float32le",
            f"--rate={CAPTURE_RATE}",
            "--channels=2",
            "--latency-msec=20",
        ],
        env=pulse.client_env(),
        stdout=sink,
        stderr=subprocess.DEVNULL,
    )


def play_into_probe(pulse: PulseServer, signal: np.ndarray, folder: Path) -> subprocess.Popen[bytes]:
    """paplay the mono signal into probefeed (the fed side)."""
    wav = folder / f"feed-{time.monotonic_ns()}.wav"
    sf.write(str(wav), signal, CAPTURE_RATE, subtype="FLOAT")
    return subprocess.Popen(
        ["paplay", "--device=probefeed", str(wav)],
        env=pulse.client_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class StallMonitor:
    """A thread that sleeps 2 ms at a time and notes every wake-up later than `threshold_s`.

    A late wake-up means this machine stopped running ordinary processes for that long (another job, disk
    writeback, a virtual machine's stolen time). The PulseAudio server and the app stall with it, and a
    stall longer than the output margin makes one burst late however well the app behaves. Use as a context
    manager; `stalls_ms` lists the stalls seen.
    """

    def __init__(self, threshold_s: float = 0.04) -> None:
        self.threshold_s = threshold_s
        self.stalls_ms: list[float] = []
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-monitor", daemon=True)

    def __enter__(self) -> StallMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._halt.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        step = 0.002
        last = time.monotonic()
        while not self._halt.wait(step):
            now = time.monotonic()
            if now - last - step > self.threshold_s:
                self.stalls_ms.append(round(1000 * (now - last - step), 1))
            last = now
