"""Names that talk to the terminal: speaker, voice and file names are shown escaped, errors stay one line.

A voice folder named with an escape sequence and a config.json whose speakers hold ESC, CR, LF and a bidi
override are listed by `autovoice voices` without one raw control character; a missing input named with a
newline gives one error line; the window shows the speakers escaped but converts with the real names.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.core.text import one_line, printable
from tests.reliability.helpers import BUILTIN_VOICE, assert_clean_failure, run_cli
from tests.reliability.model_corpus import good_voice, tiny_config, write_config

EVIL_SPEAKER = "sing\x1b[2J\x1b]0;pwned\x07er\r\nerror: fake line\u202eevil"
EVIL_FOLDER = "voice\x1b[31mred"
_RAW = ("\x1b", "\x07", "\r", "\u202e")


def _assert_no_raw_controls(text: str) -> None:
    for char in _RAW:
        assert char not in text, repr(text)
    assert "error: fake line" not in text.splitlines()


def _install_evil_voice(tmp_path: Path) -> Path:
    source = good_voice(tmp_path / "src", "evil")
    config = tiny_config()
    config["spk"] = {EVIL_SPEAKER: 0, "plain": 1}
    write_config(source, config)
    target = paths.voices_dir() / EVIL_FOLDER  # placed by hand: import itself would clean the folder name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target)
    return target


def test_voices_lists_hostile_names_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice voices`: the names appear (escaped), not one raw control character, no forged line."""
    _install_evil_voice(tmp_path)
    result = run_cli(["voices"], capsys)
    assert result.code == 0
    _assert_no_raw_controls(result.out + result.err)
    assert "voice\\x1b[31mred" in result.out and "sing\\x1b[2J" in result.out


def test_unknown_speaker_error_is_one_escaped_line(tmp_path: Path) -> None:
    """The error lists the voice's speakers (one holds a newline and ESC): still one line, escaped."""
    from autovoice_desktop.core.errors import UnknownSpeakerError
    from autovoice_desktop.engine.sovits import SovitsModel

    folder = _install_evil_voice(tmp_path)
    model = SovitsModel.load(folder / "G_1000.pth", folder / "config.json", device="cpu")
    with pytest.raises(UnknownSpeakerError) as info:
        model.speaker_id("nobody\nhere")
    line = info.value.user_message()
    _assert_no_raw_controls(line)
    assert "\n" not in line and "sing\\x1b[2J" in line


def test_file_name_with_newline_and_escape_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input named "a\\nerror: fake\\x1b[2J.wav": one error line, the name escaped."""
    bad = tmp_path / "a\nerror: fake line\x1b[2J.wav"
    result = run_cli(["convert", str(bad), "--voice", BUILTIN_VOICE, "-o", str(tmp_path / "o.wav")], capsys)
    assert_clean_failure(result, 3, "file not found")
    _assert_no_raw_controls(result.err)
    assert "\\x0aerror: fake line\\x1b[2J.wav" in result.err


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_printable_never_lets_a_control_character_through(text: str) -> None:
    """Any text: one line, no control/format/separator character, and printable text kept as it is."""
    shown = printable(text)
    assert "\n" not in shown and "\r" not in shown
    for char in shown:
        assert unicodedata.category(char) not in ("Cc", "Zl", "Zp", "Cs") or char == "…"
        assert unicodedata.category(char) != "Cf" or char in "\u200c\u200d"
    if text.isascii() and text.isprintable() and len(text) <= 200:
        assert shown == text


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=100), st.text(max_size=100))
def test_every_error_is_one_line(message: str, hint: str) -> None:
    """AutoVoiceError.user_message is one escaped line whatever the message and hint hold."""
    line = AutoVoiceError(message, hint or None).user_message()
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and line == one_line(line)


def test_window_shows_speakers_escaped_and_converts_with_the_real_name(tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    """The speaker picker shows the escaped name; the parameters carry the real one; the banner escapes."""
    from dataclasses import replace

    from autovoice_desktop.core.types import VoiceInfo
    from tests.gui.harness import build

    parts = build(qtbot, tmp_path / "settings.toml")
    voice = VoiceInfo("sovits/evil", EVIL_FOLDER, "sovits", speakers=(EVIL_SPEAKER, "plain"))
    panel = parts.window.voice_panel
    panel.set_voices([voice], "sovits/evil")
    panel._show_voice(voice)
    panel.set_params(replace(panel.params(), speaker=EVIL_SPEAKER))
    _assert_no_raw_controls(panel.speaker_combo.currentText() + panel.voice_combo.currentText())
    assert panel.params().speaker == EVIL_SPEAKER
    parts.window.banner.show_message("Error", f"this voice has no speaker {EVIL_SPEAKER!r}\nsecond line")
    _assert_no_raw_controls(parts.window.banner.text)
    assert "\n" not in parts.window.banner.text
