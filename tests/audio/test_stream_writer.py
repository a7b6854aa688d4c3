"""StreamWriter: block-by-block writing that appears atomically and never replaces what it must not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio.stream_writer import StreamWriter
from autovoice_desktop.core.errors import OutputError, OutputExistsError, OutputIsInputError


def test_blocks_are_joined_and_the_file_appears_only_on_commit(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "speech.flac"
    blocks = [np.full(1000, 0.25, np.float32), np.array([2.0, np.nan, -3.0], np.float32)]
    with StreamWriter(target, 16000) as writer:
        for block in blocks:
            writer.write(block)
        assert not target.exists() and len(list(target.parent.glob(".*.part"))) == 1
        assert writer.commit() == target
    data, rate = sf.read(target, dtype="float32")
    assert rate == 16000 and len(data) == 1003
    assert np.allclose(data[:1000], 0.25, atol=1e-4) and np.allclose(data[1000:], [1.0, 0.0, -1.0], atol=1e-4)
    assert list(target.parent.iterdir()) == [target]


def test_leaving_without_commit_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "x.wav"
    with pytest.raises(RuntimeError), StreamWriter(target, 8000) as writer:
        writer.write(np.zeros(100, np.float32))
        raise RuntimeError("cancelled midway")
    assert list(tmp_path.iterdir()) == []


def test_refusals(tmp_path: Path) -> None:
    existing = tmp_path / "old.wav"
    existing.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        StreamWriter(existing, 8000)
    with pytest.raises(OutputIsInputError):
        StreamWriter(existing, 8000, overwrite=True, protected=[existing])
    with pytest.raises(OutputError, match="cannot write '.mp3'"):
        StreamWriter(tmp_path / "x.mp3", 8000)
    with StreamWriter(tmp_path / "empty.wav", 8000) as writer, pytest.raises(OutputError, match="no audio"):
        writer.commit()
    assert existing.read_bytes() == b"keep" and sorted(p.name for p in tmp_path.iterdir()) == ["old.wav"]
    with StreamWriter(existing, 8000, overwrite=True) as writer:
        writer.write(np.zeros(10, np.float32))
        writer.commit()
    assert sf.info(existing).frames == 10
