"""The window's error display for the corpus: the real engine bridge, the Open and Import intents.

Each bad file must put a readable message in the window's error banner (the same words as the CLI), never a
traceback, and leave the window usable: a good file opens right after.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autovoice_desktop.workers.engine_bridge import EngineBridge
from tests.gui.harness import Parts, build
from tests.reliability.corpus import AUDIO_CASES, AudioCase, tone, write_wav
from tests.reliability.model_corpus import marker_of, pickle_zip_checkpoint, zip_with_parent_paths

SHOWN = [c for c in AUDIO_CASES if c.error is not None]


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Parts:  # noqa: ANN001
    """The main window and controller on the real EngineBridge (real loader, voices and importer)."""
    return build(qtbot, tmp_path / "settings.toml", bridge=EngineBridge())


def _banner_after(qtbot, parts: Parts, action) -> str:  # noqa: ANN001
    parts.window.banner.hide()
    action()
    qtbot.waitUntil(lambda: parts.window.banner.isVisible(), timeout=30000)
    return f"{parts.window.banner.title_label.text()}: {parts.window.banner.text}"


@pytest.mark.parametrize("case", SHOWN, ids=lambda c: c.name)
def test_bad_audio_shows_a_clear_error_and_the_window_stays_usable(
    case: AudioCase,
    window: Parts,
    qtbot,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    """Open BAD: the banner says what is wrong (no trace); then a good file opens normally."""
    path = case.make(tmp_path)
    text = _banner_after(qtbot, window, lambda: window.controller.open_file(str(path)))
    assert case.says in text.lower(), text
    assert "Traceback" not in text and 'File "' not in text
    qtbot.waitUntil(lambda: window.controller.load_job is None, timeout=30000)
    good = write_wav(tmp_path / "good.wav", tone())
    with qtbot.waitSignal(window.controller.input_loaded, timeout=30000):
        window.controller.open_file(str(good))
    assert window.controller.input_path == str(good)


def test_hostile_voice_import_shows_refusal_and_runs_no_code(window: Parts, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Import a checkpoint whose pickle would run code: "refused" in the banner, marker file absent."""
    voice = pickle_zip_checkpoint(tmp_path)
    text = _banner_after(qtbot, window, lambda: window.controller.import_voice(str(voice)))
    assert "refused" in text, text
    assert not marker_of(voice).exists()


def test_zip_slip_import_shows_refusal(window: Parts, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Import a zip with ../ paths: "refused" in the banner, nothing escaped."""
    source = zip_with_parent_paths(tmp_path)
    text = _banner_after(qtbot, window, lambda: window.controller.import_voice(str(source)))
    assert "refused" in text, text
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_window_tells_when_the_saved_gpu_is_missing(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """Settings from a GPU machine (device "cuda") on a machine without CUDA: CPU, with a visible notice."""
    import torch

    from autovoice_desktop.core.settings import Settings
    from autovoice_desktop.core.types import ConversionParams

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    parts = build(qtbot, tmp_path / "settings.toml", Settings(params=ConversionParams(device="cuda")),
                  bridge=EngineBridge())  # fmt: skip
    qtbot.waitUntil(lambda: parts.window.banner.isVisible(), timeout=30000)
    text = f"{parts.window.banner.title_label.text()}: {parts.window.banner.text}"
    assert "using the CPU" in text, text


def test_export_to_a_full_disk_says_so_and_leaves_no_file(
    window: Parts,
    qtbot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    """Convert with a built-in voice, export onto a (simulated) full disk: "disk full" shown, no file."""
    import errno

    from autovoice_desktop.audio import io as audio_io
    from tests.gui.harness import convert, open_file

    open_file(qtbot, window, write_wav(tmp_path / "in.wav", tone(1.0)))
    assert convert(qtbot, window) == "done"

    def full(target: Path, *_args: object) -> None:
        target.write_bytes(b"RIFF partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audio_io, "_write_samples", full)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    text = _banner_after(qtbot, window, lambda: window.controller.export(str(out_dir / "result.wav")))
    assert "disk full" in text, text
    assert list(out_dir.iterdir()) == []
