"""`autovoice record` / `autovoice devices` handlers with a fake sounddevice: exit codes and kept audio."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.app import cli_audio
from tests.audio.fakes import FakeSoundDevice, PortAudioError


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="autovoice")
    cli_audio.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_record_writes_the_take_at_the_device_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sd = FakeSoundDevice()
    sd.input_signal = (0.5 * np.sin(np.arange(96000) / 9.0)).astype(np.float32)
    out = tmp_path / "take.wav"
    args = _parse("record", "-o", str(out), "--seconds", "0.5")
    assert args.func is cli_audio.run_record
    assert cli_audio.run_record(args, sd=sd) == 0
    data, rate = sf.read(str(out), dtype="float32")
    assert rate == 48000 and len(data) == 24000
    assert np.allclose(data, sd.input_signal[:24000], atol=1e-4)  # 16-bit
    err = capsys.readouterr().err
    assert "Recording from 'Fake Mic' at 48000 Hz" in err and "saved" in err


def test_record_with_device_and_rate(tmp_path: Path) -> None:
    sd = FakeSoundDevice()
    out = tmp_path / "take.flac"
    args = _parse("record", "-o", str(out), "--seconds", "0.2", "--device", "fake mic", "--rate", "16000")
    assert cli_audio.run_record(args, sd=sd) == 0
    assert sf.info(str(out)).samplerate == 16000 and sf.info(str(out)).format == "FLAC"


def test_record_device_lost_saves_what_was_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sd = FakeSoundDevice()
    sd.input_signal = np.full(48000, 0.25, dtype=np.float32)
    sd.lose_after_blocks = 10
    out = tmp_path / "take.wav"
    assert cli_audio.run_record(_parse("record", "-o", str(out), "--seconds", "5"), sd=sd) == 6
    assert sf.info(str(out)).frames == 10 * sd.blocksize
    assert "were saved to" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("sd_setup", "message"),
    [
        (lambda sd: setattr(sd, "devices", []), "no audio microphone"),
        (lambda sd: setattr(sd, "open_error", PortAudioError("Device unavailable")), "busy"),
        (lambda sd: setattr(sd, "supported_rates", {48000}), "does not support 8000 Hz"),
    ],
)
def test_record_device_problems_exit_6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sd_setup, message
) -> None:  # noqa: ANN001
    sd = FakeSoundDevice()
    sd_setup(sd)
    out = tmp_path / "take.wav"
    assert (
        cli_audio.run_record(_parse("record", "-o", str(out), "--seconds", "1", "--rate", "8000"), sd=sd) == 6
    )
    assert message in capsys.readouterr().err and not out.exists()


def test_record_output_problems_exit_4(tmp_path: Path) -> None:
    sd = FakeSoundDevice()
    assert (
        cli_audio.run_record(_parse("record", "-o", str(tmp_path / "take.mp3"), "--seconds", "1"), sd=sd) == 4
    )
    assert (
        cli_audio.run_record(_parse("record", "-o", str(tmp_path / "no" / "t.wav"), "--seconds", "1"), sd=sd)
        == 4
    )
    assert sd.streams == []  # nothing was opened


def test_devices_lists_inputs_and_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    sd = FakeSoundDevice()
    assert cli_audio.run_devices(_parse("devices"), sd=sd) == 0
    out = capsys.readouterr().out
    assert "Input devices:" in out and "Fake Mic" in out and "[default input]" in out
    assert cli_audio.run_devices(_parse("devices", "--json"), sd=sd) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[1]["name"] == "Fake Speaker" and listed[1]["is_default_output"]
