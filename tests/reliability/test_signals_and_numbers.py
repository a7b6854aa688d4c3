"""SIGTERM / SIGHUP behave like Ctrl+C; a signal while the file is finished; numbers and empty paths.

Signals: a real process converting a 10-minute file gets SIGTERM or SIGHUP once progress shows: exit 130,
one `error: cancelled` line, no output and no `.part` file. In-process, the signal is sent from inside the
writer: once (the file is finished whole, `wrote …`, then exit 130, as docs/cli.md says) or twice (it stops
at once, the `.part` file is removed). During an import the temporary folder is removed.
Numbers: any text given to --seed, --transpose, --formant is either a value in range or a usage error (2).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.app.cli import build_parser
from autovoice_desktop.app.cli_types import MAX_SEED
from autovoice_desktop.audio import io as audio_io
from autovoice_desktop.core import paths
from autovoice_desktop.engine.sovits import library
from tests.reliability.corpus import tone, write_long_wav, write_wav
from tests.reliability.helpers import (
    BUILTIN_VOICE,
    ROOT,
    CliResult,
    assert_clean_failure,
    cli_env,
    leftovers,
    run_cli,
)
from tests.reliability.model_corpus import good_voice


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stop_signal_during_a_conversion_cancels_cleanly(
    signum: int, tmp_path: Path, autovoice_home: Path
) -> None:
    """Like Ctrl+C: exit 130, one "cancelled" line, nothing in the output folder (no .part)."""
    source = write_long_wav(tmp_path / "ten minutes.wav", 600.0, 16000)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(out_dir / "result.wav")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "autovoice_desktop", *args],
        cwd=ROOT, env=cli_env(autovoice_home), stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "analysing pitch" in line or "converting" in line:
                break
        assert seen, "no progress was shown"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert_clean_failure(CliResult(proc.returncode, out, "".join(seen) + err), 130, "cancelled")
    assert leftovers(out_dir) == []


def _signalling_writer(times: int):  # noqa: ANN202
    real = audio_io._write_samples

    def write(target: Path, *args: object) -> None:
        target.write_bytes(b"RIFF half a header")
        for _ in range(times):
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, in the middle of writing
        real(target, *args)

    return write


def test_signal_while_the_file_is_finished_keeps_it_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/cli.md: the file being written is finished whole and kept (`wrote …`), then exit 130."""
    source = write_wav(tmp_path / "in.wav", tone())
    monkeypatch.setattr(audio_io, "_write_samples", _signalling_writer(1))
    target = tmp_path / "out" / "result.wav"
    result = run_cli(["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(target)], capsys)
    assert_clean_failure(result, 130, "cancelled")
    assert "wrote" in result.err
    assert sf.info(str(target)).frames == len(tone())
    assert leftovers(target.parent) == [target]


def test_second_signal_while_writing_stops_at_once_and_removes_the_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two signals: KeyboardInterrupt inside the writer; exit 130; no output and no .part left."""
    source = write_wav(tmp_path / "in.wav", tone())
    monkeypatch.setattr(audio_io, "_write_samples", _signalling_writer(2))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run_cli(["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(out_dir / "r.wav")], capsys)
    assert_clean_failure(result, 130, "cancelled")
    assert leftovers(out_dir) == []


def test_sigterm_during_an_import_removes_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM while a voice is validated: exit 130, one line, nothing left in the voices folder."""
    voice = good_voice(tmp_path / "src", "v")

    def validate(*_args: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(library, "_validate", validate)
    before = signal.getsignal(signal.SIGTERM)
    result = run_cli(["import", str(voice)], capsys)
    assert_clean_failure(result, 130, "cancelled")
    assert list(paths.voices_dir().iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before  # handlers are put back


@pytest.mark.parametrize(
    "extra",
    [
        ["--seed", str(2**64)],
        ["--seed", "-1"],
        ["--seed", "9" * 5000],
        ["--seed", "1e3"],
        ["--seed", "nan"],
        ["--transpose", "nan"],
        ["--transpose", "1e999"],
        ["--formant", "infx"],
        ["--formant", "-inf"],
    ],
    ids=lambda e: " ".join(e)[:24],
)
def test_out_of_range_numbers_are_usage_errors(
    extra: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2, argparse's one-line usage error, no traceback."""
    source = write_wav(tmp_path / "in.wav", tone())
    result = run_cli(
        ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(tmp_path / "o.wav"), *extra], capsys
    )
    assert result.code == 2 and "Traceback" not in result.err
    assert "error: argument" in result.err and len(result.err) < 2000
    assert not (tmp_path / "o.wav").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["convert", "IN", "--voice", BUILTIN_VOICE, "-o", ""],
        ["convert", "IN", "--voice", BUILTIN_VOICE, "-o", "   "],
        ["convert", "", "--voice", BUILTIN_VOICE, "-o", "OUT"],
        ["import", ""],
        ["info", ""],
        ["record", "-o", ""],
        ["record", "-o", "OUT", "--rate", "1e99"],
        ["record", "-o", "OUT", "--channels", "0"],
        ["record", "-o", "OUT", "--seconds", "inf"],
    ],
    ids=lambda a: " ".join(a)[:40],
)
def test_empty_paths_and_bad_numbers_are_usage_errors(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o ""` is not "the current folder": exit 2 before anything is read or written."""
    source = write_wav(tmp_path / "in.wav", tone())
    argv = [str(source) if a == "IN" else str(tmp_path / "o.wav") if a == "OUT" else a for a in argv]
    before = sorted(Path.cwd().iterdir())
    result = run_cli(argv, capsys)
    assert result.code == 2 and "Traceback" not in result.err and "error: argument" in result.err
    assert sorted(Path.cwd().iterdir()) == before
    assert not (tmp_path / "o.wav").exists()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    option=st.sampled_from(["--seed", "--transpose", "--formant"]),
    text=st.one_of(
        st.text(max_size=30),
        st.integers(-(2**80), 2**80).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(0, 10).map(lambda v: f"{v}x"),
    ),
)
def test_any_number_text_is_a_value_in_range_or_a_usage_error(option: str, text: str) -> None:
    """The parser alone: never an exception other than argparse's exit 2; accepted values are in range."""
    argv = ["convert", "in.wav", "--voice", "v", "-o", "o.wav", f"{option}={text}"]
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:
            assert exc.code == 2
            return
    if option == "--seed":
        assert 0 <= args.seed <= MAX_SEED
    elif option == "--transpose":
        assert -24 <= args.transpose <= 24
    else:
        assert -12 <= args.formant <= 12
