"""The built-in voices' presets, read from models/builtin/manifest.toml (data, not code)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import ModelFormatError
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.world_voice import FORMANT_LIMIT, PITCH_MODES, TRANSPOSE_LIMIT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SCHEMA_VERSION = 1
BUILTIN_PREFIX = "builtin/"
_TEXT_FIELDS = ("slug", "name", "description")
_NUMBER_FIELDS = ("transpose", "formant_shift", "breathiness", "target_median_f0")
_CHOICE_FIELDS = {"pitch_mode": PITCH_MODES, "f0_method": ("harvest", "dio")}
_RANGES = {
    "transpose": (-TRANSPOSE_LIMIT, TRANSPOSE_LIMIT),
    "formant_shift": (-FORMANT_LIMIT, FORMANT_LIMIT),
    "breathiness": (0.1, 10.0),
    "target_median_f0": (40.0, 1100.0),
}


def manifest_path() -> Path:
    """Where the bundled manifest lives (source tree, wheel or frozen build)."""
    return paths.models_path("builtin", "manifest.toml")


def _preset(entry: dict[str, Any], where: str) -> VoiceInfo:
    """One [[voice]] table as a VoiceInfo; ModelFormatError naming the bad field otherwise."""
    unknown = set(entry) - set(_TEXT_FIELDS) - set(_NUMBER_FIELDS) - set(_CHOICE_FIELDS)
    if unknown:
        raise ModelFormatError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    for name in _TEXT_FIELDS:
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise ModelFormatError(f"{where}: field {name!r} must be a non-empty string")
    values: dict[str, Any] = {"f0_method": "harvest"}
    for name in _NUMBER_FIELDS:
        if name in entry:
            value = entry[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ModelFormatError(f"{where}: field {name!r} must be a number")
            low, high = _RANGES[name]
            if not low <= value <= high:
                raise ModelFormatError(f"{where}: {name} = {value} is outside {low}…{high}")
            values[name] = float(value)
    for name, choices in _CHOICE_FIELDS.items():
        if name in entry:
            if entry[name] not in choices:
                raise ModelFormatError(f"{where}: {name} must be one of {', '.join(choices)}")
            values[name] = entry[name]
    slug = entry["slug"]
    return VoiceInfo(
        voice_id=BUILTIN_PREFIX + slug,
        name=entry["name"],
        kind="builtin",
        description=entry["description"],
        defaults=ConversionParams(**values),
        details={"engine": "WORLD vocoder (pyworld)", "output rate": "same as input"},
    )


def load_presets(path: Path | None = None) -> list[VoiceInfo]:
    """Built-in voices in manifest order."""
    path = path or manifest_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFormatError(f"built-in voice manifest missing: {path}", "reinstall AutoVoice") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ModelFormatError(
            f"built-in voice manifest unreadable: {path}: {exc}", "reinstall AutoVoice"
        ) from exc
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ModelFormatError(f"{path}: schema_version must be {SCHEMA_VERSION}")
    entries = data.get("voice")
    if not isinstance(entries, list) or not entries:
        raise ModelFormatError(f"{path}: no [[voice]] tables")
    voices = [_preset(entry, f"{path} voice #{i + 1}") for i, entry in enumerate(entries)]
    slugs = [v.voice_id for v in voices]
    duplicates = {s for s in slugs if slugs.count(s) > 1}
    if duplicates:
        raise ModelFormatError(f"{path}: duplicate slug {sorted(duplicates)[0]!r}")
    return voices
