"""An "AutoVoice Microphone" that chat and recording programs can pick (Linux: PulseAudio, or PipeWire through
its PulseAudio server), made with `pactl`: a null sink the live output plays into, plus a remap source on
that sink's monitor, which programs list as a microphone named "AutoVoice Microphone".

Both modules are loaded on demand and unloaded when the live mode stops or the app exits (an `atexit` hook);
after a crash, `remove_stale()` (called before every creation) unloads any left from an earlier run, found by
their sink/source names.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import subprocess

from autovoice_desktop.core.errors import AudioDeviceError

log = logging.getLogger(__name__)

SINK_NAME = "autovoice_live_out"
SOURCE_NAME = "autovoice_microphone"
SOURCE_DESCRIPTION = "AutoVoice Microphone"
SINK_DESCRIPTION = "AutoVoice Live Output"
_TIMEOUT_S = 10


def _pactl(*args: str) -> str:
    """Run pactl; AudioDeviceError with its message when it fails."""
    if shutil.which("pactl") is None:
        raise AudioDeviceError(
            "cannot create the AutoVoice Microphone: pactl is not installed",
            "install pulseaudio-utils (PulseAudio or PipeWire's pipewire-pulse must run)",
        )
    try:
        result = subprocess.run(
            ["pactl", *args], capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise AudioDeviceError(f"pactl failed: {exc}", "check that the sound server runs") from exc
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip() or f"exit code {result.returncode}"
        raise AudioDeviceError(f"pactl {args[0]} failed: {message}", "check that the sound server runs")
    return result.stdout


def available() -> bool:
    """True when pactl reaches a PulseAudio-compatible server."""
    try:
        _pactl("info")
    except AudioDeviceError:
        return False
    return True


def _our_modules() -> list[str]:
    """Indices of loaded modules that are ours (by sink/source name)."""
    found = []
    for line in _pactl("list", "short", "modules").splitlines():
        fields = line.split("\t")
        arguments = fields[2] if len(fields) > 2 else ""
        if f"sink_name={SINK_NAME}" in arguments or f"source_name={SOURCE_NAME}" in arguments:
            found.append(fields[0])
    return found


def remove_stale() -> int:
    """Unload AutoVoice Microphone modules left by an earlier run (e.g. after a crash). Returns how many."""
    modules = _our_modules()
    for index in reversed(modules):  # the remap source first, then its sink
        try:
            _pactl("unload-module", index)
        except AudioDeviceError as exc:
            log.warning("could not unload a stale AutoVoice Microphone module %s: %s", index, exc)
    if modules:
        log.info("removed %d stale AutoVoice Microphone module(s)", len(modules))
    return len(modules)


class VirtualMicrophone:
    """Create with `create()`, play the live output into `output_name`, `remove()` when done."""

    output_name = SINK_NAME

    def __init__(self) -> None:
        self._modules: list[str] = []

    @property
    def active(self) -> bool:
        """True between create() and remove()."""
        return bool(self._modules)

    def create(self) -> None:
        """Load the null sink and the remap source (after removing stale ones). Raises AudioDeviceError."""
        remove_stale()
        try:
            self._modules.append(
                _pactl(
                    "load-module",
                    "module-null-sink",
                    f"sink_name={SINK_NAME}",
                    "rate=48000",
                    "channels=1",
                    f"sink_properties='device.description=\"{SINK_DESCRIPTION}\"'",
                ).strip()
            )
            self._modules.append(
                _pactl(
                    "load-module",
                    "module-remap-source",
                    f"source_name={SOURCE_NAME}",
                    f"master={SINK_NAME}.monitor",
                    f"source_properties='device.description=\"{SOURCE_DESCRIPTION}\"'",
                ).strip()
            )
        except AudioDeviceError:
            self.remove()
            raise
        atexit.register(self.remove)
        log.info("created the AutoVoice Microphone (modules %s)", ", ".join(self._modules))

    def remove(self) -> None:
        """Unload what create() loaded (safe to call twice)."""
        modules, self._modules = self._modules, []
        for index in reversed(modules):
            try:
                _pactl("unload-module", index)
            except AudioDeviceError as exc:
                log.warning("could not unload AutoVoice Microphone module %s: %s", index, exc)
        if modules:
            atexit.unregister(self.remove)
