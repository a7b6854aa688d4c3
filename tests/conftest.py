"""Test-wide set-up: offscreen Qt, a private AUTOVOICE_HOME per test, the shared test recordings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA_DIR = Path(__file__).parent / "data"
SPEECH_MALE = DATA_DIR / "speech_en_m_librispeech-3436-172162-0000.wav"
SPEECH_FEMALE = DATA_DIR / "speech_en_f_librispeech-1995-1837-0001.wav"
SINGING_MALE = DATA_DIR / "singing_en_m_vocadito-10.wav"
REAL_RECORDINGS = (SPEECH_MALE, SPEECH_FEMALE, SINGING_MALE)


@pytest.fixture(autouse=True)
def autovoice_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings, voices, cache and log folders."""
    home = tmp_path / "autovoice-home"
    monkeypatch.setenv("AUTOVOICE_HOME", str(home))
    return home


pytest_plugins = ["tests.pulse"]
