"""Text-to-speech jobs for the window: list the TTS voices, and speak a text into a wav file (the new input).

The engine is imported inside `work()`, on the worker thread, so the window never loads it. A loaded TTS voice
is kept in a `TtsCache` (shared by the jobs, one job at a time) so the second Speak starts at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

from autovoice_desktop.core import paths
from autovoice_desktop.workers.job import Job


class TtsCache:
    """The loaded TTS voice, reused while its name stays the same (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tts: Any = None

    def get(self, name: str) -> Any:
        """The PiperTts for `name` ("" = the first installed), loading it if needed."""
        from autovoice_desktop.engine.tts.piper_engine import PiperTts, find_tts_voice

        with self._lock:
            info = find_tts_voice(name or None)
            if self._tts is None or self._tts.info != info:
                self._tts = None
                self._tts = PiperTts(info)
            return self._tts


class TtsVoicesJob(Job):
    """succeeded(list of voice names); [] and `unavailable(message)` if no engine or voice is installed."""

    title = "Could not list the text-to-speech voices"

    def work(self) -> Any:
        """Names of the installed TTS voices, or the install hint as a str."""
        from autovoice_desktop.engine.tts.piper_engine import (
            INSTALL_HINT,
            engine_available,
            list_tts_voices,
        )

        names = [v.name for v in list_tts_voices()]
        if names:
            return names
        what = "No text-to-speech voice is installed" if engine_available() else "Text to speech is off"
        return f"{what}: {INSTALL_HINT}."


class SpeakJob(Job):
    """Speak `text` with TTS voice `voice_name` into a new wav file; succeeded(str path)."""

    title = "Could not speak the text"

    def __init__(self, cache: TtsCache, text: str, voice_name: str, max_chars: int) -> None:
        super().__init__()
        self.cache, self.text, self.voice_name, self.max_chars = cache, text, voice_name, max_chars

    def work(self) -> Any:
        """Check and split the text, synthesise piece by piece (cancel between pieces), write the wav."""
        import numpy as np

        from autovoice_desktop.audio.io import save_audio
        from autovoice_desktop.engine.tts.say import speak
        from autovoice_desktop.engine.tts.text import check_text, split_text

        pieces = split_text(check_text(self.text, self.max_chars))
        self.report(0.0, "Loading the text-to-speech voice")
        tts = self.cache.get(self.voice_name)
        chunks = [s.audio for s in speak(tts, pieces, cancel=self.cancel_event, progress=self.report)]
        if not chunks:
            from autovoice_desktop.engine.tts.text import TextError

            raise TextError("nothing to say: the voice made no sound for this text", "use other words")
        folder = paths.cache_dir() / "speech"
        words = "-".join("".join(c for c in w if c.isalnum()) for w in self.text.split()[:4]).strip("-")
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{words[:40] or 'speech'}.wav"
        path = save_audio(Path(folder) / name, np.concatenate(chunks), tts.sample_rate, overwrite=True)
        _prune(folder, keep=KEEP_SPEECH_FILES)
        return str(path)


#: spoken texts kept in the cache folder (the oldest go first; Save As keeps a conversion for good)
KEEP_SPEECH_FILES = 20


def _prune(folder: Path, keep: int) -> None:
    """Delete all but the `keep` newest wav files in folder (best effort)."""
    with contextlib.suppress(OSError):
        files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
