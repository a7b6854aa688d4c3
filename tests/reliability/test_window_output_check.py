"""The window checks an output folder as `autovoice convert` does, and says the same sentence (issue 14).

Batch convert into a folder that cannot be written: the batch does not start, nothing is converted, and the
dialog shows the CLI's error line word for word. Saving one result (File → Save) goes through `save_audio`,
which runs the same check: the banner shows the same sentence. Permission is simulated by making the check's
temporary file raise PermissionError (root ignores permission bits; the real thing, as user nobody, is
`test_output_folder_without_permission_is_exit_4_with_the_reason`); a folder blocked by a file is real.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from autovoice_desktop.app.batch import attach_batch
from autovoice_desktop.audio import output_check
from tests.conftest import SPEECH_MALE
from tests.gui.harness import build
from tests.reliability.helpers import BUILTIN_VOICE, leftovers, run_cli


def _denied(*_args: object, **_kwargs: object) -> None:
    raise PermissionError(13, "Permission denied")


def _blocked(tmp_path: Path, _monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "blocker").write_bytes(b"a file where the folder should be")
    return tmp_path / "blocker" / "out"


def _not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(output_check.tempfile, "mkstemp", _denied)
    return out


CASES = {
    "blocked-by-a-file": (_blocked, "is a file, not a folder"),
    "not-writable": (_not_writable, "folder is not writable (permission denied)"),
}


def _cli_error(folder: Path, source: Path, capsys: pytest.CaptureFixture[str]) -> str:
    result = run_cli(["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(folder / "a.wav")], capsys)
    assert result.code == 4, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.err
    return lines[0].removeprefix("error: ")


@pytest.mark.parametrize("case", list(CASES))
def test_batch_into_an_unusable_folder_says_what_the_cli_says(
    case: str, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    make, says = CASES[case]
    source = tmp_path / "a.wav"
    shutil.copy(SPEECH_MALE, source)
    folder = make(tmp_path, monkeypatch)
    expected = _cli_error(folder, source, capsys)
    assert says in expected
    parts = build(qtbot, tmp_path / "settings.toml")
    batch = attach_batch(parts.window, parts.controller)
    batch.dialog.add_paths([str(source)])
    batch.dialog.set_folder(str(folder))
    batch.dialog.start_button.click()
    assert batch.job is None  # nothing started
    assert batch.dialog.summary.text() == expected
    assert parts.window.voice_panel.isEnabled()
    if folder.exists():
        assert leftovers(folder) == []
    batch.dialog.close()


def test_save_into_an_unusable_folder_says_what_the_cli_says(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """File → Save into a folder that cannot be written: the banner has the CLI's sentence; no file."""
    source = tmp_path / "a.wav"
    shutil.copy(SPEECH_MALE, source)
    parts = build(qtbot, tmp_path / "settings.toml")
    with qtbot.waitSignal(parts.controller.input_loaded, timeout=30000):
        parts.controller.open_file(str(source))
    with qtbot.waitSignal(parts.controller.conversion_ended, timeout=60000):
        parts.controller.convert()
    folder = _not_writable(tmp_path, monkeypatch)
    expected = _cli_error(folder, source, capsys)
    parts.window.banner.hide()
    parts.controller.export(str(folder / "a.wav"))
    qtbot.waitUntil(lambda: parts.window.banner.isVisible(), timeout=30000)
    assert parts.window.banner.property("kind") == "error"
    assert parts.window.banner.text == expected
    assert leftovers(folder) == []
