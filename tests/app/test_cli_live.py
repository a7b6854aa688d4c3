"""`autovoice live` with a fake sounddevice (real time): exit codes, stats JSON, the crash-safe recording."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.app import cli, cli_live
from tests.audio.fakes import FakeSoundDevice


def _voice_like(seconds: float, rate: int = 48000, freq: float = 180.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 9))
    return (0.3 * wave / np.max(np.abs(wave))).astype(np.float32)


def _fake() -> FakeSoundDevice:
    sd = FakeSoundDevice()
    sd.speed = 1.0
    sd.blocksize = 480
    sd.input_signal = _voice_like(4.0)
    return sd


def _no_live_threads() -> bool:
    return not any(t.name == "live-worker" and t.is_alive() for t in threading.enumerate())


def test_live_is_a_cli_command() -> None:
    args = cli.build_parser().parse_args(["live", "--voice", "higher", "--seconds", "1", "--block-ms", "20"])
    assert args.func is cli_live.run_live
    assert args.block_ms == 20.0


def test_live_runs_for_seconds_and_writes_stats_and_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sd = _fake()
    stats_path, record = tmp_path / "stats.json", tmp_path / "live.wav"
    args = cli.build_parser().parse_args(
        [
            "live",
            "--voice",
            "higher",
            "--seconds",
            "2.5",
            "--stats-json",
            str(stats_path),
            "--record",
            str(record),
        ]
    )
    assert cli_live.run_live(args, sd=sd) == 0
    stats = json.loads(stats_path.read_text())
    assert set(stats) == {"blocks", "dropouts", "latency_ms", "compute_ms"}
    assert stats["blocks"] > 5  # the automatic block may grow on a busy machine
    assert set(stats["compute_ms"]) == {"median", "p99", "max"}
    assert 10 < stats["latency_ms"] < 2000
    data, rate = sf.read(str(record), dtype="float32")
    assert rate == 48000 and len(data) > rate and np.isfinite(data).all()
    assert np.max(np.abs(data)) > 0.05  # the converted voice, not silence
    assert not list(tmp_path.glob("*.partial.wav"))
    played = sd.played_audio()
    assert np.isfinite(played).all()  # every output buffer was filled (the fake pre-fills NaN)
    assert "Live: 'Fake Mic' -> Higher -> 'Fake Speaker'" in capsys.readouterr().err
    assert _no_live_threads()


def test_device_loss_ends_with_a_message_and_exit_6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sd = _fake()
    sd.lose_after_blocks = 50
    args = cli.build_parser().parse_args(["live", "--voice", "deeper", "--seconds", "20"])
    assert cli_live.run_live(args, sd=sd) == 6
    assert "stopped (disconnected" in capsys.readouterr().err
    assert _no_live_threads()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--voice", "no such voice"], 5),
        (["--voice", "higher", "--input", "no such mic"], 6),
        (["--voice", "higher", "--record", "{tmp}/x.mp3"], 4),
        (["--voice", "higher", "--record", "{tmp}/missing/x.wav"], 4),
        (["--voice", "higher", "--seconds", "-1"], 4),
    ],
)
def test_bad_inputs_exit_with_their_code(tmp_path: Path, argv: list[str], code: int) -> None:
    argv = [part.replace("{tmp}", str(tmp_path)) for part in argv]
    args = cli.build_parser().parse_args(["live", *argv])
    assert cli_live.run_live(args, sd=_fake()) == code
    assert _no_live_threads()


def test_a_record_file_that_cannot_be_created_closes_the_devices(tmp_path: Path) -> None:
    partial = tmp_path / "live.partial.wav"
    partial.write_bytes(b"taken")  # TakeFile opens with "x": the partial name is already there
    sd = _fake()
    args = cli.build_parser().parse_args(
        ["live", "--voice", "higher", "--record", str(tmp_path / "live.wav")]
    )
    assert cli_live.run_live(args, sd=sd) == 4
    assert all(stream.closed for stream in sd.streams)
    assert _no_live_threads()


def test_the_last_line_names_the_dropouts_causes() -> None:
    stats = {"blocks": 120, "dropouts": 3, "latency_ms": 95}
    causes = {"late_block": 2, "device_underflow": 0, "input_overflow": 1, "worker_behind": 0}
    line = cli_live.stop_line(stats, causes)
    assert line == "stopped: 120 blocks, 3 dropouts (late block 2, input overflow 1), latency about 95 ms"
    quiet = cli_live.stop_line({**stats, "dropouts": 0}, dict.fromkeys(causes, 0))
    assert quiet == "stopped: 120 blocks, 0 dropouts, latency about 95 ms"
