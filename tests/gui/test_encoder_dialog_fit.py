"""The content-encoder dialog grows to its wrapped text: it was shown while "Checking…" and kept that size, so
the explanation of what the download is and costs was cut off after two lines."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from autovoice_desktop.gui.dialogs.encoder_dialog import EncoderDialog


def _fits(label: QLabel) -> bool:
    return label.height() >= label.heightForWidth(label.width())


def _label_fits(dialog: EncoderDialog) -> bool:
    return _fits(dialog.text) and dialog.text.geometry().bottom() < dialog.height()


def test_the_text_is_never_cut_off(qtbot: Any) -> None:
    dialog = EncoderDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.show_needed(
        "ContentVec (content-vec-best, transformers layout; used by so-vits-svc-fork)",
        378,
        "MIT licence",
        "https://huggingface.co/lengyue233/content-vec-best",
        "The voice was imported; to convert with it, one more download is needed.",
    )
    qtbot.waitUntil(lambda: _label_fits(dialog), timeout=3000)
    dialog.resize(1, 1)  # the smallest it can be made still shows all of it
    qtbot.wait(50)
    assert _label_fits(dialog), (dialog.size(), dialog.text.size())
    dialog.show_started()
    dialog.show_progress(0.4, "pytorch_model.bin: 151 of 378 MB " + "and a long stage text " * 4)
    qtbot.wait(50)
    assert _label_fits(dialog) and _fits(dialog.status)
    dialog.show_stopped("Download cancelled. Press Download again to resume where it stopped.")
