"""Can an output be written here? Asked before a long conversion starts, and mapped to OutputError (exit 4).

`check_output_folder(path)` finds the folder `path` would be written into (or the nearest existing folder
above it, which save_audio would create the rest under) and proves it is usable by creating and removing an
empty temporary file there: permission bits, ACLs, read-only mounts and a folder that cannot even be opened
all answer the same way, for root too. `disk_is_full(folder)` tells a full disk behind libsndfile's
"System error." (libsndfile does not pass the errno on).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from autovoice_desktop.core.errors import OutputError
from autovoice_desktop.core.text import printable

#: Free space below which an unexplained write error is reported as a full disk.
FULL_DISK_BYTES = 1024 * 1024


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "the folder is on a read-only disk"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def _existing_folder(path: Path) -> Path:
    """The nearest folder above `path` that exists (path itself if it is one)."""
    current = path
    while True:
        try:
            if current.is_dir():
                return current
            if current.exists():
                raise OutputError(
                    f"{printable(current)}: is a file, not a folder", "choose another output folder"
                )
        except PermissionError as exc:
            raise OutputError(
                f"{printable(current)}: the output folder cannot be opened ({_reason(exc)})",
                "check the permissions of the output folder and the folders above it, or choose another",
            ) from exc
        if current.parent == current:
            return current
        current = current.parent


def check_output_folder(target: Path) -> None:
    """Raise OutputError (exit 4, with the reason) if a file cannot be created in `target`'s folder."""
    folder = _existing_folder(Path(target).parent)
    try:
        handle, name = tempfile.mkstemp(prefix=".autovoice-check-", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"{printable(folder)}: folder is not writable ({_reason(exc)})", "choose another output folder"
        ) from exc
    os.close(handle)
    os.unlink(name)


def disk_is_full(folder: Path) -> bool:
    """True if the disk holding `folder` has (almost) no free space left."""
    try:
        return shutil.disk_usage(folder).free < FULL_DISK_BYTES
    except OSError:
        return False
