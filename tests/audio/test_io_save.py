"""Atomic save: formats and sample types, never over an input or an existing file, disk full, no leftovers."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio.io import SUPPORTED_OUTPUT_SUFFIXES, load_audio, save_audio
from autovoice_desktop.core.errors import DiskFullError, OutputError, OutputExistsError, OutputIsInputError


def tone(seconds: float = 0.25, rate: int = 16000) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * 330 * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


@pytest.mark.parametrize(
    ("name", "subtype", "expected_subtype", "tolerance"),
    [
        ("out.wav", None, "PCM_16", 1e-4),
        ("out.wav", "PCM_24", "PCM_24", 1e-6),
        ("out.wav", "float", "FLOAT", 0.0),
        ("out.flac", None, "PCM_16", 1e-4),
        ("out.FLAC", "PCM_24", "PCM_24", 1e-6),
    ],
)
def test_round_trip(tmp_path: Path, name: str, subtype, expected_subtype: str, tolerance: float) -> None:
    data = tone()
    written = save_audio(tmp_path / name, data, 16000, subtype=subtype)
    assert written == tmp_path / name
    info = sf.info(written)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, expected_subtype)
    np.testing.assert_allclose(load_audio(written).samples, data, atol=tolerance + 1e-7)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_supported_output_suffixes() -> None:
    assert set(SUPPORTED_OUTPUT_SUFFIXES) == {".wav", ".flac"}


@pytest.mark.parametrize(("name", "subtype"), [("out.mp3", None), ("out", None), ("out.flac", "FLOAT")])
def test_unsupported_output_is_refused(tmp_path: Path, name: str, subtype) -> None:
    with pytest.raises(OutputError):
        save_audio(tmp_path / name, tone(), 16000, subtype=subtype)
    assert list(tmp_path.iterdir()) == []


def test_integer_output_is_clipped_not_wrapped(tmp_path: Path) -> None:
    data = np.array([1.5, -1.5, 0.25, 2.0] * 100, dtype=np.float32)
    samples = load_audio(save_audio(tmp_path / "loud.wav", data, 8000)).samples
    assert samples[0] > 0.99 and samples[1] < -0.99 and samples[3] > 0.99
    assert samples[2] == pytest.approx(0.25, abs=1e-4)


def test_non_finite_output_samples_are_silenced(tmp_path: Path) -> None:
    data = tone()
    data[10] = np.nan
    samples = load_audio(save_audio(tmp_path / "x.wav", data, 16000, subtype="FLOAT")).samples
    assert np.all(np.isfinite(samples)) and samples[10] == 0.0


def test_existing_output_is_kept_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="already exists"):
        save_audio(target, tone(), 16000)
    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]
    save_audio(target, tone(), 16000, overwrite=True)
    assert sf.info(target).frames == len(tone())


def test_never_writes_over_an_input(tmp_path: Path) -> None:
    source = tmp_path / "in.wav"
    sf.write(source, tone(), 16000)
    before = source.read_bytes()
    for spelling in (source, tmp_path / "sub" / ".." / "in.wav"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputIsInputError):
            save_audio(spelling, np.zeros(100, np.float32), 16000, overwrite=True, protected=[source])
    link = tmp_path / "link.wav"
    link.symlink_to(source)
    with pytest.raises(OutputIsInputError):
        save_audio(link, np.zeros(100, np.float32), 16000, overwrite=True, protected=[source])
    assert source.read_bytes() == before


def test_creates_missing_output_folders(tmp_path: Path) -> None:
    written = save_audio(tmp_path / "a" / "b" / "out.flac", tone(), 16000)
    assert written.is_file()


def test_disk_full_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(self, data):  # the write starts, then the device fills up
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sf.SoundFile, "write", full_disk)
    with pytest.raises(DiskFullError, match="disk full"):
        save_audio(tmp_path / "out.wav", tone(), 16000)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.wav"
    save_audio(target, tone(), 16000)
    before = target.read_bytes()
    monkeypatch.setattr("os.fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space")))
    with pytest.raises(DiskFullError):
        save_audio(target, np.zeros(4000, np.float32), 16000, overwrite=True)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="not writable"):
        save_audio(tmp_path / "out.wav", tone(), 16000)
    assert list(tmp_path.iterdir()) == []


def test_output_path_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "x.wav").mkdir()
    with pytest.raises(OutputError, match="folder"):
        save_audio(tmp_path / "x.wav", tone(), 16000, overwrite=True)


def test_output_errors_have_exit_code_4(tmp_path: Path) -> None:
    (tmp_path / "out.wav").write_bytes(b"x")
    with pytest.raises(OutputExistsError) as caught:
        save_audio(tmp_path / "out.wav", tone(), 16000)
    assert caught.value.exit_code == 4


def test_wav_pcm16_samples_are_what_libsndfile_writes_from_float(tmp_path: Path) -> None:
    """save_audio converts to int16 itself (faster); the file holds the samples libsndfile's own float
    conversion writes, at the edges of the range and at the rounding boundaries too."""
    rng = np.random.default_rng(5)
    edges = np.array([1.0, -1.0, 0.0, 1e-9, -1e-9, 0.5 / 32768, -0.5 / 32768, 1.5 / 32768, 32767.5 / 32768])
    audio = np.concatenate([edges, rng.uniform(-1, 1, 20000), 0.3 * rng.standard_normal(20000)])
    audio = np.clip(audio, -1, 1).astype(np.float32)
    ours = save_audio(tmp_path / "ours.wav", audio, 44100)
    sf.write(tmp_path / "libsndfile.wav", audio, 44100, subtype="PCM_16")
    assert ours.read_bytes() == (tmp_path / "libsndfile.wav").read_bytes()
    assert sf.info(str(ours)).subtype == "PCM_16"


@pytest.mark.parametrize(("name", "subtype"), [("a.wav", None), ("a.wav", "PCM_24"), ("a.wav", "FLOAT"),
                                               ("a.flac", None), ("a.flac", "PCM_24")])  # fmt: skip
def test_a_file_written_in_blocks_is_the_file_written_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, subtype: str | None
) -> None:
    """save_audio converts and writes WRITE_BLOCK_FRAMES at a time (no file-sized temporaries): the bytes
    are libsndfile's for the whole clipped, finite signal written in one call (NaN/Inf in several blocks)."""
    from autovoice_desktop.audio import io

    monkeypatch.setattr(io, "WRITE_BLOCK_FRAMES", 1000)
    rng = np.random.default_rng(11)
    audio = (0.7 * rng.standard_normal(4500)).astype(np.float32)  # some samples beyond [-1, 1]
    audio[[10, 2500, 4499]] = [np.nan, np.inf, -np.inf]
    ours = save_audio(tmp_path / name, audio, 22050, subtype=subtype)
    whole = np.where(np.isfinite(audio), audio, 0).astype(np.float32)
    if subtype != "FLOAT":
        whole = np.clip(whole, -1.0, 1.0)
    reference = tmp_path / f"reference{Path(name).suffix}"
    if name.endswith(".wav") and subtype is None:
        sf.write(reference, io.pcm16_samples(whole), 22050, subtype="PCM_16")
    else:
        sf.write(reference, whole, 22050, subtype=subtype or "PCM_16")
    assert ours.read_bytes() == reference.read_bytes()
