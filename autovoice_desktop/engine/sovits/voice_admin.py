"""Renaming and removing imported So-VITS-SVC voices (folders under the voices folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from autovoice_desktop.core.errors import VoiceError, VoiceNotFoundError
from autovoice_desktop.core.types import VoiceInfo
from autovoice_desktop.engine.sovits.library import _safe_name, _voice_info


def _folder(voices_dir: Path, name: str) -> Path:
    """The installed voice folder `name` (never outside voices_dir)."""
    folder = (Path(voices_dir) / name).resolve()
    if folder.parent != Path(voices_dir).resolve() or not folder.is_dir():
        raise VoiceNotFoundError(f"the voice {name!r} is not installed", "refresh the list of voices")
    return folder


def rename_installed(voices_dir: Path, name: str, new_name: str) -> VoiceInfo:
    """Rename imported voice `name` to `new_name` (a safe folder name); returns the renamed voice."""
    folder = _folder(voices_dir, name)
    target = folder.parent / _safe_name(new_name)
    if target.exists():
        raise VoiceError(f"a voice named {target.name!r} is already installed", "choose another name")
    folder.rename(target)
    return _voice_info(target)


def remove_installed(voices_dir: Path, name: str) -> None:
    """Delete imported voice `name` (its folder under voices_dir)."""
    shutil.rmtree(_folder(voices_dir, name))
