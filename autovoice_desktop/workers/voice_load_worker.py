"""Voice-related jobs: listing voices and compute devices at start-up, and importing a voice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError, VoiceError
from autovoice_desktop.workers.engine_bridge import DEFAULT_DEVICES
from autovoice_desktop.workers.job import Job
from autovoice_desktop.workers.log_notes import summary, warnings_logged

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceReport:
    """devices: (value, label) pairs for the picker; description: what "auto"/the choice resolves to."""

    devices: list[tuple[str, str]]
    description: str
    notice: str | None = None


class StartupJob(Job):
    """Lists the voices (`voices_ready(list[VoiceInfo])`), then probes compute devices (torch loads here)."""

    title = "Could not list the voices"
    voices_ready = Signal(object)

    def __init__(self, bridge: Any, device_choice: str = "auto") -> None:
        super().__init__()
        self.bridge = bridge
        self.device_choice = device_choice

    def work(self) -> DeviceReport:
        """Voices first (the picker fills quickly), then devices."""
        self.voices_ready.emit(self.bridge.list_voices())
        warm_up = getattr(self.bridge, "warm_up", None)
        if warm_up is not None:
            try:
                warm_up()
            except Exception:  # noqa: BLE001 - only an optimisation; the real call reports any error
                log.warning("warm-up failed", exc_info=True)
        try:
            devices = self.bridge.devices()
            device, notice = self.bridge.resolve_device(self.device_choice)
            return DeviceReport(devices, self.bridge.describe_device(device), notice)
        except (AutoVoiceError, ImportError, RuntimeError, OSError) as exc:
            log.warning("compute devices could not be probed: %s", exc, exc_info=True)
            return DeviceReport(list(DEFAULT_DEVICES), "CPU", f"GPU detection failed ({exc}); using the CPU.")


#: Logger of the import's folder scan; its warnings (symbolic links not followed) reach the window's notice.
IMPORT_SCAN_LOGGER = "autovoice_desktop.engine.sovits.import_scan"


class ImportVoiceJob(Job):
    """Imports a voice folder or zip; succeeds with (the new VoiceInfo, the refreshed voice list, notes).

    notes: one line (empty if none) naming what the import skipped, e.g. symbolic links it did not follow.

    If a voice of that name is already installed (and overwrite is off), `exists(message)` is emitted and the
    job succeeds with None, so the window can ask whether to replace it.
    """

    title = "Could not import the voice"
    exists = Signal(str)

    def __init__(self, bridge: Any, source: str, overwrite: bool = False) -> None:
        super().__init__()
        self.bridge = bridge
        self.source = source
        self.overwrite = overwrite

    def work(self) -> tuple[Any, list[Any], str] | None:
        """Validate + copy, then list the voices again."""
        self.report(0.0, "Checking the voice")
        try:
            with warnings_logged(IMPORT_SCAN_LOGGER) as skipped:
                info = self.bridge.import_voice(self.source, self.overwrite)
        except VoiceError as exc:
            if self.overwrite or "already installed" not in exc.message:
                raise
            self.exists.emit(exc.message)
            return None
        notes = [m.removeprefix("import: ") for m in skipped.messages]
        return info, self.bridge.list_voices(), summary(notes, skipped.total)


class ReleaseJob(Job):
    """Unloads the cached voice off the GUI thread; succeeds with True if memory was freed.

    gpu_only: release only if the voice holds GPU memory (the idle release); else always (the menu action).
    """

    title = "Could not unload the voice"

    def __init__(self, bridge: Any, gpu_only: bool = False) -> None:
        super().__init__()
        self.bridge = bridge
        self.gpu_only = gpu_only

    def work(self) -> bool:
        """Release through the bridge."""
        release = self.bridge.release_gpu if self.gpu_only else self.bridge.release
        return bool(release())
