"""Files and state: atomic outputs (disk full, read-only folder), settings damage, take recovery."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio import io as audio_io
from autovoice_desktop.audio.io import load_audio, save_audio
from autovoice_desktop.audio.takes import find_unfinished_takes, recover_take
from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import DiskFullError, OutputError, OutputExistsError, OutputIsInputError
from autovoice_desktop.core.settings import SCHEMA_VERSION, Settings
from autovoice_desktop.core.settings_store import load_settings, save_settings
from tests.reliability.corpus import tone, write_wav
from tests.reliability.helpers import ROOT, leftovers


def _full_disk_after(nbytes: int):  # type: ignore[no-untyped-def]
    """A stand-in for audio.io._write_samples that writes `nbytes` real bytes, then fails like a full disk."""

    def write(target: Path, *_args: object) -> None:
        with open(target, "wb") as handle:
            handle.write(b"RIFF" + bytes(nbytes))
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    return write


# --- outputs ---------------------------------------------------------------------------------------------
def test_disk_full_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated ENOSPC in the middle of writing: DiskFullError (exit 4), and the folder stays empty."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.setattr(audio_io, "_write_samples", _full_disk_after(4096))
    with pytest.raises(DiskFullError) as info:
        save_audio(out_dir / "result.wav", tone(), 16000)
    assert "disk full" in info.value.user_message()
    assert info.value.exit_code == 4
    assert leftovers(out_dir) == []


def test_disk_full_from_libsndfile_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """libsndfile reports a full disk as a RuntimeError text, not an errno: still DiskFullError."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def failing_write(target: Path, *_args: object) -> None:
        target.write_bytes(b"RIFF partial")
        raise RuntimeError("Error : No space left on device")

    monkeypatch.setattr(audio_io, "_write_samples", failing_write)
    with pytest.raises(DiskFullError):
        save_audio(out_dir / "result.flac", tone(), 16000)
    assert leftovers(out_dir) == []


def test_disk_full_while_overwriting_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--overwrite and a full disk: the previous file is still there, whole."""
    old = write_wav(tmp_path / "result.wav", tone(f0=300))
    before = old.read_bytes()
    monkeypatch.setattr(audio_io, "_write_samples", _full_disk_after(100))
    with pytest.raises(DiskFullError):
        save_audio(old, tone(), 16000, overwrite=True)
    assert old.read_bytes() == before
    assert leftovers(tmp_path) == [old]


def test_read_only_folder(tmp_path: Path) -> None:
    """A folder the user may not write to: OutputError naming the folder, nothing created.

    CI runs as root, which ignores permission bits; as root the check drops to user nobody in a child
    process (after importing as root), otherwise it uses chmod 555 in-process.
    """
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            with pytest.raises(OutputError) as info:
                save_audio(folder / "result.wav", tone(), 16000)
        finally:
            folder.chmod(0o755)
        assert "not writable" in info.value.user_message()
        assert leftovers(folder) == []
        return
    script = textwrap.dedent(
        """
        import os, sys
        import numpy as np
        from autovoice_desktop.audio.io import save_audio
        from autovoice_desktop.core.errors import AutoVoiceError
        os.setgroups([]); os.setgid(65534); os.setuid(65534)
        try:
            save_audio(sys.argv[1], np.zeros(1600, dtype=np.float32), 16000)
        except AutoVoiceError as exc:
            print(type(exc).__name__ + "|" + exc.user_message())
        except BaseException as exc:
            print("UNEXPECTED " + type(exc).__name__ + "|" + str(exc))
        else:
            print("WRITTEN|")
        """
    )
    folder = Path("/tmp") / f"autovoice-ro-{os.getpid()}-{tmp_path.name}"
    folder.mkdir(mode=0o755)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, str(folder / "result.wav")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        kind, _, message = proc.stdout.strip().partition("|")
        assert kind == "OutputError", proc.stdout + proc.stderr
        assert "not writable" in message
        assert leftovers(folder) == []
    finally:
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()


def test_read_only_file_system_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mapping only (monkeypatched): EROFS when creating the temporary file is 'folder is not writable'."""

    def erofs(*_args: object, **_kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(audio_io.tempfile, "mkstemp", erofs)
    with pytest.raises(OutputError) as info:
        save_audio(tmp_path / "result.wav", tone(), 16000)
    assert "not writable" in info.value.user_message()
    assert leftovers(tmp_path) == []


def test_existing_output_is_never_overwritten_silently(tmp_path: Path) -> None:
    """Without overwrite the old file stays byte for byte; with it, the new audio replaces it."""
    old = write_wav(tmp_path / "song.wav", tone(f0=300))
    before = old.read_bytes()
    with pytest.raises(OutputExistsError) as info:
        save_audio(old, tone(), 16000)
    assert "--overwrite" in info.value.user_message()
    assert old.read_bytes() == before
    save_audio(old, np.zeros(800, dtype=np.float32), 16000, overwrite=True)
    assert sf.info(str(old)).frames == 800


def test_output_may_not_be_the_input(tmp_path: Path) -> None:
    """Writing the result over the input file is refused even with overwrite."""
    source = write_wav(tmp_path / "take.wav", tone())
    before = source.read_bytes()
    with pytest.raises(OutputIsInputError):
        save_audio(source, tone(), 16000, overwrite=True, protected=[source])
    assert source.read_bytes() == before


# --- settings --------------------------------------------------------------------------------------------
def test_corrupt_settings_are_moved_aside(autovoice_home: Path) -> None:
    """Garbage in settings.toml: defaults, a message, and the old file kept as settings.toml.bad-*."""
    path = paths.settings_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00\xff this is [not toml = \n")
    result = load_settings()
    assert result.settings == Settings()
    assert result.message and "could not be used" in result.message
    assert not path.exists()
    assert result.moved_to is not None and result.moved_to.read_bytes().startswith(b"\x00\xff")


def test_future_settings_are_moved_aside(autovoice_home: Path) -> None:
    """A settings file from a newer AutoVoice: defaults, a message naming it, the file kept aside."""
    path = paths.settings_file()
    path.parent.mkdir(parents=True)
    path.write_text(f'schema_version = {SCHEMA_VERSION + 7}\ntheme = "light"\n', encoding="utf-8")
    result = load_settings()
    assert result.settings == Settings()
    assert result.message and "newer AutoVoice" in result.message
    assert result.moved_to is not None and result.moved_to.exists()


def test_unwritable_config_folder_does_not_stop_the_app(autovoice_home: Path) -> None:
    """The config 'folder' is a file (even root cannot create settings in it): a message, no exception."""
    autovoice_home.mkdir(parents=True, exist_ok=True)
    (autovoice_home / "config").write_text("not a folder", encoding="utf-8")
    assert load_settings().settings == Settings()
    message = save_settings(Settings(theme="light"))
    assert message is not None and "could not be saved" in message


# --- recordings ------------------------------------------------------------------------------------------
_KILLED_RECORDER = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    from autovoice_desktop.audio.takes import TakeFile, new_take_path
    take = TakeFile(new_take_path(), 16000, 1)
    block = (0.25 * np.sin(np.arange(1600) * 0.1)).astype(np.float32)
    for _ in range(10):
        take.append(block)
    take.sync()              # 1 s on disk with a valid header
    take.append(block)       # 0.1 s more, header not updated yet
    take._handle.flush()
    print(take.path, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_take_left_by_a_killed_process_is_recovered(autovoice_home: Path) -> None:
    """A recorder killed with SIGKILL mid-take: the next launch finds the take and recovers all of it."""
    env = dict(os.environ, AUTOVOICE_HOME=str(autovoice_home))
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_RECORDER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    partial = Path(proc.stdout.strip())
    assert find_unfinished_takes() == [partial]
    recovered = recover_take(partial)
    assert not partial.exists() and recovered.exists()
    loaded = load_audio(recovered)
    assert len(loaded.samples) == 11 * 1600  # the unsynced last block is recovered too
    expected = (0.25 * np.sin(np.arange(1600) * 0.1)).astype(np.float32)
    np.testing.assert_allclose(loaded.samples[-1600:], expected, atol=1e-6)
    assert find_unfinished_takes() == []
