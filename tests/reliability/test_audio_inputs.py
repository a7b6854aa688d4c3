"""Every broken audio input of issue 7 through the scripting API: `load_audio` and a built-in voice.

Each case either converts (finite output, same duration, sensible level) or raises the documented
`AudioError` subclass with a one-line message; the CLI side of the same corpus is in test_cli_inputs.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.audio import io as audio_io
from autovoice_desktop.audio.io import load_audio
from autovoice_desktop.core.errors import AudioContentError, AudioPermissionError
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.world_voice import WorldVoice
from tests.reliability.corpus import AUDIO_CASES, ONE_SAMPLE, AudioCase, tone, write_wav
from tests.reliability.helpers import ROOT

FAILING = [c for c in AUDIO_CASES if c.error is not None]
CONVERTING = [c for c in AUDIO_CASES if c.error is None]


@pytest.fixture(scope="module")
def voice() -> WorldVoice:
    """A built-in WORLD voice (the fastest voice there is), a few semitones up."""
    return WorldVoice(VoiceInfo("builtin/test", "test", "builtin"))


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.name)
def test_bad_input_raises_its_typed_error(case: AudioCase, tmp_path: Path) -> None:
    """The loader names what is wrong: the documented class, exit code 3, one line, no raw OSError."""
    path = case.make(tmp_path)
    assert case.error is not None
    with pytest.raises(case.error) as info:
        load_audio(path)
    message = info.value.user_message()
    assert "\n" not in message
    assert case.says in message.lower()
    assert info.value.exit_code == 3


@pytest.mark.parametrize("case", CONVERTING, ids=lambda c: c.name)
def test_difficult_input_converts(case: AudioCase, tmp_path: Path, voice: WorldVoice) -> None:
    """Unusual but valid audio converts: finite samples, same duration, within full scale."""
    loaded = load_audio(case.make(tmp_path))
    assert np.isfinite(loaded.samples).all()
    result = voice.convert(loaded.samples, loaded.sample_rate, ConversionParams(transpose=3.0))
    out = result.audio
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    assert abs(result.duration - loaded.duration) < 0.01
    assert np.max(np.abs(out)) <= 1.0
    rms = float(np.sqrt(np.mean(out.astype(np.float64) ** 2)))
    if case.name == "silence":
        assert rms < 1e-4  # silence in, silence out: no noise invented
    else:
        assert rms > 0.01  # a voiced input gives a voiced output
    if case.name == "dc-offset":
        assert abs(float(np.mean(out))) < 0.05  # the offset is not passed through as a DC step


def test_nan_inf_samples_are_repaired_not_propagated(tmp_path: Path) -> None:
    """NaN/Inf become silence at load time, so one bad sample cannot poison a conversion."""
    case = next(c for c in CONVERTING if c.name == "nan-inf")
    loaded = load_audio(case.make(tmp_path))
    assert np.isfinite(loaded.samples).all()
    assert np.count_nonzero(loaded.samples == 0.0) >= 20


def test_multichannel_192k_is_mixed_to_mono(tmp_path: Path) -> None:
    """8 channels at 192 kHz float: mono, at the file's rate, or resampled on request."""
    case = next(c for c in CONVERTING if c.name == "8ch-192k-float")
    path = case.make(tmp_path)
    loaded = load_audio(path)
    assert loaded.info.channels == 8 and loaded.sample_rate == 192000 and loaded.samples.ndim == 1
    at16k = load_audio(path, target_rate=16000)
    assert at16k.sample_rate == 16000 and abs(len(at16k.samples) - 0.3 * 16000) <= 2


def test_one_sample_is_refused_by_the_voice_with_one_line(tmp_path: Path, voice: WorldVoice) -> None:
    """A single sample loads, but a conversion refuses it clearly (too short), exit code 3."""
    loaded = load_audio(ONE_SAMPLE.make(tmp_path))
    assert len(loaded.samples) == 1
    with pytest.raises(AudioContentError) as info:
        voice.convert(loaded.samples, loaded.sample_rate, ConversionParams())
    assert "too short" in info.value.user_message()
    assert info.value.exit_code == 3


# --- no read permission ----------------------------------------------------------------------------------
# CI runs as root, and root reads a chmod 000 file. The honest test drops privileges: a child process imports
# everything as root, then calls setgid/setuid(nobody) and only then opens the file. Without root, chmod 000
# is enough and the test runs in-process.
_AS_NOBODY = textwrap.dedent(
    """
    import os, sys
    from autovoice_desktop.audio.io import load_audio
    from autovoice_desktop.core.errors import AutoVoiceError
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    assert os.geteuid() == 65534
    try:
        load_audio(sys.argv[1])
    except AutoVoiceError as exc:
        print(type(exc).__name__ + "|" + exc.user_message())
    except BaseException as exc:
        print("UNEXPECTED " + type(exc).__name__ + "|" + str(exc))
    else:
        print("LOADED|")
    """
)


@pytest.fixture
def public_sandbox() -> Iterator[Path]:
    """A folder under /tmp that user nobody may enter (pytest's tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="autovoice-perm-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            path.chmod(0o700)
        shutil.rmtree(folder, ignore_errors=True)


def _load_as_nobody(path: Path) -> tuple[str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    kind, _, message = proc.stdout.strip().partition("|")
    return kind, message


def _unreadable(folder: Path) -> Path:
    path = write_wav(folder / "no-permission.wav", tone())
    path.chmod(0o600 if os.geteuid() == 0 else 0)
    return path


def test_no_read_permission(public_sandbox: Path) -> None:
    """A file the user may not read: AudioPermissionError ("permission denied"), exit code 3."""
    path = _unreadable(public_sandbox)
    if os.geteuid() == 0:
        kind, message = _load_as_nobody(path)
    else:
        with pytest.raises(AudioPermissionError) as info:
            load_audio(path)
        kind, message = type(info.value).__name__, info.value.user_message()
    assert kind == "AudioPermissionError", message
    assert "permission denied" in message


def test_file_in_a_folder_without_permission(public_sandbox: Path) -> None:
    """A file inside a folder the user may not open: a permission error too, not a crash."""
    locked = public_sandbox / "locked"
    locked.mkdir()
    write_wav(locked / "take.wav", tone())
    locked.chmod(0o700 if os.geteuid() == 0 else 0)
    if os.geteuid() == 0:
        kind, message = _load_as_nobody(locked / "take.wav")
    else:
        with pytest.raises(AudioPermissionError) as info:
            load_audio(locked / "take.wav")
        kind, message = type(info.value).__name__, info.value.user_message()
    assert kind == "AudioPermissionError", f"{kind}: {message}"
    assert "permission denied" in message


def test_permission_error_mapping_when_the_os_check_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mapping only (monkeypatched): os.access says yes but reading the header fails with EACCES."""
    path = write_wav(tmp_path / "racy.wav", tone())

    def denied(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(audio_io.sf, "info", denied)
    with pytest.raises(AudioPermissionError):
        load_audio(path)


def test_concurrent_mp3_loads_leave_stderr_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads load MP3s at once (the window loads while a conversion reads): fd 2 must end up restored.

    libmpg123's chatter is hidden by pointing fd 2 at /dev/null around libsndfile calls. The interleaving
    "A hides, B hides, A restores, B restores" is forced here with events; B must not restore A's /dev/null.
    """
    import threading

    first = next(c for c in FAILING if c.name == "text-as-mp3").make(tmp_path)
    second = tmp_path / "second.mp3"
    second.write_bytes(first.read_bytes())
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()

    def fake_info(name: str, *_args: object, **_kwargs: object) -> None:
        if name == str(first):  # thread A: inside; wait until B is inside too, then leave first
            a_inside.set()
            assert b_inside.wait(10)
        else:  # thread B: inside; wait until A has left
            b_inside.set()
            assert a_done.wait(10)
        raise RuntimeError("stop here")

    monkeypatch.setattr(audio_io.sf, "info", fake_info)

    def load(path: Path, done: threading.Event | None) -> None:
        with contextlib.suppress(Exception):  # only fd 2 matters here
            load_audio(path)
        if done is not None:
            done.set()

    before = os.fstat(2)
    saved = os.dup(2)
    try:
        thread_a = threading.Thread(target=load, args=(first, a_done))
        thread_a.start()
        assert a_inside.wait(10)  # A has hidden fd 2 and is inside libsndfile
        thread_b = threading.Thread(target=load, args=(second, None))
        thread_b.start()
        thread_a.join(20)
        thread_b.join(20)
        after = os.fstat(2)
    finally:  # put this test process's stderr back whatever happened
        os.dup2(saved, 2)
        os.close(saved)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino), (
        "fd 2 was left pointing at /dev/null"
    )
