"""Project files (.avproj): a small versioned JSON with everything needed to come back to an edit.

{"format": "autovoice-project", "version": 1, "input": {"path", "sha256"}, "voice_id", "params": {…},
 "curve": {"times_s", "detected_hz", "edited_hz"} | null, "history": {"steps": […], "index": n}}

Reading is strict: a file that is not JSON, not a project or misses a field is "corrupt"; a project written
by a newer AutoVoice (version > PROJECT_VERSION) is refused with a message saying so. Neither is ever
written over (`save_project` refuses such a target). Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.core.types import ConversionParams

FORMAT = "autovoice-project"
PROJECT_VERSION = 1
SUFFIX = ".avproj"


class ProjectError(AutoVoiceError):
    """A project file cannot be opened or written."""

    exit_code = 3


@dataclass(frozen=True)
class Project:
    """What a project file holds. params: ConversionParams without f0_curve (the curve is `curve`);
    curve: {"times_s", "detected_hz", "edited_hz"} lists or None; history: undo steps and the current index
    (written and read by app/project_session.py)."""

    input_path: str
    input_sha256: str
    voice_id: str
    params: ConversionParams
    curve: dict[str, list[float]] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    history_index: int = 0


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def params_to_dict(params: ConversionParams) -> dict[str, Any]:
    """JSON-ready parameters (the f0 curve is stored separately)."""
    return {f.name: getattr(params, f.name) for f in fields(ConversionParams) if f.name != "f0_curve"}


def params_from_dict(data: Any) -> ConversionParams:
    """ConversionParams from params_to_dict output; unknown keys are ignored, wrong types are corrupt."""
    if not isinstance(data, dict):
        raise ValueError("params is not an object")
    defaults = ConversionParams()
    values: dict[str, Any] = {}
    for f in fields(ConversionParams):
        if f.name == "f0_curve" or f.name not in data:
            continue
        value, default = data[f.name], getattr(defaults, f.name)
        if value is not None and default is not None and not isinstance(value, type(default)):
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            else:
                raise ValueError(f"params.{f.name} has the wrong type")
        values[f.name] = value
    return ConversionParams(**values)


def _to_json(project: Project) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": PROJECT_VERSION,
        "input": {"path": project.input_path, "sha256": project.input_sha256},
        "voice_id": project.voice_id,
        "params": params_to_dict(project.params),
        "curve": project.curve,
        "history": {"steps": project.history, "index": project.history_index},
    }


def _check_curve(curve: Any) -> dict[str, list[float]] | None:
    if curve is None:
        return None
    keys = ("times_s", "detected_hz", "edited_hz")
    if not isinstance(curve, dict) or any(not isinstance(curve.get(k), list) for k in keys):
        raise ValueError("curve is not {times_s, detected_hz, edited_hz}")
    if len({len(curve[k]) for k in keys}) != 1:
        raise ValueError("curve lists differ in length")
    if any(not isinstance(v, (int, float)) for k in keys for v in curve[k]):
        raise ValueError("curve holds something that is not a number")
    return {k: [float(v) for v in curve[k]] for k in keys}


def parse_project(text: str, name: str = "project") -> Project:
    """Project from JSON text; ProjectError (naming `name`) if corrupt or from a newer AutoVoice."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(
            f"{name}: the project file is corrupt ({exc.msg} at line {exc.lineno})",
            "open another project; this file was left as it is",
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectError(f"{name}: not an AutoVoice project", "open a .avproj file saved by AutoVoice")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectError(f"{name}: the project file is corrupt (no valid version)", "open another project")
    if version > PROJECT_VERSION:
        raise ProjectError(
            f"{name}: made by a newer AutoVoice (project version {version}, this one reads up to "
            f"{PROJECT_VERSION})",
            "update AutoVoice to open it; the file was left as it is",
        )
    try:
        source, history = data["input"], data.get("history") or {"steps": [], "index": 0}
        steps, index = history["steps"], history["index"]
        if not isinstance(steps, list) or not isinstance(index, int) or not 0 <= index <= len(steps):
            raise ValueError("history is not {steps, index}")
        if not isinstance(source["path"], str) or not isinstance(source["sha256"], str):
            raise ValueError("input is not {path, sha256}")
        if not isinstance(data["voice_id"], str):
            raise ValueError("voice_id is not text")
        return Project(
            input_path=source["path"],
            input_sha256=source["sha256"],
            voice_id=data["voice_id"],
            params=params_from_dict(data["params"]),
            curve=_check_curve(data.get("curve")),
            history=steps,
            history_index=index,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectError(f"{name}: the project file is corrupt ({exc})", "open another project") from None


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file (ProjectError if missing, unreadable, corrupt or from a newer AutoVoice)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such project file", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path}: cannot be read ({exc})", "open another project") from None
    return parse_project(text, str(path))


def save_project(path: str | os.PathLike[str], project: Project) -> Path:
    """Write atomically. Refuses to replace a file that is not a project this version can read (a newer or
    corrupt project is never written over)."""
    path = Path(path)
    if path.exists():
        try:
            load_project(path)
        except ProjectError as exc:
            raise ProjectError(
                f"{path}: not replaced: {exc.message}", "save the project under another name"
            ) from None
    text = json.dumps(_to_json(project), indent=1, allow_nan=False)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        if "temporary" in locals():
            Path(temporary).unlink(missing_ok=True)
        raise ProjectError(
            f"{path}: cannot be written ({exc.strerror or exc})", "check the folder and free space"
        ) from None
    return path
