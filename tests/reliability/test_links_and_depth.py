"""Voice folders with symbolic links, and zips with deep paths (issue 14): nothing outside is ever read.

A link where a voice file must be (config.json, the checkpoint, a cluster model) is refused (exit 5); any
other link is skipped with a warning; a linked sub-folder is never entered. The secret file the links point to
never reaches the voices folder. A zip entry thousands of folders deep is refused (exit 5), not an internal
error, and the log stays within its size limit.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.app import logging_setup
from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import ModelFormatError, VoiceError
from autovoice_desktop.engine.sovits import import_scan, library
from autovoice_desktop.engine.voices import import_voice
from tests.reliability.helpers import assert_clean_failure, run_cli
from tests.reliability.model_corpus import good_voice, tiny_config, write_config

SECRET = b"TOP-SECRET-BYTES-outside-the-voice-folder"


def _secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    path = outside / "secret.bin"
    path.write_bytes(SECRET)
    return path


def _linked_config(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "linked-config")
    real = tmp_path / "outside" / "config.json"
    real.parent.mkdir(exist_ok=True)
    (voice / "config.json").rename(real)
    (voice / "config.json").symlink_to(real)
    return voice


def _linked_checkpoint(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "linked-checkpoint")
    real = tmp_path / "outside" / "G_1000.pth"
    real.parent.mkdir(exist_ok=True)
    (voice / "G_1000.pth").rename(real)
    (voice / "G_1000.pth").symlink_to(real)
    return voice


def _linked_extra(tmp_path: Path) -> Path:
    voice = good_voice(tmp_path / "src", "linked-kmeans")
    (voice / "kmeans_10000.pt").symlink_to(_secret(tmp_path))
    return voice


def _nested_linked_config(tmp_path: Path) -> Path:
    repo = tmp_path / "src" / "repo"
    voice = good_voice(repo / "a" / "b", "c")
    real = tmp_path / "outside" / "config.json"
    real.parent.mkdir(exist_ok=True)
    (voice / "config.json").rename(real)
    (voice / "config.json").symlink_to(real)
    return repo


def _linked_subfolder(tmp_path: Path) -> Path:
    real = good_voice(tmp_path / "outside", "voice")
    repo = tmp_path / "src" / "repo"
    repo.mkdir(parents=True)
    (repo / "model").symlink_to(real, target_is_directory=True)
    return repo


REFUSED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "linked-config": (_linked_config, "config.json is a symbolic link"),
    "linked-checkpoint": (_linked_checkpoint, "G_1000.pth is a symbolic link"),
    "linked-cluster-model": (_linked_extra, "kmeans_10000.pt is a symbolic link"),
    "nested-linked-config": (_nested_linked_config, "config.json is a symbolic link"),
    "linked-subfolder": (_linked_subfolder, "symbolic link(s) were not followed"),
}


def _installed_bytes(voices_dir: Path) -> bytes:
    return (
        b"".join(p.read_bytes() for p in voices_dir.rglob("*") if p.is_file()) if voices_dir.exists() else b""
    )


@pytest.mark.parametrize("case", list(REFUSED))
def test_links_in_a_voice_folder_are_refused(case: str, tmp_path: Path) -> None:
    """API: a one-line VoiceError (exit 5) naming the link; the voices folder stays empty."""
    make, says = REFUSED[case]
    source = make(tmp_path)
    voices_dir = tmp_path / "voices"
    with pytest.raises(VoiceError) as info:
        import_voice(source, voices_dir=voices_dir)
    message = info.value.user_message()
    assert says in message and "\n" not in message and info.value.exit_code == 5
    assert sorted(p.name for p in voices_dir.iterdir()) == []


@pytest.mark.parametrize("case", list(REFUSED))
def test_cli_refuses_links_in_a_voice_folder(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CLI: `autovoice import` says the same in one line and exits 5."""
    make, says = REFUSED[case]
    result = run_cli(["import", str(make(tmp_path))], capsys)
    assert_clean_failure(result, 5, says)
    assert SECRET not in _installed_bytes(paths.voices_dir())


def test_other_links_are_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A link that is not a voice file (a README, a loop to the folder itself) is not followed or copied."""
    voice = good_voice(tmp_path / "src", "with-links")
    (voice / "notes.txt").symlink_to(_secret(tmp_path))
    (voice / "loop").symlink_to(voice, target_is_directory=True)
    voices_dir = tmp_path / "voices"
    info = import_voice(voice, voices_dir=voices_dir)
    installed = Path(info.path or "")
    assert sorted(p.name for p in installed.iterdir()) == ["G_1000.pth", "config.json"]
    assert SECRET not in _installed_bytes(voices_dir)
    assert not any(p.is_symlink() for p in voices_dir.rglob("*"))
    assert "notes.txt is a symbolic link; it was not followed" in caplog.text


def test_copy_never_goes_through_a_link_swapped_in_after_the_scan(tmp_path: Path) -> None:
    """The copy opens with O_NOFOLLOW: a file replaced by a link between the scan and the copy is refused."""
    link = tmp_path / "config.json"
    link.symlink_to(_secret(tmp_path))
    with pytest.raises(ModelFormatError, match="symbolic link"):
        import_scan.copy_regular(link, tmp_path / "copy.json", 1 << 20)
    assert not (tmp_path / "copy.json").exists()


def test_a_fifo_named_like_a_voice_file_is_not_read(tmp_path: Path) -> None:
    """A FIFO is not a regular file: the copy refuses it at once instead of waiting for a writer."""
    fifo = tmp_path / "G_1000.pth"
    os.mkfifo(fifo)
    with pytest.raises(ModelFormatError, match="not a regular file"):
        import_scan.copy_regular(fifo, tmp_path / "copy.pth", 1 << 20)


def _deep_zip(folder: Path, depth: int, name: str = "deep.zip") -> Path:
    voice = good_voice(folder / "deep-src", "voice")
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(voice / "config.json", "voice/config.json")
        archive.write(voice / "G_1000.pth", "voice/G_1000.pth")
        archive.writestr("d/" * depth + "x.txt", b"deep")
    return path


def test_deep_zip_is_refused_and_the_log_stays_small(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """5,000 folders deep: exit 5 with one line (was an internal error that overran the log limit)."""
    result = run_cli(["import", str(_deep_zip(tmp_path, 5000))], capsys)
    assert_clean_failure(result, 5, "folders deep")
    assert len(result.err) < 2000
    for log in paths.log_dir().glob("autovoice.log*"):
        assert log.stat().st_size <= logging_setup._MAX_BYTES
    assert sorted(p.name for p in paths.voices_dir().iterdir()) == [] if paths.voices_dir().exists() else True


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(depth=st.integers(1, 1500), piece=st.sampled_from(["d", "ü", "a b", "x" * 40]))
def test_zip_depth_is_bounded(tmp_path: Path, depth: int, piece: str) -> None:
    """Any depth: a path within MAX_DEPTH / MAX_PATH_CHARS passes the check, any other is refused (exit 5)."""
    name = f"{piece}/" * depth + "x.txt"
    archive = tmp_path / "fuzz.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(name, b"x")
    allowed = depth + 1 <= import_scan.MAX_DEPTH and len(name) <= import_scan.MAX_PATH_CHARS
    with zipfile.ZipFile(archive) as handle:
        if allowed:
            library._check_zip(handle, 1 << 30)
        else:
            with pytest.raises(ModelFormatError, match="folders deep"):
                library._check_zip(handle, 1 << 30)


def test_a_folder_too_deep_is_refused(tmp_path: Path) -> None:
    """A folder tree deeper than MAX_DEPTH: refused with one line, no recursion error."""
    root = tmp_path / "src" / "repo"
    deep = root
    for _ in range(import_scan.MAX_DEPTH + 2):
        deep = deep / "d"
    deep.mkdir(parents=True)
    write_config(root, tiny_config())
    with pytest.raises(ModelFormatError, match="folders deep"):
        import_voice(root, voices_dir=tmp_path / "voices")


def test_one_huge_record_cannot_overrun_the_log_limit() -> None:
    """Whatever is logged (a 5 MB message with a traceback, control characters), files stay within limits."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logging_setup.configure(console=False)
        try:
            raise ValueError("\x1b[2J" + "p/" * 2_500_000)
        except ValueError:
            logging.getLogger("test").exception("import failed for %s", "d/" * 1_000_000)
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    logs = list(paths.log_dir().glob("autovoice.log*"))
    assert logs and all(p.stat().st_size <= logging_setup._MAX_BYTES for p in logs)
    assert "characters left out" in logs[0].read_text(encoding="utf-8")
