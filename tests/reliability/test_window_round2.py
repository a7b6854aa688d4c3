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
from tests.reliability.model_corpus import good_voice, save_reference_checkpoint, tiny_state_dict


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
