"""The workers' single gateway to the engine and the audio layer, imported lazily.

Nothing heavy is imported when this module is: torch, the voices and soundfile load on the first call, which
happens on a worker thread after the window is shown. Tests hand the jobs a fake with the same methods.
The loaded voice is cached (one at a time: a new voice or device releases the previous one).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from autovoice_desktop.core.types import ConversionParams, ProgressFn, VoiceInfo

DEFAULT_DEVICES = [("auto", "Auto"), ("cpu", "CPU")]
OUTPUT_F0_HOP_S = 0.01  # estimate_f0: one frame every round(rate * OUTPUT_F0_HOP_S) samples


def _cuda_memory_held() -> bool:
    """True if this process has CUDA memory reserved (never initialises CUDA itself)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return False
    return any(torch.cuda.memory_reserved(i) > 0 for i in range(torch.cuda.device_count()))


class EngineBridge:
    """Lazy, thread-safe access to audio I/O, F0 estimation, voices and compute devices."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voice: Any = None
        self._voice_key: tuple[str, str] | None = None

    # --- audio -------------------------------------------------------------------------------------------
    def load_audio(self, path: str) -> Any:
        """LoadedAudio (samples (N,) float32 mono, sample_rate, info) of `path`."""
        from autovoice_desktop.audio.io import load_audio

        return load_audio(path)

    def save_audio(
        self,
        path: str,
        samples: np.ndarray,
        sample_rate: int,
        protected: tuple[str, ...],
        subtype: str | None = None,
    ) -> Path:
        """Write atomically (subtype: PCM_16, PCM_24, FLOAT or None = default); replaces an existing file the
        user confirmed, never one in `protected`."""
        from autovoice_desktop.audio.io import save_audio

        return save_audio(path, samples, sample_rate, subtype=subtype, overwrite=True, protected=protected)

    def estimate_f0(self, audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        """(times (T,) s, f0 (T,) Hz, 0 = unvoiced) for the pitch plot."""
        from autovoice_desktop.engine.pitch import estimate_f0

        return estimate_f0(audio, sample_rate, method="dio", hop_seconds=OUTPUT_F0_HOP_S)

    def analyse_input_pitch(
        self,
        voice_id: str,
        audio: np.ndarray,
        sample_rate: int,
        params: ConversionParams,
        progress: ProgressFn,
        cancel: threading.Event,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(times (T,) s, source F0 (T,) Hz) exactly as a conversion with built-in voice `voice_id` and
        `params` (its F0 method) will estimate it, or None for other voices (their F0 needs the model).

        The built-in voice keeps this analysis (engine/world_cache.py), so the Convert that follows with the
        same input and F0 method does not analyse again and gives the same audio. A fresh WorldVoice is used
        (it holds nothing), never the cached voice, so a conversion running meanwhile is not disturbed.
        """
        if not voice_id.startswith("builtin/"):
            return None
        from autovoice_desktop.engine.voices import find_voice
        from autovoice_desktop.engine.world_voice import WorldVoice

        info = find_voice(voice_id)
        # WorldVoice reports its pitch pass as 0…0.3 (that pass's share of a conversion): spread it to 0…1
        track = WorldVoice(info).analyse_pitch(
            audio, sample_rate, replace(params, f0_curve=None),
            progress=lambda fraction, _stage: progress(min(1.0, fraction / 0.3), "Analysing pitch"),
            cancel=cancel,
        )  # fmt: skip
        return track.times, track.source_f0

    def warm_up(self) -> None:
        """Import what the first conversion and F0 estimate need (pyworld pulls in pkg_resources, ~0.3 s
        with the GIL held), so that happens at start-up rather than in the middle of the user's first job."""
        self.estimate_f0(np.zeros(1600, dtype=np.float32), 16000)

    # --- voices ------------------------------------------------------------------------------------------
    def list_voices(self) -> list[VoiceInfo]:
        """Built-in and imported voices."""
        from autovoice_desktop.engine.voices import list_voices

        return list_voices()

    def import_voice(self, source: str, overwrite: bool = False) -> VoiceInfo:
        """Validate and import a So-VITS-SVC voice (folder or zip)."""
        from autovoice_desktop.engine.voices import import_voice

        return import_voice(source, overwrite=overwrite)

    def rename_voice(self, voice_id: str, new_name: str) -> VoiceInfo:
        """Rename an imported voice (its cached model is released first)."""
        from autovoice_desktop.core import paths
        from autovoice_desktop.engine.sovits.voice_admin import rename_installed

        self._forget(voice_id)
        return rename_installed(paths.voices_dir(), voice_id.split("/", 1)[-1], new_name)

    def remove_voice(self, voice_id: str) -> None:
        """Delete an imported voice (its cached model is released first)."""
        from autovoice_desktop.core import paths
        from autovoice_desktop.engine.sovits.voice_admin import remove_installed

        self._forget(voice_id)
        remove_installed(paths.voices_dir(), voice_id.split("/", 1)[-1])

    def _forget(self, voice_id: str) -> None:
        with self._lock:
            if self._voice_key is not None and self._voice_key[0] == voice_id:
                self._release_locked()

    def voice(self, voice_id: str, device: str) -> Any:
        """The loaded Voice `voice_id` on `device` (cached)."""
        with self._lock:
            if self._voice is not None and self._voice_key == (voice_id, device):
                return self._voice
            self._release_locked()
            from autovoice_desktop.engine.voices import load_voice

            self._voice = load_voice(voice_id, device=device)
            self._voice_key = (voice_id, device)
            return self._voice

    def release(self) -> bool:
        """Drop the cached voice and free its memory (GPU and RAM); True if a voice was loaded."""
        with self._lock:
            return self._release_locked()

    def release_gpu(self) -> bool:
        """Drop the cached voice only if GPU memory is held (the idle release); True if it was."""
        with self._lock:
            if self._voice is None or not _cuda_memory_held():
                return False
            return self._release_locked()

    def _release_locked(self) -> bool:
        if self._voice is None:
            return False
        self._voice.release()
        self._voice = None
        self._voice_key = None
        from autovoice_desktop.engine.device import release_memory

        release_memory()
        return True

    # --- compute devices ---------------------------------------------------------------------------------
    def devices(self) -> list[tuple[str, str]]:
        """(value, label) pairs: Auto, CPU, each CUDA GPU with its name and memory."""
        from autovoice_desktop.engine.device import list_compute_devices

        return list_compute_devices()

    def resolve_device(self, choice: str) -> tuple[str, str | None]:
        """(device to use, notice for the user when the choice could not be honoured)."""
        from autovoice_desktop.engine.device import resolve_device

        return resolve_device(choice)

    def describe_device(self, device: str) -> str:
        """'NVIDIA H100 80GB HBM3 (79 GB)' or 'CPU (8 threads)'."""
        from autovoice_desktop.engine.device import describe_device

        return describe_device(device)
