"""Checkpoints in torch's legacy (non-zip, pre-PyTorch 1.6) format are refused unread (issue 14).

A legacy file declares its storage sizes inside its pickle stream and torch allocates what they say while
loading, so they cannot be bounded beforehand the way the zip format's directory can
(`checkpoint_guard.check_archive_sizes`). Every So-VITS-SVC 4.x voice is a zip (torch.save's default since
1.6), so legacy files are refused with a one-line message saying what to do (exit 5), by the scripting API,
the CLI and the window alike; `torch.load` is never reached (the tests make it fail if it is). A control
shows the legacy file is a real checkpoint torch reads, and the zip copy of the same voice still loads.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import ModelFormatError, UnsafeCheckpointError, VoiceError
from autovoice_desktop.engine.sovits.checkpoint import read_checkpoint
from autovoice_desktop.engine.voices import import_voice
from tests.reliability.helpers import assert_clean_failure, run_cli
from tests.reliability.model_corpus import good_voice, legacy_voice, tiny_state_dict

SAYS = "legacy checkpoint format"
#: A storage size far beyond any voice (2**40 floats = 4 TB) written into a crafted legacy file.
HUGE = 1 << 40


def crafted_legacy_voice(folder: Path) -> Path:
    """A legacy voice whose marker tensor's storage declares 2**40 elements (the file holds 4 kB of them)."""
    voice = good_voice(folder, "crafted")
    marker = torch.arange(1000, dtype=torch.float32) + 12345.0
    state = {"model": {**tiny_state_dict(), "dec.marker": marker}, "iteration": 1000}
    path = voice / "G_1000.pth"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    data = path.read_bytes()
    at = data.find(marker.numpy().tobytes())
    assert at > 8 and struct.unpack("<q", data[at - 8 : at]) == (1000,)  # the size field before the data
    path.write_bytes(data[: at - 8] + struct.pack("<q", HUGE) + data[at:])
    return voice


@pytest.fixture
def no_torch_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.load fails the test if it is reached."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("torch.load was called on a legacy-format file")

    monkeypatch.setattr(torch, "load", refuse)


def test_control_the_legacy_file_is_a_real_checkpoint(tmp_path: Path) -> None:
    """Control: torch reads the legacy file (it is not just damaged), and the zip copy loads in AutoVoice."""
    voice = legacy_voice(tmp_path)
    head = (voice / "G_1000.pth").read_bytes()[:4]
    assert not head.startswith(b"PK") and head[:1] == b"\x80"
    loaded = torch.load(voice / "G_1000.pth", weights_only=True)
    assert set(loaded["model"]) == set(tiny_state_dict())
    zipped = good_voice(tmp_path / "zip", "zipped")
    assert set(read_checkpoint(zipped / "G_1000.pth")) >= {k for k in tiny_state_dict() if "enc_q" not in k}


@pytest.mark.parametrize("make", [legacy_voice, crafted_legacy_voice], ids=["legacy", "crafted-huge-size"])
def test_legacy_checkpoint_is_refused_unread(
    make,
    tmp_path: Path,
    no_torch_load: None,
    capsys: pytest.CaptureFixture[str],  # noqa: ANN001
) -> None:
    """API (read, import) and CLI: exit 5, one line naming the format and what to do; nothing installed."""
    voice = make(tmp_path)
    with pytest.raises(UnsafeCheckpointError) as info:
        read_checkpoint(voice / "G_1000.pth")
    message = info.value.user_message()
    assert SAYS in message and "torch.save(torch.load(" in message and "\n" not in message
    assert info.value.exit_code == 5
    with pytest.raises(UnsafeCheckpointError, match=SAYS):
        import_voice(voice)
    result = run_cli(["import", str(voice)], capsys)
    assert_clean_failure(result, 5, SAYS)
    voices = paths.voices_dir()
    assert not voices.exists() or list(voices.iterdir()) == []


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=64), pickled=st.booleans())
def test_no_non_zip_file_reaches_torch_load(tmp_path: Path, body: bytes, pickled: bool) -> None:
    """Any file that is not a zip (a pickle or anything else) is a VoiceError before torch.load."""
    path = tmp_path / "G_1.pth"
    data = (b"\x80" + body) if pickled else body
    if data.startswith(b"PK\x03\x04"):
        data = b"X" + data
    path.write_bytes(data)
    original = torch.load
    try:
        torch.load = _fail  # type: ignore[assignment]  # monkeypatch is function-scoped; hypothesis reruns
        with pytest.raises(VoiceError) as info:
            read_checkpoint(path)
    finally:
        torch.load = original
    expected = UnsafeCheckpointError if data[:1] == b"\x80" else ModelFormatError
    assert isinstance(info.value, expected), info.value


def _fail(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("torch.load was called on a non-zip file")
