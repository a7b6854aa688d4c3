"""Fakes for GUI/controller tests: an engine bridge with a voice that sleeps in chunks, and a player."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from autovoice_desktop.core.errors import ModelFormatError, VoiceError
from autovoice_desktop.core.types import ConversionParams, VoiceInfo, check_cancel
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack, Voice, VoiceRequest

BUILTIN = VoiceInfo(
    "builtin/higher",
    "Higher",
    "builtin",
    "A lighter, higher voice",
    defaults=ConversionParams(transpose=4.0, formant_shift=2.0),
)
SOVITS = VoiceInfo(
    "sovits/duet",
    "Duet",
    "sovits",
    "Two singers",
    speakers=("alto", "tenor"),
    sample_rate=44100,
)


class SleepyVoice(Voice):
    """Converts by halving the amplitude, spending `chunk_s` per chunk of `chunk_audio_s` seconds of input."""

    def __init__(self, info: VoiceInfo, chunk_s: float = 0.05, chunk_audio_s: float = 2.0) -> None:
        self.info = info
        self.chunk_s = chunk_s
        self.chunk_audio_s = chunk_audio_s
        self.last_params: ConversionParams | None = None
        self.released = False

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        audio, sample_rate, params = request.audio, request.sample_rate, request.params
        self.last_params = params
        chunks = max(1, int(np.ceil(len(audio) / sample_rate / self.chunk_audio_s)))
        for i in range(chunks):
            check_cancel(request.cancel)
            request.report(i / chunks, "converting")
            time.sleep(self.chunk_s)
        check_cancel(request.cancel)
        times = np.arange(0, len(audio) / sample_rate, 0.01)
        source = np.where(np.arange(len(times)) % 50 < 35, 150.0, 0.0)
        target = source * 2 ** (params.transpose / 12)
        return ConversionResult(
            (audio * 0.5).astype(np.float32), sample_rate, PitchTrack(times, source, target), "cpu"
        )

    def release(self) -> None:
        self.released = True


class FakeBridge:
    """EngineBridge stand-in: real audio I/O, fake voices, devices and F0."""

    def __init__(self, voice_factory=None) -> None:  # noqa: ANN001
        self.voices = [BUILTIN, SOVITS]
        self.voice_factory = voice_factory or (lambda info: SleepyVoice(info))
        self.loaded: list[tuple[str, str]] = []
        self.current: Voice | None = None
        self.saved: list[str] = []
        self.fail_voice_load: Exception | None = None
        self.releases: list[str] = []  # "all" (the menu action) or "gpu" (the idle release), in call order
        self.holds_gpu = True

    def load_audio(self, path: str):  # noqa: ANN201
        from autovoice_desktop.audio.io import load_audio

        return load_audio(path)

    def save_audio(self, path, samples, sample_rate, protected, subtype=None):  # noqa: ANN001, ANN201
        from autovoice_desktop.audio.io import save_audio

        out = save_audio(path, samples, sample_rate, subtype=subtype, overwrite=True, protected=protected)
        self.saved.append(str(out))
        return out

    def estimate_f0(self, audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        times = np.arange(0, len(audio) / sample_rate, 0.01)
        return times, np.where(np.arange(len(times)) % 50 < 35, 220.0, 0.0)

    def list_voices(self) -> list[VoiceInfo]:
        return list(self.voices)

    def import_voice(self, source: str, overwrite: bool = False) -> VoiceInfo:
        folder = Path(source)
        if not (folder / "config.json").is_file():
            raise ModelFormatError(f"{folder.name}: no config.json found", "add G_*.pth + config.json")
        info = VoiceInfo(f"sovits/{folder.name}", folder.name, "sovits", speakers=("solo",))
        if any(v.voice_id == info.voice_id for v in self.voices):
            if not overwrite:
                raise VoiceError(f"a voice named {folder.name!r} is already installed", "pass --overwrite")
            self.voices = [v for v in self.voices if v.voice_id != info.voice_id]
        self.voices.append(info)
        return info

    def rename_voice(self, voice_id: str, new_name: str) -> VoiceInfo:
        old = next(v for v in self.voices if v.voice_id == voice_id)
        if any(v.name == new_name for v in self.voices):
            raise VoiceError(f"a voice named {new_name!r} is already installed", "choose another name")
        info = VoiceInfo(f"sovits/{new_name}", new_name, old.kind, old.description, old.speakers)
        self.voices = [info if v is old else v for v in self.voices]
        return info

    def remove_voice(self, voice_id: str) -> None:
        self.voices = [v for v in self.voices if v.voice_id != voice_id]

    def voice(self, voice_id: str, device: str) -> Voice:
        if self.fail_voice_load is not None:
            raise self.fail_voice_load
        self.loaded.append((voice_id, device))
        info = next(v for v in self.voices if v.voice_id == voice_id)
        self.current = self.voice_factory(info)
        return self.current

    def release(self) -> bool:
        freed, self.current = self.current is not None, None
        self.releases.append("all")
        return freed

    def release_gpu(self) -> bool:
        self.releases.append("gpu")
        freed = self.current is not None and self.holds_gpu
        if freed:
            self.current = None
        return freed

    def devices(self) -> list[tuple[str, str]]:
        return [("auto", "Auto (Fake GPU)"), ("cpu", "CPU"), ("cuda:0", "Fake GPU (8 GB)")]

    def resolve_device(self, choice: str) -> tuple[str, str | None]:
        if choice in ("auto", "cpu"):
            return "cpu", None
        return "cpu", "CUDA is not available; using the CPU."

    def describe_device(self, device: str) -> str:
        return "CPU (2 threads)" if device == "cpu" else "Fake GPU (8 GB)"


class FakePlayer:
    """Player stand-in: records calls; the position advances with wall time while playing."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.sources: dict[str, tuple[np.ndarray, int]] = {}
        self.source = "input"
        self._playing = False
        self._start_pos = 0.0
        self._started_at = 0.0

    def load(self, sources: dict[str, tuple[np.ndarray, int]]) -> None:
        self.calls.append(("load", tuple(sources)))
        self.sources = dict(sources)
        self._playing = False

    def play(self, source: str = "input", start_seconds: float = 0.0) -> None:
        self.calls.append(("play", source, round(start_seconds, 3)))
        self.source, self._playing = source, True
        self._start_pos, self._started_at = start_seconds, time.monotonic()

    def pause(self) -> None:
        self.calls.append(("pause",))
        self._start_pos, self._playing = self.position_seconds, False

    def stop(self) -> None:
        self.calls.append(("stop",))
        self._playing, self._start_pos = False, 0.0

    def seek(self, seconds: float) -> None:
        self.calls.append(("seek", round(seconds, 3)))
        self._start_pos, self._started_at = seconds, time.monotonic()

    def switch(self, source: str) -> None:
        self.calls.append(("switch", source, round(self.position_seconds, 1)))
        self.source = source

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def position_seconds(self) -> float:
        if not self._playing:
            return self._start_pos
        return self._start_pos + time.monotonic() - self._started_at


def _fake_player_replace_source(self, name: str, samples: np.ndarray, sample_rate: int) -> bool:  # noqa: ANN001
    """FakePlayer: swap a source of the same length while playing (the pitch editor's re-render)."""
    old = self.sources.get(name)
    if old is None or len(old[0]) != len(samples) or old[1] != sample_rate:
        return False
    self.calls.append(("replace_source", name))
    self.sources[name] = (samples, sample_rate)
    return True


FakePlayer.replace_source = _fake_player_replace_source
