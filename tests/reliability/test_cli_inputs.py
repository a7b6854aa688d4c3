"""The broken-audio corpus through the CLI (`convert`, `info`), in-process and as a real process.

A failure must be one `error:` line with the documented exit code, no traceback, no output file. A success
must write a readable file of the input's duration. A few cases also run as a real process (`python -m
autovoice_desktop`, where C libraries write straight to the terminal), and Ctrl+C is sent to a real
conversion of a 1-hour file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import soundfile as sf

from tests.reliability.corpus import AUDIO_CASES, ONE_SAMPLE, AudioCase, tone, write_wav
from tests.reliability.helpers import (
    BUILTIN_VOICE,
    ROOT,
    assert_clean_failure,
    cli_env,
    leftovers,
    run_cli,
    run_cli_process,
)

FAILING = [c for c in AUDIO_CASES if c.error is not None]
CONVERTING = [c for c in AUDIO_CASES if c.error is None]


def _convert_args(source: Path, out_dir: Path, *extra: str) -> list[str]:
    return ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(out_dir / "result.wav"), *extra]


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.name)
def test_convert_bad_input(case: AudioCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice convert BAD`: exit 3, one error line naming the problem, nothing written."""
    source = case.make(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run_cli(_convert_args(source, out_dir), capsys)
    assert_clean_failure(result, 3, case.says)
    assert leftovers(out_dir) == []


@pytest.mark.parametrize("name", ["missing-file", "text-as-mp3"])
def test_convert_error_names_the_file_once(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error line says which file, once ("error: X: X: not found" reads like a bug)."""
    source = next(c for c in FAILING if c.name == name).make(tmp_path)
    result = run_cli(_convert_args(source, tmp_path / "out"), capsys)
    assert_clean_failure(result, 3)
    assert result.error_lines[0].count(str(source)) == 1, result.error_lines[0]


@pytest.mark.parametrize("case", [c for c in FAILING if c.name != "truncated-mp3"], ids=lambda c: c.name)
def test_info_bad_input(case: AudioCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice info BAD`: exit 3 and the same one-line explanation.

    (`info` reads headers only: a cut MP3 is found when it is decoded, by `convert`.)
    """
    result = run_cli(["info", str(case.make(tmp_path))], capsys)
    assert_clean_failure(result, 3, case.says)


@pytest.mark.parametrize("case", CONVERTING, ids=lambda c: c.name)
def test_convert_difficult_input(case: AudioCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice convert` on unusual but valid audio: exit 0 and a readable file of the same length."""
    source = case.make(tmp_path)
    out_dir = tmp_path / "out"
    result = run_cli(_convert_args(source, out_dir), capsys)
    assert result.code == 0, result.err
    assert "Traceback" not in result.out + result.err
    written = out_dir / "result.wav"
    info = sf.info(str(written))
    assert abs(info.duration - sf.info(str(source)).duration) < 0.01
    assert [p.name for p in leftovers(out_dir)] == ["result.wav"]


def test_convert_one_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A one-sample file: exit 3, "too short", nothing written."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run_cli(_convert_args(ONE_SAMPLE.make(tmp_path), out_dir), capsys)
    assert_clean_failure(result, 3, "too short")
    assert leftovers(out_dir) == []


def test_batch_goes_on_after_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad file in a batch: the good ones are still converted; the exit code reports the failure."""
    good = write_wav(tmp_path / "good.wav", tone())
    bad = FAILING[0].make(tmp_path)
    out_dir = tmp_path / "out"
    result = run_cli(["convert", str(bad), str(good), "--voice", BUILTIN_VOICE, "-o", str(out_dir)], capsys)
    assert result.code == 3
    assert "Traceback" not in result.err
    assert [p.name for p in leftovers(out_dir)] == ["good.deeper.wav"]


def test_existing_output_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The output exists: exit 4, "--overwrite" suggested, old file untouched."""
    source = write_wav(tmp_path / "in.wav", tone())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    old = write_wav(out_dir / "result.wav", tone(f0=300))
    before = old.read_bytes()
    result = run_cli(_convert_args(source, out_dir), capsys)
    assert_clean_failure(result, 4, "--overwrite")
    assert old.read_bytes() == before
    assert leftovers(out_dir) == [old]


def test_output_in_a_folder_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-o under a path that is a file (cannot be created, even by root): exit 4, nothing left."""
    source = write_wav(tmp_path / "in.wav", tone())
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    result = run_cli(["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(blocker / "x.wav")], capsys)
    assert_clean_failure(result, 4)
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


def test_unknown_voice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown voice: exit 5 and the list of voices to choose from."""
    source = write_wav(tmp_path / "in.wav", tone())
    result = run_cli(
        ["convert", str(source), "--voice", "No Such Voice", "-o", str(tmp_path / "o.wav")], capsys
    )
    assert_clean_failure(result, 5, "no voice named")
    assert BUILTIN_VOICE in result.err


# --- as a real process -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["text-as-mp3", "truncated-mp3", "random-bytes-wav", "missing-file", "truncated-data"],
    ids=lambda n: n,
)
def test_process_bad_input(name: str, tmp_path: Path, autovoice_home: Path) -> None:
    """`python -m autovoice_desktop convert BAD` as a process: nothing else on stderr (no library chatter)."""
    case = next(c for c in FAILING if c.name == name)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run_cli_process(_convert_args(case.make(tmp_path), out_dir), autovoice_home)
    assert_clean_failure(result, 3, case.says)
    assert leftovers(out_dir) == []


def test_process_non_ascii_paths(tmp_path: Path, autovoice_home: Path) -> None:
    """Spaces, accents, CJK and emoji in input and output paths, through a real process."""
    case = next(c for c in CONVERTING if c.name == "non-ascii-path")
    source = case.make(tmp_path)
    out_dir = tmp_path / "sortie été 出力"
    result = run_cli_process(
        ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(out_dir / "résultat 🎶.wav")],
        autovoice_home,
    )
    assert result.code == 0, result.err
    assert sf.info(str(out_dir / "résultat 🎶.wav")).frames > 0


_NOBODY_CLI = textwrap.dedent(
    """
    import contextlib, io, json, os, sys
    from autovoice_desktop.app.cli import main
    warm = io.StringIO()
    with contextlib.redirect_stderr(warm), contextlib.redirect_stdout(io.StringIO()):
        assert main(["convert", sys.argv[1], "--voice", sys.argv[3], "-o", sys.argv[4] + "/warm.wav"]) == 0
    os.remove(sys.argv[4] + "/warm.wav")
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["convert", sys.argv[2], "--voice", sys.argv[3], "-o", sys.argv[4] + "/result.wav"])
    print(json.dumps({"code": code, "err": err.getvalue()}))
    """
)


@pytest.fixture
def nobody_sandbox(tmp_path: Path) -> Path:
    """A folder under /tmp that user nobody may enter, removed afterwards."""
    folder = Path("/tmp") / f"autovoice-cli-perm-{os.getpid()}-{tmp_path.name}"
    folder.mkdir(mode=0o755)
    yield folder  # type: ignore[misc]
    for path in sorted(folder.rglob("*"), reverse=True):
        path.chmod(0o700)
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    folder.rmdir()


@pytest.mark.parametrize("where", ["file", "folder"])
def test_cli_no_read_permission(where: str, nobody_sandbox: Path, autovoice_home: Path) -> None:
    """No permission to read the file (or to open its folder): exit 3, "permission denied".

    As root (CI) the CLI is warmed up as root, then the child drops to user nobody before the bad input is
    opened; without root, chmod 000 does it in-process.
    """
    good = write_wav(nobody_sandbox / "good.wav", tone())
    out_dir = nobody_sandbox / "out"
    out_dir.mkdir(mode=0o777)
    out_dir.chmod(0o777)
    if where == "file":
        bad = write_wav(nobody_sandbox / "secret.wav", tone())
        bad.chmod(0o600 if os.geteuid() == 0 else 0)
    else:
        locked = nobody_sandbox / "locked"
        locked.mkdir()
        bad = write_wav(locked / "take.wav", tone())
        locked.chmod(0o700 if os.geteuid() == 0 else 0)
    if os.geteuid() != 0:
        with contextlib.ExitStack():
            from autovoice_desktop.app.cli import main

            code = main(["convert", str(bad), "--voice", BUILTIN_VOICE, "-o", str(out_dir / "result.wav")])
        assert code == 3
        return
    home = nobody_sandbox / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    proc = subprocess.run(
        [sys.executable, "-c", _NOBODY_CLI, str(good), str(bad), BUILTIN_VOICE, str(out_dir)],
        cwd=ROOT,
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    from tests.reliability.helpers import CliResult

    assert_clean_failure(CliResult(report["code"], "", report["err"]), 3, "permission denied")
    assert leftovers(out_dir) == []


@pytest.mark.slow
def test_ctrl_c_during_a_one_hour_conversion(hour_wav: Path, tmp_path: Path, autovoice_home: Path) -> None:
    """Ctrl+C (SIGINT) once the progress shows: exit 130, "cancelled", no output file, within a chunk."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "autovoice_desktop", *_convert_args(hour_wav, out_dir)],
        cwd=ROOT,
        env=cli_env(autovoice_home),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "analysing pitch" in line or "converting" in line:
                break
        assert seen, "no progress was shown"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        latency = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    from tests.reliability.helpers import CliResult

    result = CliResult(proc.returncode, out, "".join(seen) + err)
    assert_clean_failure(result, 130, "cancelled")
    assert latency < 60
    assert leftovers(out_dir) == []


def test_internal_error_is_one_line_and_logged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (an unexpected exception): exit 1, one `error: internal error …` line, the trace in the log."""
    from autovoice_desktop.app import logging_setup
    from autovoice_desktop.engine import voices

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(voices, "find_voice", broken)
    source = write_wav(tmp_path / "in.wav", tone())
    result = run_cli(_convert_args(source, tmp_path / "out"), capsys)
    assert_clean_failure(result, 1, "internal error")
    assert "ZeroDivisionError" in logging_setup.log_file().read_text(encoding="utf-8")
