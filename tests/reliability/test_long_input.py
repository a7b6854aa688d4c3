"""A 1-hour input: progress is reported, cancel works within a chunk, and memory stays bounded.

The file (16 kHz int16 mono, 115 MB) is written block by block. A child process loads it, starts a conversion
with the built-in voice and cancels after a few progress reports; it reports its peak RSS (getrusage), so the
numbers are the process's real memory, not an estimate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.reliability.conftest import HOUR, HOUR_RATE
from tests.reliability.helpers import ROOT

#: Working memory a conversion may use beyond the loaded input while it analyses a 1-hour file.
WORKING_SET_LIMIT = 300 * 2**20

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, threading, time
    from autovoice_desktop.audio.io import load_audio
    from autovoice_desktop.core.errors import ConversionCancelled
    from autovoice_desktop.core.types import ConversionParams, VoiceInfo
    from autovoice_desktop.engine.world_voice import WorldVoice

    def peak_rss():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    audio = load_audio(sys.argv[1])
    after_load = peak_rss()
    cancel, seen, cancelled_at = threading.Event(), [], []

    def progress(fraction, stage):
        seen.append((fraction, stage))
        if len(seen) == 3:
            cancelled_at.append(time.monotonic())
            cancel.set()

    voice = WorldVoice(VoiceInfo("builtin/test", "test", "builtin"))
    try:
        voice.convert(audio.samples, audio.sample_rate, ConversionParams(), progress=progress, cancel=cancel)
        outcome = "finished"
    except ConversionCancelled as exc:
        outcome = "cancelled: " + exc.user_message()
    print(json.dumps({
        "samples": len(audio.samples), "after_load": after_load, "peak": peak_rss(), "outcome": outcome,
        "progress": seen, "cancel_latency": time.monotonic() - cancelled_at[0] if cancelled_at else None,
    }))
    """
)


@pytest.fixture(scope="module")
def hour_report(hour_wav: Path) -> dict[str, object]:
    """Run the child once for all assertions (the file and the run are the expensive part)."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(hour_wav)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_one_hour_loads_whole(hour_report: dict[str, object]) -> None:
    """Every sample of the hour is there."""
    assert hour_report["samples"] == int(HOUR * HOUR_RATE)


@pytest.mark.slow
def test_one_hour_reports_progress_and_cancels_within_a_chunk(hour_report: dict[str, object]) -> None:
    """Progress fractions rise from 0 with a stage name; cancel stops it at the next chunk border."""
    progress = hour_report["progress"]
    assert isinstance(progress, list) and len(progress) == 3
    fractions = [float(f) for f, _stage in progress]
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] < 0.05
    assert all(isinstance(stage, str) and stage for _f, stage in progress)
    assert str(hour_report["outcome"]).startswith("cancelled")
    latency = hour_report["cancel_latency"]
    assert isinstance(latency, float) and latency < 60.0


@pytest.mark.slow
def test_one_hour_conversion_memory_is_bounded(hour_report: dict[str, object]) -> None:
    """While converting, memory beyond the loaded input stays under 300 MB (chunks, not whole-file copies).

    The loaded hour itself is 230 MB of float32; a float64 copy of it would be 460 MB more.
    """
    after_load, peak = int(hour_report["after_load"]), int(hour_report["peak"])  # type: ignore[call-overload]
    working = peak - after_load
    assert working < WORKING_SET_LIMIT, (
        f"converting used {working / 2**20:.0f} MB on top of the loaded input "
        f"(peak RSS {peak / 2**20:.0f} MB, after loading {after_load / 2**20:.0f} MB)"
    )
