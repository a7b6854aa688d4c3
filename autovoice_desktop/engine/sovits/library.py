"""Imported So-VITS-SVC voices in the user's voices folder: import, list, load.

A voice is a folder `voices_dir/<name>/` holding one generator checkpoint (`G_<step>.pth` or another `.pth`),
its `config.json`, and optionally a cluster model (`kmeans*.pt`) or feature index (`*.pkl`, `*.index`).

Import is safe for untrusted input: a zip with absolute paths, `..` components, symlinks or paths deeper than
`import_scan.MAX_DEPTH`, or that unpacks to more than `MAX_IMPORT_BYTES`, is refused before anything is
written; in a folder, links are never followed (a link where a voice file must be is refused, other links
are skipped with a warning) and only regular files are copied (`import_scan`); the voice is validated by
loading it strictly (config + every weight) and copied into a temporary folder inside voices_dir that is
renamed into place, so nothing is ever written outside voices_dir and a failed import leaves nothing
behind. An existing voice is replaced only with `overwrite=True`.
"""

from __future__ import annotations

import logging
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from autovoice_desktop.core.errors import ModelFormatError, VoiceError, VoiceNotFoundError
from autovoice_desktop.core.text import printable
from autovoice_desktop.core.types import VoiceInfo
from autovoice_desktop.engine.sovits.import_scan import (
    check_zip_path,
    copy_limited,
    copy_regular,
    refuse_link,
    scan_folder,
)
from autovoice_desktop.engine.voice import Voice

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 4 * 1024**3
MAX_ZIP_MEMBERS = 10_000
EXTRA_PATTERNS = ("kmeans*.pt", "*.pkl", "*.index")
_STEP = re.compile(r"^G_(\d+)\.pth$", re.IGNORECASE)


def pick_checkpoint(folder: Path) -> Path | None:
    """The generator in `folder`: G_<step>.pth with the highest step, else the newest other .pth (not D_*)."""
    pths = [p for p in folder.iterdir() if _regular(p) and p.suffix.lower() == ".pth"]
    numbered = [(int(m.group(1)), p) for p in pths if (m := _STEP.match(p.name))]
    if numbered:
        return max(numbered)[1]
    others = [p for p in pths if not p.name.upper().startswith("D_")]
    return max(others, key=lambda p: (p.stat().st_mtime, p.name)) if others else None


def _regular(path: Path) -> bool:
    """A regular file that is not a link (links are never followed into or out of a voice folder)."""
    return not path.is_symlink() and path.is_file()


def _is_voice_file(name: str) -> bool:
    lower = name.lower()
    return lower == "config.json" or lower.endswith((".pth", ".pt", ".pkl", ".index"))


def _find_voice_folder(root: Path) -> Path:
    """The one folder under root holding config.json and a generator checkpoint (links never followed)."""
    scan = scan_folder(root)
    for link in scan.links:
        if _is_voice_file(link.name):
            raise refuse_link(link)
    found = [d for d in scan.folders
             if _regular(d / "config.json") and pick_checkpoint(d) is not None]  # fmt: skip
    if not found:
        lone = [p for d in scan.folders for p in sorted(d.glob("*.pth")) if _regular(p)]
        if lone:  # a checkpoint without config.json: say what it is if it is a foreign model (RVC, 3.x)
            from autovoice_desktop.engine.sovits.checkpoint import read_checkpoint

            read_checkpoint(lone[0])  # weights_only: safe; raises ModelFormatError naming RVC & co.
        skipped = f" ({len(scan.links)} symbolic link(s) were not followed)" if scan.links else ""
        raise ModelFormatError(
            "no So-VITS-SVC voice found: it needs a G_*.pth (or .pth) checkpoint next to its config.json"
            + skipped,
            "pick the folder or zip that holds both files",
        )
    if len(found) > 1:
        names = ", ".join(printable(d.relative_to(root), 80) for d in found[:4])
        raise ModelFormatError(f"several voices found ({names}); import them one at a time")
    return found[0]


def _check_zip(archive: zipfile.ZipFile, limit: int) -> None:
    """Refuse zip-slip paths, symlinks, and archives that unpack to too much."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ModelFormatError(f"the zip holds {len(infos)} entries; a voice has only a few files")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        check_zip_path(name)
        parts = PurePosixPath(name).parts
        unnamed = not parts and not info.is_dir()  # a file entry named "." or "" would unpack onto the folder
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or unnamed:
            raise ModelFormatError(
                f"the zip contains an unsafe path {printable(repr(info.filename))}; it was refused"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ModelFormatError(
                f"the zip contains a symbolic link {printable(repr(info.filename))}; it was refused"
            )
        total += info.file_size
        if total > limit:
            raise ModelFormatError(f"the zip unpacks to more than {limit / 1e9:.1f} GB; it was refused")


def _extract(archive: zipfile.ZipFile, dest: Path, limit: int) -> None:
    """Extract regular files under dest, counting real bytes (a lying header cannot exceed the limit)."""
    written = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, target.open("wb") as out:
            too_large = f"the zip unpacks to more than {limit / 1e9:.1f} GB; it was refused"
            written += copy_limited(src, out, limit - written, too_large)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" ._")
    if not cleaned:
        raise VoiceError(
            f"cannot make a folder name from {printable(repr(name))}", "rename the file or folder"
        )
    return cleaned[:80]


def _validate(checkpoint: Path, config: Path) -> None:
    """Load config and every weight strictly on the CPU (raises ModelFormatError & co.)."""
    from autovoice_desktop.engine.sovits import SovitsModel

    SovitsModel.load(checkpoint, config, device="cpu").release()


def import_voice(
    source: Path, voices_dir: Path, *, overwrite: bool = False, name: str | None = None,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> VoiceInfo:  # fmt: skip
    """Validate a folder or zip holding G_*.pth + config.json and copy it into voices_dir/<name>."""
    source = Path(source)
    if not source.exists():
        raise VoiceNotFoundError(f"nothing to import at {printable(source)}")
    is_zip = source.is_file() and zipfile.is_zipfile(source)
    if source.is_file() and not is_zip:
        raise ModelFormatError(
            f"{printable(source.name)} is neither a folder nor a zip", "import the voice's folder or zip"
        )
    folder_name = _safe_name(name or (source.stem if is_zip else source.name))
    voices_dir = Path(voices_dir)
    dest = voices_dir / folder_name
    if dest.exists() and not overwrite:
        raise VoiceError(
            f"a voice named {folder_name!r} is already installed",
            "pass --overwrite (overwrite=True) to replace it, or import it under another name",
        )
    voices_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".import-", dir=voices_dir))
    try:
        if is_zip:
            try:
                with zipfile.ZipFile(source) as archive:
                    _check_zip(archive, max_bytes)
                    _extract(archive, work / "unpacked", max_bytes)
            except (zipfile.BadZipFile, EOFError, ValueError) as exc:
                raise ModelFormatError(f"{printable(source.name)} is a damaged zip: {exc}") from exc
            except OSError as exc:  # e.g. a file and a folder of the same name inside the zip
                raise ModelFormatError(
                    f"{printable(source.name)} cannot be unpacked ({exc.strerror or exc}); it was refused",
                    "re-create the zip from the voice's folder",
                ) from exc
            found = _find_voice_folder(work / "unpacked")
        else:
            found = _find_voice_folder(source)
        checkpoint = pick_checkpoint(found)
        assert checkpoint is not None
        staged = work / "voice"
        staged.mkdir()
        for path in [checkpoint, found / "config.json"] + [
            p for pat in EXTRA_PATTERNS for p in sorted(found.glob(pat)) if _regular(p)
        ]:
            copy_regular(path, staged / path.name, max_bytes)  # O_NOFOLLOW: a link swapped in is refused
        _validate(staged / checkpoint.name, staged / "config.json")
        previous = work / "previous"
        if dest.exists():
            dest.rename(previous)
        try:
            staged.rename(dest)
        except OSError:
            if previous.exists():
                previous.rename(dest)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info = _voice_info(dest)
    log.info("imported voice %s from %s", info.voice_id, source)
    return info


def _voice_info(folder: Path) -> VoiceInfo:
    from autovoice_desktop.engine.sovits import load_config

    checkpoint = pick_checkpoint(folder)
    if checkpoint is None or not _regular(folder / "config.json"):
        raise ModelFormatError(f"{printable(folder)} has no checkpoint + config.json")
    cfg = load_config(folder / "config.json")
    speakers = tuple(sorted(cfg.speakers, key=lambda s: cfg.speakers[s]))
    details = {
        "sample rate": f"{cfg.sampling_rate} Hz",
        "hop length": str(cfg.hop_length),
        "encoder": cfg.speech_encoder,
        "ssl_dim": str(cfg.ssl_dim),
        "version": f"So-VITS-SVC {cfg.style}",
        "volume embedding": "yes" if cfg.vol_embedding else "no",
        "checkpoint": checkpoint.name,
    }
    return VoiceInfo(
        voice_id=f"sovits/{folder.name}",
        name=folder.name,
        kind="sovits",
        description=f"So-VITS-SVC {cfg.style} voice, {len(speakers)} speaker(s), {cfg.speech_encoder}",
        speakers=speakers,
        sample_rate=cfg.sampling_rate,
        details=details,
        path=str(folder),
    )


def list_installed(voices_dir: Path) -> list[VoiceInfo]:
    """VoiceInfo of every valid voice folder under voices_dir (invalid ones are skipped and logged)."""
    voices_dir = Path(voices_dir)
    if not voices_dir.is_dir():
        return []
    infos = []
    for folder in sorted(p for p in voices_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            infos.append(_voice_info(folder))
        except (VoiceError, OSError) as exc:
            log.warning("skipping voice folder %s: %s", folder, exc)
    return infos


def load_installed(info: VoiceInfo, *, device: str = "auto") -> Voice:
    """Load an installed voice listed by list_installed (the model now; the content encoder on first use)."""
    from autovoice_desktop.engine.sovits.voice import SovitsVoice

    folder = Path(info.path or "")
    checkpoint = pick_checkpoint(folder) if folder.is_dir() else None
    if checkpoint is None or not _regular(folder / "config.json"):
        raise VoiceNotFoundError(
            f"the voice {printable(repr(info.name))} is no longer installed at {printable(folder)}"
        )
    voice = SovitsVoice(info, checkpoint, folder / "config.json", device=device)
    voice.model()
    return voice
