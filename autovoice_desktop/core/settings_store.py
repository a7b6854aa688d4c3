"""Reading and writing settings.toml.

Loading never fails and is bounded (`settings_guard`): a missing file gives defaults; a corrupt, malformed,
too large, too deeply nested or future-version file, or something that is not a regular file, is moved aside
(`settings.toml.bad-<time>`) and defaults are used, with a message for the user. Saving writes a temporary
file in the same folder and renames it into place, so a crash never leaves half a file; if the folder is not
writable, `save_settings` returns a message instead of raising, and the program carries on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from autovoice_desktop.core import paths
from autovoice_desktop.core.migrations import FutureSchemaError, migrate
from autovoice_desktop.core.settings import Settings, settings_from_dict, settings_to_dict
from autovoice_desktop.core.settings_guard import UnusableSettingsFile, read_settings_bytes
from autovoice_desktop.core.text import printable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    """settings: what to use; message: something the user should be told (None if all went well)."""

    settings: Settings
    message: str | None = None
    moved_to: Path | None = None


def _move_aside(path: Path) -> Path | None:
    target = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, target)
    except OSError as exc:
        log.warning("could not move %s aside: %s", path, exc)
        return None
    return target


def load_settings(path: Path | None = None) -> LoadResult:
    """Settings from `path` (default: the platform config file)."""
    path = path or paths.settings_file()
    reason = ""
    try:
        raw = read_settings_bytes(path)  # bounded: never blocks on a FIFO nor reads /dev/zero forever
    except FileNotFoundError:
        return LoadResult(Settings())
    except UnusableSettingsFile as exc:
        reason = f"the file cannot be used ({exc})"
    except OSError as exc:
        log.warning("cannot read settings %s: %s", path, exc)
        return LoadResult(Settings(), f"Could not read your settings ({exc.strerror}); using defaults.")
    if not reason:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
            data = migrate(data)
            settings = settings_from_dict(data)
        except FutureSchemaError as exc:
            reason = str(exc)
        except RecursionError:
            reason = "the file is damaged (nested too deeply)"
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            reason = f"the file is damaged ({printable(exc, 200)})"
        except Exception as exc:  # noqa: BLE001 - loading settings must never stop the app from starting
            log.exception("settings %s could not be read", path)
            reason = f"the file is damaged ({type(exc).__name__})"
        else:
            return LoadResult(settings)
    log.warning("settings %s unusable: %s", path, reason)
    moved = _move_aside(path)
    where = f" The old file was kept as {moved.name}." if moved else ""
    message = f"Your settings could not be used: {reason}. Defaults are used.{where}"
    return LoadResult(Settings(), message, moved)


def save_settings(settings: Settings, path: Path | None = None) -> str | None:
    """Write `settings` atomically; returns None on success or a message saying why it could not."""
    path = path or paths.settings_file()
    data = tomli_w.dumps(settings_to_dict(settings)).encode("utf-8")
    temp_name: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
        temp_name = None
    except OSError as exc:
        log.warning("cannot save settings to %s: %s", path, exc)
        return f"Settings could not be saved to {path.parent} ({exc.strerror or exc})."
    finally:
        if temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
    return None
