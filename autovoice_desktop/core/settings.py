"""Typed application settings: immutable dataclasses with defaults and the schema version.

`Settings` is what the user chose (voice, parameters, device, theme) plus what the window remembers
(folders, recent files, geometry). It is converted to and from a plain TOML-ready dict here; reading and
writing the file is `settings_store`'s job, upgrading old files is `migrations`'.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

from autovoice_desktop.core.types import DEVICE_CHOICES, F0_METHODS, ConversionParams

log = logging.getLogger(__name__)

#: Bump when the layout of the file changes, and add a step to `migrations.MIGRATIONS`.
SCHEMA_VERSION = 1
MAX_RECENT_FILES = 10
THEMES = ("dark", "light")


@dataclass(frozen=True)
class Folders:
    """Last folders used by the file dialogs (empty = the user's home)."""

    open_dir: str = ""
    save_dir: str = ""
    import_dir: str = ""


@dataclass(frozen=True)
class WindowState:
    """Window geometry (Qt's saveGeometry as hex) and splitter sizes in pixels."""

    geometry: str = ""
    main_splitter: tuple[int, ...] = ()
    plot_splitter: tuple[int, ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything AutoVoice remembers between launches."""

    schema_version: int = SCHEMA_VERSION
    voice_id: str = ""
    params: ConversionParams = field(default_factory=ConversionParams)
    theme: str = "dark"
    output_device: str = ""
    convert_after_recording: bool = False
    recent_files: tuple[str, ...] = ()
    folders: Folders = field(default_factory=Folders)
    window: WindowState = field(default_factory=WindowState)

    def with_recent_file(self, path: str) -> Settings:
        """A copy with `path` first in the recent files (no duplicates, at most MAX_RECENT_FILES)."""
        recent = (path, *(p for p in self.recent_files if p != path))[:MAX_RECENT_FILES]
        return replace(self, recent_files=recent)


# --- dict conversion -------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def _dataclass_to_dict(obj: Any) -> dict[str, Any]:
    """TOML-ready dict of a settings dataclass (None values are left out: TOML has no null)."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        if hasattr(value, "__dataclass_fields__"):
            out[f.name] = _dataclass_to_dict(value)
        else:
            out[f.name] = _plain(value)
    return out


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The dict written to settings.toml."""
    return _dataclass_to_dict(settings)


def _coerce(name: str, value: Any, default: Any, annotation: str) -> Any:
    """`value` converted to the type of the field, or `default` (with a log line) if it does not fit."""
    try:
        if annotation.startswith("tuple[int"):
            return tuple(int(v) for v in value)
        if annotation.startswith("tuple[str"):
            return tuple(str(v) for v in value if isinstance(v, str))
        if annotation == "bool":
            if isinstance(value, bool):
                return value
            raise TypeError("not a boolean")
        if annotation in ("float", "float | None"):
            if isinstance(value, bool):
                raise TypeError("not a number")
            return float(value)
        if annotation in ("int", "int | None"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("not an integer")
            return value
        if annotation in ("str", "str | None"):
            if not isinstance(value, str):
                raise TypeError("not a string")
            return value
    except (TypeError, ValueError) as exc:
        log.warning("settings: %s=%r ignored (%s); using %r", name, value, exc, default)
        return default
    return value


def _from_dict(cls: type, data: Any, prefix: str = "") -> Any:
    """Dataclass `cls` from `data`: unknown keys are ignored, bad values fall back to defaults."""
    default = cls()
    if not isinstance(data, dict):
        return default
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        current = getattr(default, f.name)
        raw = data[f.name]
        if hasattr(current, "__dataclass_fields__"):
            values[f.name] = _from_dict(type(current), raw, f"{prefix}{f.name}.")
        else:
            values[f.name] = _coerce(prefix + f.name, raw, current, str(f.type))
    return cls(**values)


def _valid_params(params: ConversionParams) -> ConversionParams:
    """Clamp parameters into the ranges the window offers."""
    transpose = min(24.0, max(-24.0, params.transpose))
    formant = min(12.0, max(-12.0, params.formant_shift))
    noise = min(1.0, max(0.0, params.noise_scale))
    f0 = params.f0_method if params.f0_method in F0_METHODS else None
    device = params.device if params.device in DEVICE_CHOICES or params.device.startswith("cuda:") else "auto"
    return replace(params, transpose=transpose, formant_shift=formant, noise_scale=noise, f0_method=f0,
                   device=device)


def settings_from_dict(data: dict[str, Any]) -> Settings:
    """Settings from a (migrated) dict; anything missing or malformed takes its default."""
    settings = _from_dict(Settings, data)
    theme = settings.theme if settings.theme in THEMES else "dark"
    return replace(
        settings,
        schema_version=SCHEMA_VERSION,
        theme=theme,
        params=_valid_params(settings.params),
        recent_files=settings.recent_files[:MAX_RECENT_FILES],
    )
