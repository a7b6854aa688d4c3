"""Look at an untrusted voice folder without ever leaving it: no link is followed, depth and size are bounded.

A cloned repository or an unpacked download may hold symbolic links (to `~/.ssh`, `/etc`, anything). The
import reads only regular files that really are inside the folder: `scan_folder` walks it with `os.scandir`
(never following links, at most MAX_DEPTH folders deep, at most MAX_ENTRIES entries) and lists the links it
saw; `copy_regular` opens a file with O_NOFOLLOW and copies it only if it is a regular file, so a file swapped
for a link after the scan is refused too.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from autovoice_desktop.core.errors import ModelFormatError
from autovoice_desktop.core.text import printable

log = logging.getLogger(__name__)

#: Deepest folder looked at inside an imported folder or zip (a voice is one or two folders deep).
MAX_DEPTH = 32
#: Longest path (characters) accepted inside an imported zip.
MAX_PATH_CHARS = 1024
#: Most entries looked at in an imported folder (a voice has a handful of files).
MAX_ENTRIES = 20_000
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_LINK_HINT = "copy the real files into the folder; AutoVoice never follows links out of an imported folder"


@dataclass
class FolderScan:
    """What is inside a folder: real sub-folders (root first) and the links that were not followed."""

    root: Path
    folders: list[Path] = field(default_factory=list)
    links: list[Path] = field(default_factory=list)

    def links_in(self, folder: Path) -> list[Path]:
        """Links directly inside `folder`."""
        return [link for link in self.links if link.parent == folder]


def scan_folder(root: Path) -> FolderScan:
    """Walk `root` without following links (raises ModelFormatError if it is too deep or too big)."""
    scan = FolderScan(root)
    pending: list[tuple[Path, int]] = [(root, 0)]
    seen = 0
    while pending:
        folder, depth = pending.pop()
        scan.folders.append(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise ModelFormatError(
                f"cannot read the folder {printable(folder)} ({exc.strerror or exc})",
                "check its permissions",
            ) from exc
        seen += len(entries)
        if seen > MAX_ENTRIES:
            raise ModelFormatError(
                f"{printable(root)} holds more than {MAX_ENTRIES} files; a voice has only a few",
                "import the voice's own folder",
            )
        for entry in reversed(entries):
            if entry.is_symlink():
                scan.links.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_DEPTH:
                    raise ModelFormatError(
                        f"{printable(root)} is more than {MAX_DEPTH} folders deep; it was refused",
                        "import the voice's own folder",
                    )
                pending.append((Path(entry.path), depth + 1))
    scan.folders.sort()
    for link in scan.links:
        log.warning("import: %s is a symbolic link; it was not followed", printable(link))
    return scan


def refuse_link(path: Path) -> ModelFormatError:
    """The error for a link where a voice file must be."""
    return ModelFormatError(f"{printable(path.name)} is a symbolic link; it was refused", _LINK_HINT)


def copy_regular(source: Path, target: Path, limit: int) -> int:
    """Copy `source` to a new file `target` if it is a regular file (never through a link); returns bytes."""
    try:
        fd = os.open(source, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as exc:
        if os.path.islink(source):
            raise refuse_link(source) from exc
        raise ModelFormatError(
            f"cannot read {printable(source.name)} ({exc.strerror or exc})", "check its permissions"
        ) from exc
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ModelFormatError(
                f"{printable(source.name)} is not a regular file; it was refused", _LINK_HINT
            )
        with open(target, "xb") as out:
            too_large = f"{printable(source.name)} is larger than {limit / 1e9:.1f} GB; it was refused"
            return copy_limited(src, out, limit, too_large)


def copy_limited(src: BinaryIO, out: BinaryIO, limit: int, too_large: str) -> int:
    """Copy src to out in 1 MiB blocks; returns the bytes copied. Counts what is really read (a size a
    header claims cannot be trusted) and raises ModelFormatError(too_large) past `limit` bytes."""
    copied = 0
    while block := src.read(1 << 20):
        copied += len(block)
        if copied > limit:
            raise ModelFormatError(too_large)
        out.write(block)
    return copied


def check_zip_path(name: str) -> None:
    """Refuse a zip member name that is too deep or too long to be part of a voice."""
    depth = name.count("/") + 1
    if depth > MAX_DEPTH or len(name) > MAX_PATH_CHARS:
        raise ModelFormatError(
            f"the zip contains a path {depth} folders deep ({len(name)} characters: "
            f"{printable(name, 60)}); it was refused",
            "re-create the zip from the voice's folder",
        )
