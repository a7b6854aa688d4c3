"""Upgrades of old settings files, one step per schema version.

`MIGRATIONS[n]` turns a version-n dict into a version-(n+1) dict. A file without `schema_version` is
version 0 (the layout before versioning: a flat `recent` list and `last_voice` key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autovoice_desktop.core.settings import SCHEMA_VERSION

Migration = Callable[[dict[str, Any]], dict[str, Any]]


class FutureSchemaError(ValueError):
    """The file was written by a newer AutoVoice."""


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v0 kept `last_voice` and `recent` at the top level; v1 names them `voice_id` and `recent_files`."""
    out = dict(data)
    if "last_voice" in out and "voice_id" not in out:
        out["voice_id"] = out.pop("last_voice")
    if "recent" in out and "recent_files" not in out:
        out["recent_files"] = out.pop("recent")
    out["schema_version"] = 1
    return out


MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """`data` upgraded to SCHEMA_VERSION; FutureSchemaError if it is newer than this program knows."""
    version = data.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"schema_version {version!r} is not a version number")
    if version > SCHEMA_VERSION:
        raise FutureSchemaError(
            f"settings were written by a newer AutoVoice (schema {version}, this one reads {SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data
