"""Fixtures shared by the reliability tests: the expensive 1-hour file is written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.corpus import write_long_wav

HOUR = 3600.0
HOUR_RATE = 16000


@pytest.fixture(scope="session")
def hour_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-hour 16 kHz int16 mono WAV (115 MB), written block by block."""
    return write_long_wav(tmp_path_factory.mktemp("long") / "one hour.wav", HOUR, HOUR_RATE)
