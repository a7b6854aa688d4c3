"""Output folders the user may not open or write, and a full disk behind libsndfile's "System error.".

As root (CI) the CLI runs in a child that converts once as root (imports, caches) and then drops to user
nobody before the bad output is used; without root, chmod does it in-process. Every case is an output error
(exit 4) with the reason, found before the conversion starts, and nothing is left in the folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autovoice_desktop.audio import io as audio_io
from autovoice_desktop.audio import output_check
from autovoice_desktop.audio.io import save_audio
from autovoice_desktop.core.errors import DiskFullError, OutputError
from tests.reliability.corpus import tone, write_wav
from tests.reliability.helpers import BUILTIN_VOICE, ROOT, CliResult, assert_clean_failure, cli_env, leftovers

_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, os, sys
    from autovoice_desktop.app.cli import main
    voice, good, warm, outputs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert main(["convert", good, "--voice", voice, "-o", warm]) == 0
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    results = []
    for out in outputs:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["convert", good, "--voice", voice, "-o", out])
        results.append({"code": code, "err": err.getvalue()})
    print(json.dumps(results))
    """
)


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A folder under /tmp that user nobody may enter, removed afterwards."""
    folder = Path("/tmp") / f"autovoice-out-perm-{os.getpid()}-{tmp_path.name}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    yield folder  # type: ignore[misc]
    for path in sorted(folder.rglob("*"), reverse=True):
        path.chmod(0o700)
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    folder.rmdir()


def _outputs(sandbox: Path) -> tuple[list[str], list[Path]]:
    no_enter = sandbox / "no-enter"
    read_only = sandbox / "read-only"
    no_enter.mkdir()
    read_only.mkdir()
    targets = [
        str(no_enter / "result.wav"),  # a file in a folder that cannot be opened
        str(no_enter),  # the folder itself as -o
        str(no_enter / "sub" / "result.wav"),  # a folder to create under it
        str(read_only / "result.wav"),
        str(read_only),
    ]
    return targets, [no_enter, read_only]


def test_output_folder_without_permission_is_exit_4_with_the_reason(sandbox: Path) -> None:
    """Every unusable output folder: exit 4, "permission denied", one line, nothing written."""
    good = write_wav(sandbox / "good.wav", tone())
    good.chmod(0o644)
    targets, folders = _outputs(sandbox)
    if os.geteuid() != 0:
        folders[0].chmod(0)
        folders[1].chmod(0o555)
        from autovoice_desktop.app.cli import main

        results = []
        for out in targets:
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                results.append({"code": main(["convert", str(good), "--voice", BUILTIN_VOICE, "-o", out]),
                                "err": err.getvalue()})  # fmt: skip
    else:
        folders[0].chmod(0o700)
        folders[1].chmod(0o555)
        home = sandbox / "home"
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, BUILTIN_VOICE, str(good), str(home / "warm.wav"), *targets],
            cwd=ROOT, env=cli_env(home), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        results = json.loads(proc.stdout.strip().splitlines()[-1])
    for out, result in zip(targets, results, strict=True):
        assert_clean_failure(CliResult(result["code"], "", result["err"]), 4, "permission denied")
        assert "internal error" not in result["err"], out
    for folder in folders:
        folder.chmod(0o755)
        assert leftovers(folder) == []


def test_api_save_into_a_folder_that_cannot_be_opened(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scripting API: OutputError (4) with the reason, mapped from the OS error (as any user gets it)."""

    def denied(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output_check.tempfile, "mkstemp", denied)
    with pytest.raises(OutputError) as info:
        save_audio(tmp_path / "result.wav", tone(), 16000)
    assert "permission denied" in info.value.user_message() and info.value.exit_code == 4
    assert leftovers(tmp_path) == []


def _system_error_write(target: Path, *_args: object) -> None:
    target.write_bytes(b"RIFF partial")
    raise RuntimeError("System error.")  # what libsndfile says on a real full disk (64 kB tmpfs, by hand)


def test_full_disk_behind_system_error_says_disk_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libsndfile's "System error." with no free space left: the documented disk-full message."""
    monkeypatch.setattr(audio_io, "_write_samples", _system_error_write)
    monkeypatch.setattr(output_check, "disk_is_full", lambda _folder: True)
    monkeypatch.setattr(audio_io, "disk_is_full", lambda _folder: True)
    with pytest.raises(DiskFullError) as info:
        save_audio(tmp_path / "result.wav", tone(), 16000)
    assert "disk full, the file was not written" in info.value.user_message()
    assert leftovers(tmp_path) == []


def test_system_error_with_free_space_is_not_called_disk_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: the same error with space left stays a plain write error (no false "disk full")."""
    monkeypatch.setattr(audio_io, "_write_samples", _system_error_write)
    with pytest.raises(OutputError) as info:
        save_audio(tmp_path / "result.wav", tone(), 16000)
    assert not isinstance(info.value, DiskFullError)
    assert output_check.disk_is_full(tmp_path) is False
