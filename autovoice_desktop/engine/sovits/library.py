"""Imported So-VITS-SVC voices in the user's voices folder: import, list, load.

PLACEHOLDER signatures agreed between the registry (engine/voices.py) and the So-VITS-SVC work; the
So-VITS-SVC engine replaces the bodies.
"""

from __future__ import annotations

from pathlib import Path

from autovoice_desktop.core.errors import VoiceNotFoundError
from autovoice_desktop.core.types import VoiceInfo
from autovoice_desktop.engine.voice import Voice


def list_installed(voices_dir: Path) -> list[VoiceInfo]:
    """VoiceInfo of every valid voice folder under voices_dir (invalid ones are skipped and logged)."""
    return []


def import_voice(source: Path, voices_dir: Path, *, overwrite: bool = False) -> VoiceInfo:
    """Validate a folder or zip holding G_*.pth + config.json and copy it into voices_dir."""
    raise VoiceNotFoundError(f"cannot import {source}: So-VITS-SVC support is not built yet")


def load_installed(info: VoiceInfo, *, device: str = "auto") -> Voice:
    """Load an installed voice listed by list_installed."""
    raise VoiceNotFoundError(f"cannot load {info.name}: So-VITS-SVC support is not built yet")
