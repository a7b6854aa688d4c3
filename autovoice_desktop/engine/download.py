"""Download weights once into core.paths.weights_dir(), with progress, resume, sha256 check and atomic rename.

    path = ensure_weights("content-vec-best", progress=cb)   # downloads only what is missing
    path = find_weights("content-vec-best")                   # no network; None if not available
    register_local_weights("/my/downloads/content-vec-best")  # use files the user fetched themselves

A file is written to `<name>.part` (resumed with an HTTP Range request after an interruption), verified
(sha256 if the manifest has one, else the size), then renamed into place; a sidecar `<name>.verified.json`
records its size and sha256. A present, verified file is never fetched again, so AutoVoice works offline
after the first download.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import DownloadError, WeightsMissingError
from autovoice_desktop.core.types import ProgressFn, check_cancel
from autovoice_desktop.engine.weights import DEFAULT_CONTENT_ENCODER, KNOWN_WEIGHTS, WeightFile, WeightSet

CHUNK = 1 << 16
REGISTRY = "local-weights.json"
ENV_OVERRIDE = "AUTOVOICE_CONTENT_ENCODER"
_HINT = (
    "check the internet connection and try again (the download resumes), or download the files yourself "
    "and point AutoVoice at them (autovoice download-weights --local PATH)"
)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_verified(path: Path, expected_sha256: str | None = None) -> bool:
    """True if `path` exists and its sidecar matches its size (and the expected sha256, when given)."""
    try:
        record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        size = path.stat().st_size
    except (OSError, ValueError):
        return False
    if record.get("size") != size:
        return False
    return expected_sha256 is None or record.get("sha256") == expected_sha256


def _open(url: str, offset: int, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"User-Agent": "AutoVoice-Desktop"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) URLs from the manifest


def _fetch_once(url: str, part: Path, name: str, progress: ProgressFn | None,
                cancel: threading.Event | None, timeout: float) -> int | None:  # fmt: skip
    """Append the rest of `url` to `part`. Returns the expected total size (None if unknown)."""
    offset = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, offset, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # range not satisfiable: the .part is stale; start over
            part.unlink()
            return _fetch_once(url, part, name, progress, cancel, timeout)
        kind = "not found" if exc.code == 404 else "refused" if exc.code < 500 else "a server error"
        raise DownloadError(f"downloading {name} failed: {kind} (HTTP {exc.code}) at {url}", _HINT) from exc
    with response:
        if offset and response.status != 206:  # the server ignored Range: start again from zero
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None and length.isdigit() else None
        done = offset
        with part.open("ab" if offset else "wb") as out:
            while True:
                check_cancel(cancel)
                block = response.read(CHUNK)
                if not block:
                    break
                out.write(block)
                done += len(block)
                if progress is not None:
                    fraction = done / total if total else 0.0
                    progress(min(1.0, fraction), f"Downloading {name} ({done / 1e6:.1f} MB)")
    if total is not None and done < total:
        raise ConnectionError(f"connection closed after {done} of {total} bytes")
    return total


def download_file(
    url: str,
    dest: Path,
    *,
    sha256: str | None = None,
    size: int | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    retries: int = 3,
    timeout: float = 30.0,
) -> Path:
    """Download `url` to `dest` unless it is already there and verified (then no network is used)."""
    dest = Path(dest)
    if dest.is_file() and is_verified(dest, sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    total: int | None = None
    for attempt in range(retries + 1):
        try:
            total = _fetch_once(url, part, dest.name, progress, cancel, timeout)
            break
        except (ConnectionError, http.client.HTTPException, TimeoutError) as exc:
            if attempt == retries:
                raise DownloadError(f"downloading {dest.name} was interrupted: {exc}", _HINT) from exc
        except urllib.error.URLError as exc:
            raise DownloadError(
                f"cannot reach the download server for {dest.name}: {exc.reason}", _HINT
            ) from exc
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DownloadError(
                    f"the disk is full while downloading {dest.name} to {dest.parent}",
                    "free some space and run the download again (it resumes where it stopped)",
                ) from exc
            raise DownloadError(f"downloading {dest.name} failed: {exc}", _HINT) from exc
    got = part.stat().st_size
    want = size if size is not None else total
    digest = _sha256(part)
    if (want is not None and got != want) or (sha256 is not None and digest != sha256.lower()):
        part.unlink(missing_ok=True)
        detail = f"size {got}, expected {want}" if want is not None and got != want else f"sha256 {digest}"
        raise DownloadError(
            f"the downloaded {dest.name} is damaged or not the expected file ({detail}); it was deleted",
            "run the download again; if it keeps failing, download the file yourself",
        )
    os.replace(part, dest)
    record = {"size": got, "sha256": digest, "source": url, "checked": "sha256" if sha256 else "size"}
    _sidecar(dest).write_text(json.dumps(record, indent=1), encoding="utf-8")
    return dest


def weights_folder(key: str, root: Path | None = None) -> Path:
    """Where weight set `key` is (or will be) downloaded."""
    return (root or paths.weights_dir()) / key


def _spec(key: str) -> WeightSet:
    if key not in KNOWN_WEIGHTS:
        raise WeightsMissingError(f"unknown weights {key!r}", f"known: {', '.join(KNOWN_WEIGHTS)}")
    return KNOWN_WEIGHTS[key]


def _usable_path(spec: WeightSet, folder: Path) -> Path:
    """The path load_content_encoder takes: the folder (hf-folder) or the single checkpoint (fairseq)."""
    return folder if spec.layout == "hf-folder" else folder / spec.files[0].name


def ensure_weights(
    key: str = DEFAULT_CONTENT_ENCODER,
    *,
    root: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    base_url: str | None = None,
) -> Path:
    """Download weight set `key` if needed; returns the path to give load_content_encoder.

    base_url replaces the manifest's host (mirrors, tests): <base_url>/<file name>.
    """
    spec = _spec(key)
    folder = weights_folder(key, root)
    files: list[WeightFile] = list(spec.files)
    for i, item in enumerate(files):
        url = f"{base_url.rstrip('/')}/{item.name}" if base_url else item.url

        def scaled(fraction: float, stage: str, i: int = i) -> None:
            if progress is not None:
                progress((i + fraction) / len(files), stage)

        download_file(
            url, folder / item.name, sha256=item.sha256, size=item.size, progress=scaled, cancel=cancel
        )
    return _usable_path(spec, folder)


def _registry() -> Path:
    return paths.weights_dir() / REGISTRY


def register_local_weights(path: str | Path, key: str = DEFAULT_CONTENT_ENCODER) -> Path:
    """Use weights the user downloaded: a content-vec-best folder (or its weight file) or a fairseq .pt.

    The path is checked and remembered in weights_dir()/local-weights.json; nothing is copied.
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        if not (path / "config.json").is_file() or not any(
            (path / n).is_file() for n in ("pytorch_model.bin", "model.safetensors")
        ):
            raise WeightsMissingError(
                f"{path} does not hold config.json and pytorch_model.bin (or model.safetensors)",
                "pick the content-vec-best folder, or a checkpoint_best_legacy_500.pt / hubert_base.pt file",
            )
    elif not path.is_file():
        raise WeightsMissingError(f"weights not found: {path}")
    registry = _registry()
    registry.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(registry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[key] = str(path)
    tmp = registry.with_name(registry.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, registry)
    return path


def find_weights(key: str = DEFAULT_CONTENT_ENCODER) -> Path | None:
    """A usable local path for `key` without any network access, or None.

    Order: $AUTOVOICE_CONTENT_ENCODER, a registered local path, a verified download.
    """
    env = os.environ.get(ENV_OVERRIDE)
    if env and Path(env).exists():
        return Path(env)
    with contextlib.suppress(OSError, ValueError):
        registered = json.loads(_registry().read_text(encoding="utf-8")).get(key)
        if registered and Path(registered).exists():
            return Path(registered)
    spec = KNOWN_WEIGHTS.get(key)
    if spec is None:
        return None
    folder = weights_folder(key)
    if all(is_verified(folder / f.name, f.sha256) for f in spec.files):
        return _usable_path(spec, folder)
    return None


def content_encoder_path() -> Path:
    """The content encoder to use: the default set, else any other known set; WeightsMissingError if none."""
    for key in (DEFAULT_CONTENT_ENCODER, *[k for k in KNOWN_WEIGHTS if k != DEFAULT_CONTENT_ENCODER]):
        found = find_weights(key)
        if found is not None:
            return found
    spec = KNOWN_WEIGHTS[DEFAULT_CONTENT_ENCODER]
    raise WeightsMissingError(
        f"the content encoder (ContentVec, about {spec.approx_mb} MB) is not downloaded yet",
        f"run `autovoice download-weights` once (from {spec.homepage}), or download config.json and "
        f"pytorch_model.bin yourself and run `autovoice download-weights --local FOLDER` "
        f"(a checkpoint_best_legacy_500.pt or hubert_base.pt file works too)",
    )
