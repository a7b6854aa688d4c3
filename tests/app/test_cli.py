"""The `autovoice` CLI: convert (single, batch, folder output, errors, exit codes), voices, info, import."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.app import cli, cli_selftest
from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import ModelFormatError
from autovoice_desktop.core.types import VoiceInfo
from autovoice_desktop.engine import world_voice
from autovoice_desktop.engine.sovits import library
from tests.conftest import SINGING_MALE
from tests.f0_metrics import praat_f0

RATE = 16000


def write_vowel(path: Path, f0: float = 140.0, seconds: float = 0.8) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 20))
    sf.write(path, (0.2 * x).astype(np.float32), RATE)
    return path


def median_f0(path: Path, scale: float = 1.0) -> float:
    samples, rate = sf.read(path, dtype="float32")
    f0 = praat_f0(samples, rate, scale)
    return float(np.median(f0[f0 > 0]))


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_vowel(tmp_path / "take one.wav")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_convert_into_a_folder(clip: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(
        ["convert", str(clip), "--voice", "Male → Female", "-o", str(tmp_path / "out")], capsys
    )
    assert code == 0, err
    written = tmp_path / "out" / "take one.male-to-female.wav"
    info = sf.info(written)
    assert info.samplerate == RATE and info.frames == sf.info(clip).frames and info.subtype == "PCM_16"
    assert "100%" in err and "overall" in err and f"wrote {written}" in err
    assert median_f0(written, 2.0) == pytest.approx(140 * 2 ** (9 / 12), rel=0.02)


def test_convert_to_a_file_with_overrides(clip: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "high.flac"
    argv = [
        "convert",
        str(clip),
        "--voice",
        "pitch-formant",
        "--transpose",
        "12",
        "--formant",
        "2",
        "-o",
        str(target),
    ]
    code, _, err = run(argv + ["--f0-method", "dio"], capsys)
    assert code == 0, err
    assert sf.info(target).format == "FLAC"
    assert median_f0(target, 2.0) == pytest.approx(280, rel=0.02)


def test_formant_as_a_ratio() -> None:
    args = cli.build_parser().parse_args(["convert", "a.wav", "-o", "o", "--voice", "x", "--formant", "1.5x"])
    assert args.formant == pytest.approx(12 * np.log2(1.5))
    args = cli.build_parser().parse_args(["convert", "a.wav", "-o", "o", "--voice", "x", "--formant", "-2.5"])
    assert args.formant == -2.5


def test_format_option_for_folder_output(clip: Path, tmp_path: Path, capsys) -> None:
    code, _, _ = run(
        ["convert", str(clip), "--voice", "Higher", "--format", "flac", "-o", str(tmp_path)], capsys
    )
    assert code == 0 and (tmp_path / "take one.higher.flac").is_file()


def test_batch_goes_on_after_failures(tmp_path: Path, capsys) -> None:
    good = [write_vowel(tmp_path / f"good{i}.wav") for i in range(2)]
    (tmp_path / "notes.wav").write_text("this is not audio\n" * 10)
    inputs = [good[0], tmp_path / "notes.wav", tmp_path / "missing.wav", good[1]]
    code, _, err = run(
        ["convert", *map(str, inputs), "--voice", "Deeper", "-o", str(tmp_path / "out")], capsys
    )
    assert code == 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good0.deeper.wav", "good1.deeper.wav"]
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "not an audio file" in errors[0] and "not found" in errors[1]
    assert "converted 2 of 4 files; 2 failed" in err
    assert "Traceback" not in err


def test_existing_output_needs_overwrite(clip: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"keep me")
    code, _, err = run(["convert", str(clip), "--voice", "Robot", "-o", str(target)], capsys)
    assert code == 4 and "already exists" in err and "--overwrite" in err
    assert target.read_bytes() == b"keep me"
    code, _, _ = run(["convert", str(clip), "--voice", "Robot", "-o", str(target), "--overwrite"], capsys)
    assert code == 0 and sf.info(target).frames == sf.info(clip).frames


def test_never_writes_over_the_input(clip: Path, capsys) -> None:
    before = clip.read_bytes()
    code, _, err = run(["convert", str(clip), "--voice", "Robot", "-o", str(clip), "--overwrite"], capsys)
    assert code == 4 and "input" in err
    assert clip.read_bytes() == before


def test_two_inputs_with_the_same_name(tmp_path: Path, capsys) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = write_vowel(tmp_path / "a" / "x.wav"), write_vowel(tmp_path / "b" / "x.wav")
    code, _, err = run(
        ["convert", str(first), str(second), "--voice", "Robot", "-o", str(tmp_path / "o")], capsys
    )
    assert code == 4 and "same file" in err
    assert (tmp_path / "o" / "x.robot.wav").is_file()


def test_unknown_voice(clip: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(["convert", str(clip), "--voice", "Nobody", "-o", str(tmp_path)], capsys)
    assert code == 5 and "no voice named 'Nobody'" in err and '"Male → Female"' in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "extra",
    [
        ["--transpose", "30"],
        ["--transpose", "up"],
        ["--formant", "-20"],
        ["--formant", "3x"],
        ["--formant", "ax"],
        ["--device", "gpu"],
        ["--f0-method", "yin"],
        ["--format", "mp3"],
        ["-o", "x.mp3"],
        ["--format", "flac", "-o", "x.wav"],
    ],
)
def test_bad_command_lines_exit_2(clip: Path, tmp_path: Path, capsys, extra: list[str]) -> None:
    argv = ["convert", str(clip), "--voice", "Robot"]
    argv += extra if "-o" in extra else extra + ["-o", str(tmp_path)]
    if "-o" in extra:
        argv[argv.index("-o") + 1] = str(tmp_path / extra[extra.index("-o") + 1])
    code, _, err = run(argv, capsys)
    assert code == 2 and "error" in err
    assert not list(tmp_path.glob("*.robot.*"))


def test_missing_arguments_exit_2(capsys) -> None:
    assert run(["convert", "x.wav", "-o", "out"], capsys)[0] == 2  # no --voice
    assert run([], capsys)[0] == 2
    assert run(["frobnicate"], capsys)[0] == 2
    assert run(["--help"], capsys)[0] == 0


def test_internal_error_is_one_line_and_logged(
    clip: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(world_voice.WorldVoice, "convert", broken)
    code, _, err = run(["convert", str(clip), "--voice", "Robot", "-o", str(tmp_path / "o")], capsys)
    assert code == 1 and "internal error: RuntimeError: kaboom" in err and "Traceback" not in err
    log_text = (paths.log_dir() / "autovoice.log").read_text()
    assert "Traceback" in log_text and "kaboom" in log_text
    code, _, err = run(
        ["convert", str(clip), "--voice", "Robot", "-o", str(tmp_path / "o"), "--debug"], capsys
    )
    assert code == 1 and "Traceback" in err


def test_voices_lists_builtins_with_parameters(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    imported = VoiceInfo(
        "sovits/alto", "Alto", "sovits", speakers=("a", "b"), details={"sample rate": "44100"}
    )
    monkeypatch.setattr(library, "list_installed", lambda voices_dir: [imported])
    code, out, _ = run(["voices"], capsys)
    assert code == 0
    assert "Male → Female  [male-to-female]" in out and "transpose +9, formant +2.5" in out
    assert "pitch whisper" in out and "pitch flat" in out
    assert "Imported voices:" in out and "Alto" in out and "speakers: a, b" in out
    assert str(paths.voices_dir()) in out


def test_info(clip: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(["info", str(clip)], capsys)
    assert code == 0 and "WAV PCM_16, 16000 Hz, 1 channel(s), 12800 frames, 0.800 s" in out
    (tmp_path / "empty.wav").touch()
    code, out, err = run(["info", str(clip), str(tmp_path / "empty.wav")], capsys)
    assert code == 3 and "file is empty" in err and "12800 frames" in out


def test_import(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_import(source, voices_dir, *, overwrite=False):
        calls.append((source, voices_dir, overwrite))
        return VoiceInfo("sovits/alto", "Alto", "sovits")

    monkeypatch.setattr(library, "import_voice", fake_import)
    code, out, _ = run(["import", str(tmp_path / "alto.zip"), "--overwrite"], capsys)
    assert code == 0 and "imported 'Alto' as sovits/alto" in out
    assert calls == [(tmp_path / "alto.zip", paths.voices_dir(), True)]

    def refuse(source, voices_dir, *, overwrite=False):
        raise ModelFormatError("alto.zip: no config.json", "export the model again")

    monkeypatch.setattr(library, "import_voice", refuse)
    code, _, err = run(["import", str(tmp_path / "alto.zip")], capsys)
    assert code == 5 and err.strip() == "error: alto.zip: no config.json (export the model again)"


def test_self_test_flag_routes_to_the_sub_command(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    def register(subparsers: argparse._SubParsersAction) -> None:
        subparsers.add_parser("self-test").set_defaults(func=lambda args: 42)

    monkeypatch.setattr(cli_selftest, "register", register)
    assert cli.main(["--self-test"]) == 42


def test_entry_point_converts_a_real_recording(tmp_path: Path) -> None:
    """The README's promise: `autovoice convert <recording> --voice "Male → Female" -o folder/`."""
    script = Path(sys.executable).with_name("autovoice")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "autovoice_desktop"]
    result = subprocess.run(
        [*command, "convert", str(SINGING_MALE), "--voice", "Male → Female", "-o", f"{tmp_path}/"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / f"{SINGING_MALE.stem}.male-to-female.wav"
    assert sf.info(written).frames == sf.info(SINGING_MALE).frames
    bad = subprocess.run([*command, "info", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 3 and "Traceback" not in bad.stderr and "folder" in bad.stderr


def test_first_ctrl_c_asks_the_conversion_to_stop_and_a_second_stops_at_once() -> None:
    import os
    import signal
    import threading

    from autovoice_desktop.app.cli import _ctrl_c_cancels

    before = signal.getsignal(signal.SIGINT)
    cancel = threading.Event()
    with pytest.raises(KeyboardInterrupt), _ctrl_c_cancels(cancel):
        os.kill(os.getpid(), signal.SIGINT)
        assert cancel.wait(5)  # first: cooperative, no exception where the conversion happens to be
        os.kill(os.getpid(), signal.SIGINT)  # second: KeyboardInterrupt at once
        for _ in range(1000):  # the handler runs at the next bytecode boundary
            pass
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize(("flags", "half"), [([], True), (["--half"], True), (["--fp32"], False)])
def test_precision_flags(flags: list[str], half: bool) -> None:
    """Half precision is the default; --fp32 asks for the reference's float32 numbers."""
    info = VoiceInfo("sovits/x", "x", "sovits")
    args = cli.build_parser().parse_args(["convert", "in.wav", "--voice", "x", "-o", "o.wav", *flags])
    assert cli._params(args, info).half is half


def test_half_and_fp32_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["convert", "in.wav", "--voice", "x", "-o", "o.wav", "--half", "--fp32"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
