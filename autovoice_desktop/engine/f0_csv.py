"""Read and write target pitch curves as CSV: a `time_s,f0_hz` header, one row per frame, 0 Hz = unvoiced.

Reading is strict, because a curve that is silently wrong ruins a take: every problem is a `CurveFileError`
(exit code 2, a bad command-line input) whose one-line message names the file and the line.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.core.types import F0Curve

HEADER = "time_s,f0_hz"
#: The highest F0 accepted (Hz). No voice goes near it; a larger number is a unit mistake (cents, MIDI, ms).
MAX_F0_HZ = 4000.0


class CurveFileError(AutoVoiceError):
    """A pitch-curve CSV cannot be used (missing, unreadable or malformed)."""

    exit_code = 2


def curve_from_arrays(times_s: np.ndarray, f0_hz: np.ndarray) -> F0Curve:
    """F0Curve from (T,) times in seconds and (T,) Hz (0 = unvoiced)."""
    return F0Curve(tuple(float(t) for t in times_s), tuple(float(f) for f in f0_hz))


def _number(text: str, what: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CurveFileError(
            f"{where}: {what} {text.strip()!r} is not a number", "fix or remove that line"
        ) from None
    if not math.isfinite(value):
        raise CurveFileError(f"{where}: {what} {text.strip()!r} is not a finite number", "fix that line")
    return value


def parse_curve(text: str, name: str = "curve") -> F0Curve:
    """Parse CSV text (header `time_s,f0_hz`); `name` is used in messages. Raises CurveFileError."""
    lines = text.splitlines()
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        raise CurveFileError(f"{name}: the file is empty", f"write the header {HEADER} and one row per frame")
    first_number, first = rows[0]
    if first.strip().lstrip("\ufeff").replace(" ", "").lower() != HEADER:
        raise CurveFileError(
            f"{name}:{first_number}: the header is {first.strip()[:40]!r}, not {HEADER!r}",
            "export a curve with `autovoice pitch` to see the format",
        )
    if len(rows) == 1:
        raise CurveFileError(f"{name}: the file has a header but no frames", "add one row per frame")
    times: list[float] = []
    hz: list[float] = []
    for number, line in rows[1:]:
        where = f"{name}:{number}"
        cells = line.split(",")
        if len(cells) != 2:
            raise CurveFileError(
                f"{where}: expected 2 values (time_s,f0_hz), found {len(cells)}", "fix that line"
            )
        time_s = _number(cells[0], "time", where)
        f0 = _number(cells[1], "F0", where)
        if time_s < 0:
            raise CurveFileError(f"{where}: time {time_s:g} s is negative", "times start at 0")
        if times and time_s <= times[-1]:
            raise CurveFileError(
                f"{where}: time {time_s:g} s is not after the previous row's {times[-1]:g} s",
                "sort the rows by time, without repeats",
            )
        if f0 < 0:
            raise CurveFileError(f"{where}: F0 {f0:g} Hz is negative", "use 0 for unvoiced frames")
        if f0 > MAX_F0_HZ:
            raise CurveFileError(
                f"{where}: F0 {f0:g} Hz is above {MAX_F0_HZ:g} Hz", "give F0 in Hz (0 = unvoiced)"
            )
        times.append(time_s)
        hz.append(f0)
    return F0Curve(tuple(times), tuple(hz))


def read_curve(path: str | os.PathLike[str]) -> F0Curve:
    """Read a curve CSV file. Raises CurveFileError (missing, unreadable, malformed)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CurveFileError(f"{path}: no such file", "check the --f0-curve path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CurveFileError(f"{path}: cannot be read ({exc})", "give a UTF-8 text file") from None
    return parse_curve(text, str(path))


def format_curve(curve: F0Curve) -> str:
    """CSV text of a curve: the header, then `time_s,f0_hz` rows (12 significant digits: round-trips exactly
    enough that an exported, unedited curve converts like no curve)."""
    rows = [HEADER] + [f"{t:.9f},{f:.12g}" for t, f in zip(curve.times_s, curve.f0_hz, strict=True)]
    return "\n".join(rows) + "\n"


def write_curve(path: str | os.PathLike[str], curve: F0Curve, *, overwrite: bool = False) -> Path:
    """Write a curve CSV atomically (temporary file + rename). Refuses to replace a file unless overwrite."""
    from autovoice_desktop.core.errors import OutputError, OutputExistsError

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path}: already exists", "use --overwrite or choose another name")
    if not path.parent.is_dir():
        raise OutputError(f"{path.parent}: folder does not exist", "create it or choose another path")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(format_curve(curve))
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written ({exc})", "check the folder and free space") from None
    return path
