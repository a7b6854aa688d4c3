"""Importing voices: hostile zips, broken and foreign models, importing twice (API and `autovoice import`).

After every refusal the voices folder holds no voice and no temporary folder, and no file appeared anywhere
outside it (the whole test folder is scanned before and after).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import VoiceError
from autovoice_desktop.engine.sovits import library
from autovoice_desktop.engine.voices import import_voice, list_voices
from tests.reliability.helpers import assert_clean_failure, run_cli
from tests.reliability.model_corpus import (
    HOSTILE,
    MODEL_CASES,
    ModelCase,
    files_outside,
    good_voice,
    marker_of,
    rvc_model,
    zip_bomb,
    zip_with_absolute_path,
    zip_with_dot_member,
    zip_with_name_clash,
    zip_with_parent_paths,
    zip_with_symlink,
)


def _snapshot(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _assert_nothing_installed(voices_dir: Path) -> None:
    left = sorted(p.name for p in voices_dir.iterdir()) if voices_dir.exists() else []
    assert left == [], f"the voices folder holds {left} after a refused import"


def test_good_folder_and_zip_import(tmp_path: Path) -> None:
    """Baseline: the corpus' good voice imports from a folder and from a zip, and is listed."""
    voices_dir = paths.voices_dir()
    voice = good_voice(tmp_path / "src", "Ma voix été")
    info = import_voice(voice)
    assert info.kind == "sovits" and Path(info.path or "").parent == voices_dir
    archive = shutil.make_archive(str(tmp_path / "zipped voice"), "zip", voice.parent, voice.name)
    info_zip = import_voice(Path(archive))
    assert {v.voice_id for v in list_voices()} >= {info.voice_id, info_zip.voice_id}


@pytest.mark.parametrize(
    "make",
    [zip_with_parent_paths, zip_with_absolute_path, zip_with_symlink],
    ids=["dot-dot", "absolute", "symlink"],
)
def test_hostile_zip_is_refused_and_writes_nothing_outside(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Zip-slip (../), absolute paths and symlinks: refused before anything is written."""
    source = make(tmp_path)
    voices_dir = tmp_path / "voices"
    before = _snapshot(tmp_path)
    with pytest.raises(VoiceError) as info:
        import_voice(source, voices_dir=voices_dir)
    assert "refused" in info.value.user_message()
    assert files_outside(tmp_path, voices_dir, before) == []
    _assert_nothing_installed(voices_dir)
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not (tmp_path / "absolute-target.txt").exists()


@pytest.mark.parametrize("make", [zip_with_dot_member, zip_with_name_clash], ids=["dot-member", "name-clash"])
def test_malformed_zip_is_refused_cleanly(make, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """A member named "." or a file/folder name clash: a one-line refusal (exit 5), not an internal error."""
    source = make(tmp_path)
    result = run_cli(["import", str(source)], capsys)
    assert_clean_failure(result, 5)
    _assert_nothing_installed(paths.voices_dir())


def test_zip_bomb_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    """A zip expanding past the size limit is refused, nothing written. The limit is lowered to 16 MB here
    through import_voice's max_bytes (the default is MAX_IMPORT_BYTES, 4 GB: too slow to build in a test)."""
    source = zip_bomb(tmp_path, 64 * 2**20)
    assert source.stat().st_size < 2**20
    voices_dir = tmp_path / "voices"
    before = _snapshot(tmp_path)
    with pytest.raises(VoiceError) as info:
        library.import_voice(source, voices_dir, max_bytes=16 * 2**20)
    assert "refused" in info.value.user_message()
    assert files_outside(tmp_path, voices_dir, before) == []
    _assert_nothing_installed(voices_dir)


def test_zip_bomb_with_a_lying_header_is_refused(tmp_path: Path) -> None:
    """The same bomb with the entry's declared size rewritten to 1 KiB in both headers: still refused."""
    source = zip_bomb(tmp_path, 64 * 2**20)
    with zipfile.ZipFile(source) as archive:
        entry = archive.getinfo("voice/zeros.bin")
    data = bytearray(source.read_bytes())
    real = (64 * 2**20).to_bytes(8, "little")
    fake = (1024).to_bytes(8, "little")
    count = 0
    start = 0
    while (at := data.find(real, start)) >= 0:  # zip64 extra fields of the local and central headers
        data[at : at + 8] = fake
        count += 1
        start = at + 8
    assert count >= 1 and entry.file_size == 64 * 2**20
    source.write_bytes(bytes(data))
    voices_dir = tmp_path / "voices"
    before = _snapshot(tmp_path)
    with pytest.raises(VoiceError):
        library.import_voice(source, voices_dir, max_bytes=16 * 2**20)
    assert files_outside(tmp_path, voices_dir, before) == []
    _assert_nothing_installed(voices_dir)


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c.name)
def test_broken_model_import_is_refused(case: ModelCase, tmp_path: Path) -> None:
    """Every broken/foreign/hostile model is refused at import with the same named error; nothing stays."""
    voice = case.make(tmp_path)
    voices_dir = tmp_path / "voices"
    with pytest.raises(VoiceError) as info:
        import_voice(voice, voices_dir=voices_dir)
    assert isinstance(info.value, case.error), f"{type(info.value).__name__}: {info.value.user_message()}"
    message = info.value.user_message().lower()
    assert all(word in message for word in case.says), message
    _assert_nothing_installed(voices_dir)
    if case.name in HOSTILE:
        assert not marker_of(voice).exists(), "the pickle's code ran during import"


def test_rvc_model_as_distributed_is_named(tmp_path: Path) -> None:
    """An RVC voice as people share it (a .pth and an .index, no config.json): the message says RVC."""
    voice = rvc_model(tmp_path)
    (voice / "config.json").unlink()
    (voice / "added_IVF256_Flat_nprobe_1_v2.index").write_bytes(b"\x00" * 64)
    with pytest.raises(VoiceError) as info:
        import_voice(voice, voices_dir=tmp_path / "voices")
    assert "rvc" in info.value.user_message().lower(), info.value.user_message()


def test_importing_twice_asks_and_never_overwrites_silently(tmp_path: Path) -> None:
    """The second import of the same name is refused (suggesting --overwrite); the first stays intact."""
    voice = good_voice(tmp_path / "src", "twice")
    first = import_voice(voice)
    installed = Path(first.path or "")
    before = {p.name: p.read_bytes() for p in installed.iterdir()}
    changed = good_voice(tmp_path / "src2", "twice")
    (changed / "config.json").write_text(
        (changed / "config.json").read_text(encoding="utf-8").replace('"singer"', '"other"'), encoding="utf-8"
    )
    with pytest.raises(VoiceError) as info:
        import_voice(changed)
    message = info.value.user_message()
    assert "already" in message and "overwrite" in message
    assert {p.name: p.read_bytes() for p in installed.iterdir()} == before
    replaced = import_voice(changed, overwrite=True)
    assert replaced.speakers == ("other",)
    assert sorted(p.name for p in paths.voices_dir().iterdir()) == ["twice"]


# --- through the CLI -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["pickle-runs-code-zip", "truncated-pth", "config-invalid-json", "rvc-model", "sovits-3x-model"]
)
def test_cli_import_broken_model(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice import BROKEN`: exit 5, one error line naming the problem, nothing installed."""
    case = next(c for c in MODEL_CASES if c.name == name)
    voice = case.make(tmp_path)
    result = run_cli(["import", str(voice)], capsys)
    assert_clean_failure(result, 5, case.says[0])
    _assert_nothing_installed(paths.voices_dir())
    if name in HOSTILE:
        assert not marker_of(voice).exists()


def test_cli_import_hostile_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice import slip.zip`: exit 5, "refused", nothing written outside the voices folder."""
    source = zip_with_parent_paths(tmp_path)
    before = _snapshot(tmp_path)
    result = run_cli(["import", str(source)], capsys)
    assert_clean_failure(result, 5, "refused")
    new = files_outside(tmp_path, paths.voices_dir(), before)
    assert [p for p in new if paths.log_dir() not in p.parents] == []  # the log file is the only newcomer


def test_cli_import_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autovoice import` twice: exit 5 and "--overwrite" the second time; with --overwrite it works."""
    voice = good_voice(tmp_path / "src", "cli-twice")
    assert run_cli(["import", str(voice)], capsys).code == 0
    assert_clean_failure(run_cli(["import", str(voice)], capsys), 5, "overwrite")
    assert run_cli(["import", str(voice), "--overwrite"], capsys).code == 0


@pytest.mark.parametrize("damage", ["truncate", "swap-in-hostile-pickle", "delete-config"])
def test_voice_damaged_after_import(damage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An installed voice damaged later (disk error, a planted pickle, a deleted file).

    `voices` still lists the others; converting with the damaged one fails with one line (exit 5); the
    planted pickle's code never runs.
    """
    from tests.reliability.corpus import tone, write_wav
    from tests.reliability.model_corpus import CodeRunner

    installed = Path(import_voice(good_voice(tmp_path / "src", "fragile")).path or "")
    checkpoint = next(installed.glob("*.pth"))
    marker = tmp_path / "CODE-RAN"
    if damage == "truncate":
        checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    elif damage == "swap-in-hostile-pickle":
        import torch

        torch.save({"model": {}, "iteration": CodeRunner(marker)}, checkpoint)
    else:
        (installed / "config.json").unlink()
    listing = run_cli(["voices"], capsys)
    assert listing.code == 0 and "Deeper" in listing.out
    source = write_wav(tmp_path / "in.wav", tone())
    result = run_cli(
        ["convert", str(source), "--voice", "sovits/fragile", "-o", str(tmp_path / "o.wav")], capsys
    )
    assert_clean_failure(result, 5)
    assert not (tmp_path / "o.wav").exists()
    assert not marker.exists()
