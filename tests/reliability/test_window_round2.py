"""The window gives the same answers as the CLI for the round-2 voice files (issue 14).

Import through the window's controller on the real EngineBridge: a folder with a linked config.json, a
checkpoint with NaN weights, a decompression bomb and a zip 5,000 folders deep each show a one-line refusal
in the banner (no trace), and nothing is installed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import torch

from autovoice_desktop.core import paths
from autovoice_desktop.workers.engine_bridge import EngineBridge
from tests.gui.harness import Parts, build
from tests.reliability.model_corpus import (
    good_voice,
    legacy_voice,
    save_reference_checkpoint,
    tiny_state_dict,
)


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Parts:  # noqa: ANN001
    """The main window and controller on the real EngineBridge (real importer)."""
    return build(qtbot, tmp_path / "settings.toml", bridge=EngineBridge())


def _linked_config(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "linked")
    real = tmp_path / "elsewhere.json"
    (voice / "config.json").rename(real)
    (voice / "config.json").symlink_to(real)
    return voice


def _nan_weights(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "nan")
    state = tiny_state_dict()
    key = next(iter(k for k in state if k.startswith("dec.")))
    state[key] = torch.full_like(state[key], float("nan"))
    save_reference_checkpoint(voice / "G_1000.pth", state)
    return voice


def _bomb(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "bomb")
    state = tiny_state_dict()
    state["dec.padding"] = torch.zeros(40_000_000)
    plain = save_reference_checkpoint(tmp_path / "plain.pth", state)
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(voice / "G_1000.pth", "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return voice


def _deep_zip(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "deep")
    path = tmp_path / "deep.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(voice / "config.json", "voice/config.json")
        archive.write(voice / "G_1000.pth", "voice/G_1000.pth")
        archive.writestr("d/" * 5000 + "x.txt", b"deep")
    return path


CASES = {
    "linked-config": (_linked_config, "symbolic link"),
    "nan-weights": (_nan_weights, "NaN/infinite"),
    "decompression-bomb": (_bomb, "decompression bomb"),
    "deep-zip": (_deep_zip, "folders deep"),
    "legacy-checkpoint": (lambda tmp_path: legacy_voice(tmp_path / "src"), "legacy checkpoint format"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_window_import_refuses_round2_voice_files(case: str, window: Parts, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """The banner says what the CLI says; one line, no trace; nothing installed."""
    make, says = CASES[case]
    source = make(tmp_path)
    window.window.banner.hide()
    window.controller.import_voice(str(source))
    qtbot.waitUntil(lambda: window.window.banner.isVisible(), timeout=60000)
    text = window.window.banner.text
    assert says in text, text
    assert "Traceback" not in text and "\n" not in text
    voices = paths.voices_dir()
    assert not voices.exists() or [p.name for p in voices.iterdir()] == []


def test_window_import_names_the_links_it_skipped(window: Parts, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Links the import did not follow are named in the window's notice, as the CLI's `warning:` lines do.

    One link has an ESC and a newline in its name: the notice shows them escaped, on one line.
    """
    voice = good_voice(tmp_path / "src", "with-links")
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-BYTES")
    (voice / "notes.txt").symlink_to(secret)
    (voice / "bad\x1b[31m\nname").symlink_to(secret)
    window.window.banner.hide()
    with qtbot.waitSignal(window.controller.voice_imported, timeout=60000):
        window.controller.import_voice(str(voice))
    banner = window.window.banner
    assert banner.isVisible() and banner.property("kind") == "info"
    text = banner.text
    assert "is ready to use" in text and "\n" not in text and "\x1b" not in text, text
    assert "notes.txt is a symbolic link; it was not followed" in text, text
    assert "bad\\x1b[31m\\x0aname is a symbolic link" in text, text
    installed = sorted(p.name for p in (paths.voices_dir() / "with-links").iterdir())
    assert installed == ["G_1000.pth", "config.json"]


def test_window_import_without_links_has_no_skipped_note(window: Parts, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """A folder without links: the notice says only that the voice is ready."""
    voice = good_voice(tmp_path / "src", "plain")
    with qtbot.waitSignal(window.controller.voice_imported, timeout=60000):
        window.controller.import_voice(str(voice))
    assert window.window.banner.text == "“plain” is ready to use."
