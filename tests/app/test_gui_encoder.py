"""The content encoder from the window alone: said at import, offered after a failed conversion, downloaded
from a local HTTP server with progress (then offline), or taken from local files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autovoice_desktop.app.encoder import NEEDED_TITLE, attach_encoder
from autovoice_desktop.core.errors import WeightsMissingError
from autovoice_desktop.engine import download
from tests.app.test_cli_weights import mirror  # noqa: F401 - the local HTTP server fixture
from tests.conftest import SPEECH_MALE
from tests.gui.harness import build, convert, open_file


@pytest.fixture
def parts(qtbot: Any, tmp_path: Path) -> Any:
    return build(qtbot, tmp_path / "settings.toml")


def test_import_says_what_the_voice_needs_and_the_download_works_from_the_window(
    qtbot: Any,
    parts: Any,
    tmp_path: Path,
    mirror: str,  # noqa: F811
) -> None:
    encoder = attach_encoder(parts.window, parts.controller)
    encoder.base_url = mirror
    voice = tmp_path / "alto"
    voice.mkdir()
    (voice / "config.json").write_text("{}")
    parts.window.import_voice_requested.emit(str(voice))
    qtbot.waitUntil(encoder.dialog.isVisible, timeout=10000)  # opened right after the import
    assert "378 MB" in encoder.dialog.text.text() and "imported" in encoder.dialog.text.text()
    qtbot.waitUntil(lambda: parts.window.banner.title_label.text() == NEEDED_TITLE, timeout=5000)
    assert "Voice → Content encoder" in parts.window.banner.text_label.text()
    progress: list[float] = []
    encoder.dialog.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(encoder.encoder_ready, timeout=20000) as ready:
        encoder.dialog.download_button.click()
    assert Path(ready.args[0]) == download.find_weights("content-vec-best")
    assert progress and max(progress) == 1000
    assert "ready" in encoder.dialog.text.text() and not parts.window.banner.isVisible()
    assert not encoder.dialog.download_button.isEnabled()
    encoder.dialog.close()


def test_local_folder_is_checked_and_used(qtbot: Any, parts: Any, tmp_path: Path) -> None:
    encoder = attach_encoder(parts.window, parts.controller)
    encoder.open_dialog()
    qtbot.waitUntil(lambda: encoder.status is not None, timeout=10000)
    empty = tmp_path / "empty"
    empty.mkdir()
    encoder.dialog.local_requested.emit(str(empty))
    qtbot.waitUntil(lambda: "config.json" in encoder.dialog.status.text(), timeout=10000)
    qtbot.waitUntil(lambda: encoder.job is None, timeout=5000)
    good = tmp_path / "content-vec-best"
    good.mkdir()
    (good / "config.json").write_text("{}")
    (good / "pytorch_model.bin").write_bytes(b"\x00" * 16)
    with qtbot.waitSignal(encoder.encoder_ready, timeout=10000):
        encoder.dialog.local_requested.emit(str(good))
    assert download.find_weights("content-vec-best") == good.resolve()
    encoder.dialog.close()


def test_a_conversion_that_needs_the_encoder_opens_the_dialog(qtbot: Any, parts: Any) -> None:
    encoder = attach_encoder(parts.window, parts.controller)
    open_file(qtbot, parts, SPEECH_MALE)
    vp = parts.window.voice_panel
    vp.voice_combo.setCurrentIndex(vp.voice_combo.findData("sovits/duet"))
    qtbot.waitUntil(lambda: encoder.status is not None, timeout=10000)
    assert not encoder.dialog.isVisible()  # selecting a voice only says it in the message bar
    parts.bridge.fail_voice_load = WeightsMissingError("the content encoder is not downloaded yet", "x")
    assert convert(qtbot, parts) == "failed"
    qtbot.waitUntil(encoder.dialog.isVisible, timeout=10000)
    assert "conversion could not run" in encoder.dialog.text.text()
    encoder.dialog.close()
