"""Settings from an untrusted file: read in bounded time and memory, every value checked or clamped.

`read_settings_bytes` opens the path without blocking (a FIFO or a device never hangs the start), refuses
anything that is not a regular file, and reads at most MAX_SETTINGS_BYTES + 1 bytes (a link to /dev/zero or
a huge file never fills memory). `clean_params` clamps or drops each conversion parameter that is out of
range, unknown or non-finite, with a log line per value, so a hand-edited file can never crash the window.
"""

from __future__ import annotations

import logging
import math
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

from autovoice_desktop.core.text import printable
from autovoice_desktop.core.types import F0_METHODS, ConversionParams

log = logging.getLogger(__name__)

#: Largest settings file read; a real one is about 1 kB.
MAX_SETTINGS_BYTES = 1024 * 1024
#: Longest string value kept (paths, voice ids, geometry); longer ones are dropped.
MAX_STRING_CHARS = 8192
PITCH_MODES = ("follow", "flat", "whisper")
MAX_SEED = 2**64 - 1
_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d{1,2})?)$")
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class UnusableSettingsFile(Exception):
    """The settings path holds something that cannot be a settings file (moved aside, defaults used)."""


def read_settings_bytes(path: Path) -> bytes:
    """The file's bytes; UnusableSettingsFile if it is not a regular file or is too large.

    FileNotFoundError / PermissionError / other OSError are raised as they are.
    """
    fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # a FIFO opens at once instead of waiting for a writer
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
            raise UnusableSettingsFile(f"it is {kind}, not a regular file")
        chunks, size = [], 0
        while size <= MAX_SETTINGS_BYTES:
            block = os.read(fd, min(1 << 16, MAX_SETTINGS_BYTES + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
        if size > MAX_SETTINGS_BYTES:
            raise UnusableSettingsFile(f"it is larger than {MAX_SETTINGS_BYTES // 1024} kB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _dropped(name: str, value: object, why: str, default: object) -> object:
    log.warning("settings: %s=%s %s; using %r", name, printable(repr(value), 80), why, default)
    return default


def _clamped(name: str, value: float, low: float, high: float, default: float) -> float:
    if not math.isfinite(value):
        return float(_dropped(name, value, "is not a finite number", default))  # type: ignore[arg-type]
    if not low <= value <= high:
        clamped = min(high, max(low, value))
        log.warning("settings: %s=%s is out of range (%g…%g); clamped to %g", name, value, low, high, clamped)
        return clamped
    return value


def clean_params(params: ConversionParams) -> ConversionParams:
    """Every parameter in the range the window offers; out-of-range values clamped, unknown ones dropped."""
    d = ConversionParams()
    median = params.target_median_f0
    if median is not None and not (math.isfinite(median) and 50.0 <= median <= 1100.0):
        median = _dropped("params.target_median_f0", median, "is not a pitch in 50…1100 Hz", None)
    seed = params.seed
    if seed is not None and not 0 <= seed <= MAX_SEED:
        seed = _dropped("params.seed", seed, "is not a 64-bit seed", None)
    speaker = params.speaker
    if speaker is not None and (len(speaker) > 1000 or "\x00" in speaker):
        speaker = _dropped("params.speaker", speaker, "is not a speaker name", None)
    mode = params.pitch_mode
    if mode not in PITCH_MODES:
        mode = _dropped("params.pitch_mode", mode, "is not a known mode", d.pitch_mode)
    method = params.f0_method
    if method is not None and method not in F0_METHODS:
        method = _dropped("params.f0_method", method, "is not a known F0 method", None)
    device = params.device
    if not _DEVICE.match(device):
        device = _dropped("params.device", device, "is not auto, cpu, cuda or cuda:N", d.device)
    if params.f0_curve is not None:  # a curve belongs to one input file; it is never restored from settings
        log.warning("settings: params.f0_curve ignored (a pitch curve is not a setting)")
    return replace(
        params,
        transpose=_clamped("params.transpose", params.transpose, -24.0, 24.0, d.transpose),
        formant_shift=_clamped("params.formant_shift", params.formant_shift, -12.0, 12.0, d.formant_shift),
        breathiness=_clamped("params.breathiness", params.breathiness, 0.1, 10.0, d.breathiness),
        noise_scale=_clamped("params.noise_scale", params.noise_scale, 0.0, 1.0, d.noise_scale),
        target_median_f0=median,  # type: ignore[arg-type]
        seed=seed,  # type: ignore[arg-type]
        speaker=speaker,  # type: ignore[arg-type]
        pitch_mode=str(mode),
        f0_method=method,  # type: ignore[arg-type]
        device=str(device),
        f0_curve=None,
    )


def string_problem(value: str) -> str | None:
    """Why a string from the file cannot be used (None if it can)."""
    if len(value) > MAX_STRING_CHARS:
        return f"is longer than {MAX_STRING_CHARS} characters"
    if "\x00" in value:
        return "holds a NUL character"
    return None
