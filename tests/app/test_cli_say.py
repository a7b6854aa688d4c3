"""`autovoice say` end to end with the real Piper engine: text and text files, the conversion options shared
with `convert`, errors (no text, empty and huge texts, bad output, missing engine) and their exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.app import cli
from autovoice_desktop.engine.tts import text as tts_text
from tests.f0_metrics import praat_f0

ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "Hello there. This is a short test of the offline voice."


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def median_f0(path: Path) -> float:
    samples, rate = sf.read(path, dtype="float32")
    f0 = praat_f0(samples, rate, 1.0)
    return float(np.median(f0[f0 > 0]))


def test_say_writes_converted_speech_and_honours_transpose(tmp_path: Path, capsys) -> None:
    low, high = tmp_path / "low.wav", tmp_path / "high.flac"
    code, _, err = run(["say", SENTENCE, "--voice", "Pitch & Formant", "-o", str(low)], capsys)
    assert code == 0, err
    assert f"wrote {low}" in err and "first audio after" in err
    code, _, err = run(
        [
            "say",
            SENTENCE,
            "--voice",
            "Pitch & Formant",
            "--transpose",
            "12",
            "--tts-voice",
            "joe",
            "-o",
            str(high),
        ],
        capsys,
    )
    assert code == 0, err
    info = sf.info(high)
    assert info.format == "FLAC" and info.samplerate == 22050 and 2.0 < info.duration < 8.0
    ratio = median_f0(high) / median_f0(low)
    assert 1.7 < ratio < 2.3  # an octave up, as `convert --transpose 12` does
    assert not list(tmp_path.glob(".*.part"))


def test_say_into_a_folder_names_the_file_after_the_text_and_voice(tmp_path: Path, capsys) -> None:
    code, _, err = run(
        ["say", "Good morning, world!", "--voice", "Deeper", "--rate", "1.5", "-o", str(tmp_path / "out")],
        capsys,
    )
    assert code == 0, err
    assert (tmp_path / "out" / "good-morning-world.deeper.wav").is_file()


def test_text_file_gives_numbered_files_and_reports_bad_lines(tmp_path: Path, capsys) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("\ufeffFirst line to speak.\n\nThird line, after a blank one.\n!!!\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(["say", "--text-file", str(lines), "--voice", "Robot", "-o", str(out)], capsys)
    assert code == 2
    assert sorted(p.name for p in out.iterdir()) == ["lines-001.robot.wav", "lines-003.robot.wav"]
    assert "error: line 4: nothing to say" in err and "spoke 2 of 3 lines; 1 failed" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["say", "--voice", "Robot", "-o", "x.wav"], "give the text to speak"),
        (["say", "Hi.", "--text-file", "t.txt", "--voice", "Robot", "-o", "x"], "not both"),
        (["say", "Hi.", "-o", "x.wav"], "--voice and -o/--output are required"),
        (["say", "Hi.", "--voice", "Robot", "-o", "x.mp3"], "cannot write"),
        (["say", "Hi.", "--voice", "Robot", "-o", "x.wav", "--rate", "9"], "rate must be between"),
        (["say", "   ", "--voice", "Robot", "-o", "x.wav"], "nothing to say: the text is empty"),
        (["say", "?!…", "--voice", "Robot", "-o", "x.wav"], "only punctuation or symbols"),
        (["say", "--text-file", "missing.txt", "--voice", "Robot", "-o", "o"], "no such text file"),
    ],
)
def test_bad_requests_are_one_line_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.wav"))


def test_huge_text_is_refused_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text("a " * (tts_text.MAX_TEXT_CHARS // 2 + 1), encoding="utf-8")
    argv = ["say", "--text-file", str(huge), "--voice", "Robot", "-o", str(tmp_path / "o")]
    code, _, err = run(argv, capsys)
    assert code == 2 and "error: line 1: the text is too long (1,000,002 characters" in err
    assert not (tmp_path / "o").exists()
    target = tmp_path / "x.wav"
    too_long = "a" * (tts_text.MAX_TEXT_CHARS + 1)
    code, _, err = run(["say", too_long, "--voice", "Robot", "-o", str(target)], capsys)
    assert code == 2 and "too long" in err and not target.exists()


def test_existing_output_is_kept_without_overwrite(tmp_path: Path, capsys) -> None:
    target = tmp_path / "x.wav"
    target.write_bytes(b"keep me")
    code, _, err = run(["say", "Hi there.", "--voice", "Robot", "-o", str(target)], capsys)
    assert code == 4 and "already exists" in err
    assert target.read_bytes() == b"keep me"


def test_same_conversion_options_as_convert() -> None:
    parser = cli.build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    convert_options = {o for a in subcommands["convert"]._actions for o in a.option_strings}
    convert_options -= {"-o", "--output", "--f0-curve"}  # a pitch curve belongs to one input recording
    say_options = {o for a in subcommands["say"]._actions for o in a.option_strings}
    assert convert_options <= say_options
    assert "--f0-curve" not in say_options
    args = parser.parse_args(["say", "x", "--voice", "v", "-o", "o.wav", "--transpose", "3", "--fp32"])
    assert (args.transpose, args.half, args.rate) == (3.0, False, 1.0)
    assert cli.main(["convert", "a.wav", "-o", "o"]) == 2  # --voice still required there


def test_list_names_the_installed_voices(capsys) -> None:
    code, out, _ = run(["say", "--list"], capsys)
    assert code == 0 and "en_US-joe-medium" in out and "tts-voices" in out


def test_without_the_engine_say_explains_how_to_install_it(tmp_path: Path) -> None:
    """As in the packaged build: piper is hidden like every package the bundle leaves out."""
    env = {**os.environ, "AUTOVOICE_HOME": str(tmp_path / "home")}
    tool = ROOT / "packaging" / "without_excluded.py"
    base = [sys.executable, str(tool), "-m", "autovoice_desktop", "say"]
    result = subprocess.run(
        [*base, "Hello.", "--voice", "Robot", "-o", str(tmp_path / "x.wav")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 5, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: text to speech is not installed (install the optional text-to-speech engine and a voice: "
        'pip install "autovoice-desktop[tts]" (Piper, GPL-3.0; see docs/tts.md))'
    )
    listed = subprocess.run([*base, "--list"], capture_output=True, text=True, timeout=300, env=env)
    assert listed.returncode == 0 and listed.stdout.startswith("Text to speech is not installed: install")
    assert 'pip install "autovoice-desktop[tts]"' in listed.stdout


def test_say_with_a_sovits_voice_writes_at_the_voice_rate(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A So-VITS-SVC voice (tiny, random weights, 16 kHz) converts the 22.05 kHz speech piece by piece."""
    from autovoice_desktop.engine.sovits.voice import release_content_encoders
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference
    from tests.engine.sovits_helpers import write_voice

    folder = write_voice(tmp_path / "Tiny Voice", step=100)
    assert run(["import", str(folder)], capsys)[0] == 0
    encoder = save_content_vec_best(tmp_path / "cvb", *tiny_reference(seed=4, proj_dim=256))
    monkeypatch.setenv("AUTOVOICE_CONTENT_ENCODER", str(encoder))
    target = tmp_path / "tiny.wav"
    argv = [
        "say",
        "Hello there. This is a tiny voice.",
        "--voice",
        "Tiny Voice",
        "--speaker",
        "bob",
        "--seed",
        "3",
        "--device",
        "cpu",
        "-o",
        str(target),
    ]
    code, _, err = run(argv, capsys)
    release_content_encoders()
    assert code == 0, err
    info = sf.info(target)
    assert info.samplerate == 16000 and 1.5 < info.duration < 6.0
    samples, _ = sf.read(target, dtype="float32")
    assert np.all(np.isfinite(samples)) and np.max(np.abs(samples)) > 0


@pytest.mark.parametrize(("options", "method"), [([], "nccf"), (["--f0-method", "harvest"], "harvest")])
def test_a_built_in_voice_analyses_the_speech_with_the_tts_f0_method_unless_one_is_given(
    options: list[str], method: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autovoice_desktop.engine.tts import say

    seen: list[str | None] = []
    real_speak = say.speak

    def recording_speak(*args, **kwargs):
        seen.append(kwargs["params"].f0_method)
        return real_speak(*args, **kwargs)

    monkeypatch.setattr(say, "speak", recording_speak)
    code, _, err = run(
        ["say", "Good morning.", "--voice", "Deeper", *options, "-o", str(tmp_path / "a.wav")], capsys
    )
    assert code == 0, err
    assert seen == [method]
