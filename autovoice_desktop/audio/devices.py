"""Audio devices: list them, find the defaults, resolve a user's choice, and explain failures.

The sound system is reached through a sounddevice-like module (`sd`), injected so tests can pass a fake.
`load_sounddevice()` imports the real one and turns "PortAudio library not found" into an AudioDeviceError.
PortAudio enumerates devices once, when it is initialised; `list_devices(refresh=True)` re-initialises it
(only while no stream is open) so devices plugged in, or a sound server started, after launch appear.

PortAudio on Linux reaches PulseAudio/PipeWire only through the ALSA ``pulse`` device and does not list the
server's own sources and sinks. A name that matches no PortAudio device but names (or describes) a
PulseAudio source/sink is therefore used through ``pulse`` with PULSE_SOURCE / PULSE_SINK set.

Thread safety: PortAudio is not thread-safe across Pa_Terminate/Pa_Initialize. Every call that lists, checks
or opens devices runs under `portaudio_lock()`, and streams opened under it are registered with
`track_stream`; `refresh()` re-initialises only when no tracked stream is still open. Without this, a device
refresh on a helper thread during playback or recording tore PortAudio down under the open stream (abort).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import subprocess
import threading
import weakref
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from autovoice_desktop.core.errors import AudioDeviceError
from autovoice_desktop.core.types import AudioDeviceInfo

log = logging.getLogger(__name__)

#: a user's device choice: None (the default), an index, or (part of) a name
DeviceSpec = int | str | None

_PORTAUDIO_HINT = "install PortAudio: on Debian/Ubuntu `apt install libportaudio2`"


_PORTAUDIO_LOCK = threading.RLock()
_open_streams: weakref.WeakSet[Any] = weakref.WeakSet()


@contextlib.contextmanager
def portaudio_lock() -> Iterator[None]:
    """Hold while listing, checking or opening devices: no re-initialisation can run meanwhile."""
    with _PORTAUDIO_LOCK:
        yield


def track_stream(stream: Any) -> Any:
    """Register a stream opened under `portaudio_lock()`; refresh() waits until it is closed. Returns it."""
    with _PORTAUDIO_LOCK, contextlib.suppress(TypeError):  # a fake stream that can't be weak-referenced
        _open_streams.add(stream)
    return stream


def _any_stream_open() -> bool:
    return any(not getattr(stream, "closed", True) for stream in list(_open_streams))


def load_sounddevice() -> ModuleType:
    """Import sounddevice; AudioDeviceError if PortAudio (libportaudio2) is missing."""
    try:
        import sounddevice
    except OSError as exc:  # "PortAudio library not found"
        raise AudioDeviceError(f"cannot use audio devices: {exc}", _PORTAUDIO_HINT) from exc
    return sounddevice


def _module(sd: Any | None) -> Any:
    return sd if sd is not None else load_sounddevice()


def refresh(sd: Any | None = None) -> None:
    """Re-initialise PortAudio so its device list is current; skipped while a tracked stream is open."""
    sd = _module(sd)
    terminate = getattr(sd, "_terminate", None)
    initialize = getattr(sd, "_initialize", None)
    if terminate is None or initialize is None:
        return
    with _PORTAUDIO_LOCK:
        if _any_stream_open():
            log.info("not re-initialising PortAudio: a stream is open (the device list may be stale)")
            return
        try:
            with contextlib.suppress(Exception):
                terminate()
            initialize()
        except Exception as exc:  # PortAudioError: keep going with what PortAudio had
            log.warning("re-initialising PortAudio failed: %s", exc)


def _default_indices(sd: Any) -> tuple[int, int]:
    try:
        pair = list(sd.default.device)
    except Exception:
        return -1, -1
    result = []
    for value in pair[:2]:
        try:
            result.append(int(value) if value is not None else -1)
        except (TypeError, ValueError):
            result.append(-1)
    while len(result) < 2:
        result.append(-1)
    return result[0], result[1]


def list_devices(sd: Any | None = None, *, refresh_first: bool = False) -> list[AudioDeviceInfo]:
    """Every device PortAudio lists, as AudioDeviceInfo (defaults flagged)."""
    sd = _module(sd)
    with _PORTAUDIO_LOCK:
        if refresh_first:
            refresh(sd)
        try:
            raw = list(sd.query_devices())
        except Exception as exc:
            raise AudioDeviceError(f"cannot list audio devices: {exc}", "check the sound system") from exc
        default_in, default_out = _default_indices(sd)
        return _device_infos(sd, raw, default_in, default_out)


def _device_infos(sd: Any, raw: list[Any], default_in: int, default_out: int) -> list[AudioDeviceInfo]:
    host_names: dict[int, str] = {}
    devices = []
    for position, dev in enumerate(raw):
        index = int(dev.get("index", position))
        host = int(dev.get("hostapi", 0))
        if host not in host_names:
            try:
                host_names[host] = str(sd.query_hostapis(host)["name"])
            except Exception:
                host_names[host] = "?"
        devices.append(
            AudioDeviceInfo(
                index=index,
                name=str(dev["name"]),
                host_api=host_names[host],
                max_input_channels=int(dev.get("max_input_channels", 0)),
                max_output_channels=int(dev.get("max_output_channels", 0)),
                default_sample_rate=float(dev.get("default_samplerate", 0.0)),
                is_default_input=index == default_in,
                is_default_output=index == default_out,
            )
        )
    return devices


def _has(dev: AudioDeviceInfo, kind: str) -> bool:
    return (dev.max_input_channels if kind == "input" else dev.max_output_channels) > 0


def default_device(kind: str, sd: Any | None = None) -> AudioDeviceInfo:
    """The default input or output device; AudioDeviceError if there is none."""
    return resolve_device(None, kind, sd)


def _none_error(kind: str) -> AudioDeviceError:
    what = "microphone / input" if kind == "input" else "speaker / output"
    return AudioDeviceError(
        f"no audio {what} device found",
        "connect one, check that the sound server (PulseAudio/PipeWire) runs, then refresh the device list",
    )


def resolve_device(spec: DeviceSpec, kind: str, sd: Any | None = None) -> AudioDeviceInfo:
    """Find the device the user means.

    spec: None or "" (the default device of `kind`), an index (int or digit string), or a name: an exact
    name first, then a case-insensitive part of a name that matches exactly one device of `kind`.
    kind: "input" or "output". Raises AudioDeviceError with the choices when nothing (or several) match.
    """
    if kind not in ("input", "output"):
        raise ValueError(f"kind must be 'input' or 'output', not {kind!r}")
    _forget_pulse_choice(kind)
    devices = [dev for dev in list_devices(sd) if _has(dev, kind)]
    if not devices:
        raise _none_error(kind)
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        for dev in devices:
            if dev.is_default_input if kind == "input" else dev.is_default_output:
                return dev
        return devices[0]  # no default marked: the first device that can do it
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        for dev in devices:
            if dev.index == index:
                return dev
        raise AudioDeviceError(f"no {kind} device with index {index}", _choices(devices))
    text = str(spec).strip()
    exact = [dev for dev in devices if dev.name == text]
    if exact:
        return exact[0]
    partial = [dev for dev in devices if text.lower() in dev.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise AudioDeviceError(f"'{text}' matches several {kind} devices", _choices(partial))
    via_pulse = _pulse_endpoint_device(text, kind, devices)
    if via_pulse is not None:
        return via_pulse
    raise AudioDeviceError(f"no {kind} device named '{text}'", _choices(devices))


def pulse_endpoints(kind: str) -> list[tuple[str, str]]:
    """(name, description) of the PulseAudio/PipeWire sources (input) or sinks (output); [] without pactl."""
    if shutil.which("pactl") is None:
        return []
    try:
        listing = subprocess.run(
            ["pactl", "list", "sources" if kind == "input" else "sinks"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found: list[tuple[str, str]] = []
    name = ""
    for line in listing.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Name":
            name = value
        elif key == "Description" and name:
            found.append((name, value))
            name = ""
    return found


def _pulse_endpoint_device(text: str, kind: str, devices: list[AudioDeviceInfo]) -> AudioDeviceInfo | None:
    """The ALSA `pulse` device aimed at the PulseAudio source/sink `text` names (env PULSE_SOURCE/SINK)."""
    pulse = [dev for dev in devices if dev.name == "pulse"]
    if not pulse:
        return None
    endpoints = pulse_endpoints(kind)
    low = text.lower()
    exact = [n for n, d in endpoints if low in (n.lower(), d.lower())]
    partial = [n for n, d in endpoints if low in n.lower() or low in d.lower()]
    chosen = exact[0] if exact else partial[0] if len(partial) == 1 else None
    if chosen is None:
        return None
    os.environ[_PULSE_ENV[kind]] = chosen  # read by the ALSA pulse plugin when the stream opens
    _pulse_env_set.add(_PULSE_ENV[kind])
    return dataclasses.replace(pulse[0], name=f"pulse: {chosen}")


_PULSE_ENV = {"input": "PULSE_SOURCE", "output": "PULSE_SINK"}
_pulse_env_set: set[str] = set()


def _forget_pulse_choice(kind: str) -> None:
    """Undo an earlier PULSE_SOURCE/PULSE_SINK choice made here (not one the user set)."""
    key = _PULSE_ENV[kind]
    if key in _pulse_env_set:
        os.environ.pop(key, None)
        _pulse_env_set.discard(key)


def _choices(devices: list[AudioDeviceInfo]) -> str:
    listed = ", ".join(f"{dev.index}: {dev.name}" for dev in devices[:12])
    return f"choose one of: {listed}; `autovoice devices` lists them all"


def describe(dev: AudioDeviceInfo) -> str:
    """One line for lists: index, name, host API, channels, rate, default markers."""
    marks = []
    if dev.is_default_input:
        marks.append("default input")
    if dev.is_default_output:
        marks.append("default output")
    mark = f"  [{', '.join(marks)}]" if marks else ""
    return (
        f"{dev.index:>3}  {dev.name}  ({dev.host_api}; "
        f"in {dev.max_input_channels}, out {dev.max_output_channels}; "
        f"{dev.default_sample_rate:g} Hz){mark}"
    )


def stream_error(
    exc: BaseException, dev: AudioDeviceInfo | None, kind: str, rate: int | None
) -> AudioDeviceError:
    """A clear AudioDeviceError for an exception raised while opening or running a stream."""
    name = f"'{dev.name}'" if dev else f"the default {kind} device"
    text = str(exc)
    low = text.lower()
    if "sample rate" in low or "samplerate" in low or "-9997" in low:
        return AudioDeviceError(
            f"{name} does not support {rate} Hz" if rate else f"{name} rejected the sample rate",
            f"choose another rate; the device's own rate is {dev.default_sample_rate:g} Hz"
            if dev
            else "choose another rate",
        )
    if "busy" in low or "unavailable" in low or "-9985" in low:
        return AudioDeviceError(
            f"{name} is busy or unavailable ({text})",
            "close other programs that use it, or pick another device",
        )
    if "channel" in low or "-9998" in low:
        return AudioDeviceError(f"{name} cannot open that many channels ({text})", "pick another device")
    if "invalid device" in low or "no device" in low or "-9996" in low:
        return AudioDeviceError(f"{name} does not exist any more ({text})", "refresh the device list")
    return AudioDeviceError(
        f"cannot use {name}: {text or type(exc).__name__}", "pick another device or retry"
    )
