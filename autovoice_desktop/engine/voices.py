"""The voice registry: built-in WORLD voices first, then the So-VITS-SVC voices the user imported."""

from __future__ import annotations

from pathlib import Path

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import VoiceNotFoundError
from autovoice_desktop.core.naming import slugify, voice_slug
from autovoice_desktop.core.types import VoiceInfo
from autovoice_desktop.engine import builtin_voices
from autovoice_desktop.engine.sovits import library
from autovoice_desktop.engine.voice import Voice
from autovoice_desktop.engine.world_voice import WorldVoice

__all__ = ["find_voice", "import_voice", "list_voices", "load_voice", "slugify", "voice_slug"]


def list_voices(voices_dir: Path | None = None) -> list[VoiceInfo]:
    """Built-in voices (manifest order), then imported voices from voices_dir (default: the user's folder)."""
    return builtin_voices.load_presets() + library.list_installed(voices_dir or paths.voices_dir())


def find_voice(name_or_id: str, voices_dir: Path | None = None) -> VoiceInfo:
    """The voice whose id, display name (any case) or slug matches; VoiceNotFoundError lists the choices."""
    voices = list_voices(voices_dir)
    query = name_or_id.strip()
    for matches in (
        lambda v: v.voice_id == query,
        lambda v: v.name.casefold() == query.casefold(),
        lambda v: voice_slug(v) == slugify(query) or slugify(v.name) == slugify(query),
    ):
        found = [v for v in voices if matches(v)]
        if found:
            return found[0]
    names = ", ".join(f'"{v.name}"' for v in voices)
    raise VoiceNotFoundError(f"no voice named {name_or_id!r}", f"choose one of: {names}")


def load_voice(
    name_or_id_or_info: str | VoiceInfo, *, device: str = "auto", voices_dir: Path | None = None
) -> Voice:
    """A ready-to-use Voice: a WorldVoice for built-ins, a loaded So-VITS-SVC model otherwise."""
    info = (
        name_or_id_or_info
        if isinstance(name_or_id_or_info, VoiceInfo)
        else find_voice(name_or_id_or_info, voices_dir)
    )
    if info.kind == "builtin":
        return WorldVoice(info)
    return library.load_installed(info, device=device)


def import_voice(source: Path, *, overwrite: bool = False, voices_dir: Path | None = None) -> VoiceInfo:
    """Copy a So-VITS-SVC voice (folder or zip) into the voices folder and return its VoiceInfo."""
    return library.import_voice(Path(source), voices_dir or paths.voices_dir(), overwrite=overwrite)
