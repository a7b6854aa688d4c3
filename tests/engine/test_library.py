"""Installed voices: import (folder, zip), refusals (zip-slip, symlinks, size, duplicates), list, load."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.core.errors import (
    ModelFormatError,
    UnknownSpeakerError,
    VoiceError,
    VoiceNotFoundError,
    WeightsMissingError,
)
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.sovits.library import (
    import_voice,
    list_installed,
    load_installed,
    pick_checkpoint,
)
from autovoice_desktop.engine.sovits.voice import SovitsVoice, release_content_encoders
from tests.engine.content_helpers import save_content_vec_best, tiny_reference
from tests.engine.sovits_helpers import write_voice


@pytest.fixture(scope="module")
def voice_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_voice(tmp_path_factory.mktemp("src") / "My Voice", step=100)
    write_voice(folder, step=2000, seed=1)  # newer step: must be the one chosen
    (folder / "D_2000.pth").write_bytes(b"discriminator, never read")
    (folder / "kmeans_10000.pt").write_bytes(b"cluster model")
    (folder / "notes.txt").write_text("not copied")
    return folder


def zip_folder(folder: Path, dest: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, prefix + p.name)
    return dest


def test_pick_checkpoint_prefers_highest_step(tmp_path: Path) -> None:
    for name in ("G_900.pth", "G_10000.pth", "G_2000.pth", "D_99999.pth"):
        (tmp_path / name).write_bytes(b"x")
    assert pick_checkpoint(tmp_path).name == "G_10000.pth"
    other = tmp_path / "other"
    other.mkdir()
    (other / "model.pth").write_bytes(b"x")
    (other / "D_1.pth").write_bytes(b"x")
    assert pick_checkpoint(other).name == "model.pth"


def test_import_folder_list_and_load(voice_src: Path, tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    info = import_voice(voice_src, voices)
    assert info.voice_id == "sovits/My Voice" and info.kind == "sovits"
    assert sorted(p.name for p in (voices / "My Voice").iterdir()) == [
        "G_2000.pth",
        "config.json",
        "kmeans_10000.pt",
    ]
    assert info.speakers == ("alice", "bob") and info.sample_rate == 16000
    assert info.details["encoder"] == "vec256l9" and info.details["ssl_dim"] == "256"
    assert info.details["checkpoint"] == "G_2000.pth" and "So-VITS-SVC" in info.details["version"]
    assert not [p for p in voices.iterdir() if p.name.startswith(".")]  # no temp folder left
    (voices / "broken").mkdir()
    (voices / "broken" / "config.json").write_text("{}")
    assert list_installed(voices) == [info]
    voice = load_installed(info, device="cpu")
    assert isinstance(voice, SovitsVoice) and voice.model().device == "cpu"


def test_import_zip_with_nested_folder(voice_src: Path, tmp_path: Path) -> None:
    archive = zip_folder(voice_src, tmp_path / "packed.zip", prefix="inner/dir/")
    info = import_voice(archive, tmp_path / "voices")
    assert info.name == "packed" and (tmp_path / "voices" / "packed" / "G_2000.pth").is_file()


def test_import_twice_needs_overwrite(voice_src: Path, tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    import_voice(voice_src, voices)
    marker = voices / "My Voice" / "config.json"
    before = marker.read_bytes()
    with pytest.raises(VoiceError, match="already installed") as err:
        import_voice(voice_src, voices)
    assert "overwrite" in (err.value.hint or "")
    assert marker.read_bytes() == before
    (voices / "My Voice" / "stale.pt").write_bytes(b"x")
    import_voice(voice_src, voices, overwrite=True)
    assert not (voices / "My Voice" / "stale.pt").exists()


@pytest.mark.parametrize("evil", ["../escape.txt", "/abs/path.txt", "a/../../escape.txt", "C:/win.txt"])
def test_zip_slip_is_refused(voice_src: Path, tmp_path: Path, evil: str) -> None:
    archive = zip_folder(voice_src, tmp_path / "evil.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(evil, "pwned")
    voices = tmp_path / "deep" / "voices"
    with pytest.raises(ModelFormatError, match="unsafe path"):
        import_voice(archive, voices)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "deep" / "escape.txt").exists()
    assert not voices.exists() or not list(voices.iterdir())


def test_zip_symlink_is_refused(voice_src: Path, tmp_path: Path) -> None:
    archive = zip_folder(voice_src, tmp_path / "link.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        info = zipfile.ZipInfo("config_link.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ModelFormatError, match="symbolic link"):
        import_voice(archive, tmp_path / "voices")


def test_zip_too_big_is_refused(voice_src: Path, tmp_path: Path) -> None:
    archive = zip_folder(voice_src, tmp_path / "big.zip")
    with pytest.raises(ModelFormatError, match="more than"):
        import_voice(archive, tmp_path / "voices", max_bytes=10_000)
    assert not list((tmp_path / "voices").iterdir())


def test_invalid_voices_are_refused_and_leave_nothing(voice_src: Path, tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelFormatError, match="no So-VITS-SVC voice"):
        import_voice(empty, voices)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_bytes((voice_src / "config.json").read_bytes())
    (broken / "G_1.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(VoiceError):  # ModelFormatError or UnsafeCheckpointError, as the loader decides
        import_voice(broken, voices)
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    raw = json.loads((voice_src / "config.json").read_text())
    raw["model"]["ssl_dim"] = 768  # vec768l12 config with 256-wide weights: a strict load names the key
    (wrong / "config.json").write_text(json.dumps(raw))
    (wrong / "G_1.pth").write_bytes((voice_src / "G_2000.pth").read_bytes())
    with pytest.raises(ModelFormatError, match="pre.weight"):
        import_voice(wrong, voices)
    (tmp_path / "note.txt").write_text("x")
    with pytest.raises(ModelFormatError, match="neither a folder nor a zip"):
        import_voice(tmp_path / "note.txt", voices)
    with pytest.raises(VoiceNotFoundError):
        import_voice(tmp_path / "missing", voices)
    assert not [p for p in voices.iterdir()]


def test_load_after_removal(voice_src: Path, tmp_path: Path) -> None:
    info = import_voice(voice_src, tmp_path / "voices")
    for p in Path(info.path).iterdir():
        os.remove(p)
    with pytest.raises(VoiceNotFoundError):
        load_installed(info)


def test_voice_converts_and_reuses_models(
    voice_src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = import_voice(voice_src, tmp_path / "voices")
    voice = load_installed(info, device="cpu")
    monkeypatch.delenv("AUTOVOICE_CONTENT_ENCODER", raising=False)
    audio = (0.3 * np.sin(2 * np.pi * 200 * np.arange(12000) / 16000)).astype(np.float32)
    with pytest.raises(WeightsMissingError, match="content encoder") as err:
        voice.convert(audio, 16000, ConversionParams())
    assert "download-weights" in (err.value.hint or "")
    enc = save_content_vec_best(tmp_path / "cvb", *tiny_reference(seed=4, proj_dim=256))
    monkeypatch.setenv("AUTOVOICE_CONTENT_ENCODER", str(enc))
    seen: list[str] = []
    params = ConversionParams(speaker="bob", transpose=3, seed=11, device="cpu")
    first = voice.convert(audio, 16000, params, progress=lambda f, s: seen.append(s))
    model = voice.model()
    second = voice.convert(audio, 16000, params)
    assert voice.model() is model  # loaded once, reused
    assert first.audio.size == audio.size and first.sample_rate == 16000 and first.device == "cpu"
    np.testing.assert_array_equal(first.audio, second.audio)
    assert "Synthesis" in seen
    with pytest.raises(UnknownSpeakerError):
        voice.convert(audio, 16000, ConversionParams(speaker="carol", device="cpu"))
    with pytest.raises(VoiceError, match="F0 method"):
        voice.convert(audio, 16000, ConversionParams(f0_method="crepe", device="cpu"))
    voice.release()
    third = voice.convert(audio, 16000, params)  # reloads after release
    np.testing.assert_array_equal(first.audio, third.audio)
    release_content_encoders()


def test_default_f0_method_by_device() -> None:
    from autovoice_desktop.engine.sovits.voice import default_f0_method

    assert default_f0_method("cpu") == "dio"
    assert default_f0_method("cuda:0") == "fcpe"  # torchfcpe is installed in the test environment
