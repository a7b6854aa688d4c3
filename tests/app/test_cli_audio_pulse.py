"""`autovoice record` / `autovoice devices` as a user runs them, against the private PulseAudio server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from autovoice_desktop.audio.io import resample
from tests.conftest import SINGING_MALE
from tests.pulse import PulseServer, correlate_aligned

pytestmark = [pytest.mark.audio, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> list[str]:
    """The CLI command line: the full CLI if app/cli.py exists, else the audio commands alone."""
    if (ROOT / "autovoice_desktop" / "app" / "cli.py").exists():
        return [sys.executable, "-m", "autovoice_desktop", *args]
    return [sys.executable, "-m", "autovoice_desktop.app.cli_audio", *args]


def test_devices_command_lists_the_virtual_devices(pulse: PulseServer) -> None:
    result = subprocess.run(_cli("devices"), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Input devices:" in result.stdout and "pulse" in result.stdout
    assert "default input" in result.stdout


def test_record_command_records_the_virtual_microphone(pulse: PulseServer, tmp_path: Path) -> None:
    ref, ref_rate = sf.read(str(SINGING_MALE), dtype="float32")
    out = tmp_path / "take.wav"
    seconds = len(ref) / ref_rate + 3.0
    started = time.monotonic()
    proc = subprocess.Popen(
        _cli("record", "-o", str(out), "--seconds", f"{seconds:.2f}"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "Recording from ..." once audio flows
    ready = time.monotonic() - started
    assert line.startswith("Recording from"), line + proc.stderr.read()
    pulse.feed_mic(SINGING_MALE)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    data, rate = sf.read(str(out), dtype="float32")
    assert abs(len(data) / rate - seconds) < 0.05
    corr, lag, overlap = correlate_aligned(resample(ref, ref_rate, rate), data)
    print(
        f"cli record: ready after {ready:.2f} s, corr={corr:.5f} lag={lag / rate * 1000:.0f} ms rate={rate}"
    )
    assert corr >= 0.95 and overlap >= 0.97


def test_record_command_refuses_to_overwrite(pulse: PulseServer, tmp_path: Path) -> None:
    out = tmp_path / "take.wav"
    out.write_bytes(b"keep me")
    result = subprocess.run(
        _cli("record", "-o", str(out), "--seconds", "1"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4 and "already exists" in result.stderr
    assert out.read_bytes() == b"keep me"
