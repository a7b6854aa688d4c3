"""Text to converted speech, piece by piece: each piece is synthesised, converted and handed out at once.

`speak()` is a generator, so a caller (the CLI writing a file, a player) gets the first converted audio after
the first piece, and memory holds a few pieces at a time however long the text is. While a piece is being
converted, helper threads (one per TTS session, `tts.parallelism`) already synthesise the next ones
(onnxruntime and pyworld both release the GIL, so on two cores the steps overlap), except during the first
piece's conversion, which runs alone so that the first audio comes early; at most
parallelism + PREFETCH pieces are ahead, and the threads are always joined before `speak()` returns, is
cancelled or is closed. `cancel` is checked between pieces and inside the conversion
(ConversionCancelled).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from autovoice_desktop.core.types import ConversionParams, ProgressFn, check_cancel
from autovoice_desktop.engine.tts.text import Piece
from autovoice_desktop.engine.voice import Voice

#: pieces synthesised ahead of the one being converted, beyond one per helper thread
PREFETCH = 2
#: F0 method of the built-in (WORLD) voices for TTS speech when none is chosen. Piper's voices have a weak
#: fundamental (about 30 dB below the 150-300 Hz band for en_US "joe"), on which WORLD's harvest/dio lock on
#: to harmonics and disagree, so the voice rendered about 85 % of the speech unvoiced (whispered); "nccf"
#: (periodicity) voices about as many frames as Praat and pYIN do and costs about 1/14 of the CPU.
TTS_BUILTIN_F0_METHOD = "nccf"


def tts_params(voice_kind: str, params: ConversionParams, f0_method_chosen: bool) -> ConversionParams:
    """The conversion parameters for TTS speech: a built-in voice uses TTS_BUILTIN_F0_METHOD unless the user
    chose an F0 method (f0_method_chosen); other voices, and chosen methods, are left as they are."""
    if voice_kind != "builtin" or f0_method_chosen:
        return params
    return replace(params, f0_method=TTS_BUILTIN_F0_METHOD)


class Synthesizer(Protocol):
    """What `speak` needs from a TTS (PiperTts implements it)."""

    sample_rate: int
    parallelism: int  # how many synthesize() calls may run at once

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        """(N,) float32 speech for one piece of text."""
        ...


@dataclass(frozen=True)
class SpokenPiece:
    """One piece of the text, spoken and converted.

    audio: (N,) float32 mono at sample_rate, the piece's pause included at its end.
    tts_audio_s: seconds of speech the TTS made; tts_s / convert_s: seconds each step took.
    """

    index: int
    count: int
    text: str
    audio: np.ndarray
    sample_rate: int
    tts_audio_s: float
    tts_s: float
    convert_s: float


@dataclass(frozen=True)
class _Speech:
    """TTS output of pieces[index]: (N,) float32 speech and the seconds it took."""

    index: int
    speech: np.ndarray
    tts_s: float


def _synthesise(tts: Synthesizer, index: int, text: str, rate: float) -> _Speech:
    start = time.perf_counter()
    speech = tts.synthesize(text, rate)
    return _Speech(index, speech, time.perf_counter() - start)


def synthesised(
    tts: Synthesizer, pieces: Sequence[Piece], rate: float = 1.0, cancel: threading.Event | None = None
) -> Iterator[_Speech]:
    """Each piece's speech in order, synthesised ahead on `tts.parallelism` helper threads.

    At most parallelism + PREFETCH pieces are in flight or waiting, so memory stays bounded. The first piece
    is synthesised alone and the others start only when the caller asks for the second one, so the first
    piece's conversion (the first audio) has the machine to itself. The threads are stopped (queued pieces
    dropped) and joined when the iteration ends, fails, is cancelled or is closed."""
    workers = max(1, int(getattr(tts, "parallelism", 1)))
    window = 1
    todo = iter(enumerate(pieces))
    pending: deque[Future[_Speech]] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tts-prefetch")
    try:
        while True:
            while len(pending) < window:
                nxt = next(todo, None)
                if nxt is None:
                    break
                pending.append(pool.submit(_synthesise, tts, nxt[0], nxt[1].text, rate))
            if not pending:
                return
            future = pending.popleft()
            while True:
                check_cancel(cancel)
                try:
                    item = future.result(timeout=0.05)
                    break
                except FutureTimeout:
                    continue
            yield item
            window = workers + PREFETCH
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


def speak(
    tts: Synthesizer,
    pieces: Sequence[Piece],
    *,
    voice: Voice | None = None,
    params: ConversionParams | None = None,
    rate: float = 1.0,
    cancel: threading.Event | None = None,
    progress: ProgressFn | None = None,
) -> Iterator[SpokenPiece]:
    """Yield each piece as speech in `voice` (the TTS voice itself if voice is None).

    Pieces that give no speech (symbols the TTS cannot say) are skipped. progress(fraction, stage) is called
    after each piece; ConversionCancelled is raised between pieces once `cancel` is set.
    """
    params = params or ConversionParams()
    count = len(pieces)
    for item in synthesised(tts, pieces, rate, cancel):
        piece, speech = pieces[item.index], item.speech
        if len(speech) == 0:
            continue
        pause = np.zeros(round(piece.pause_s * tts.sample_rate), np.float32)
        audio, sample_rate = np.concatenate([speech, pause]), tts.sample_rate
        convert_s = 0.0
        if voice is not None:
            check_cancel(cancel)
            start = time.perf_counter()
            result = voice.convert(audio, sample_rate, params, cancel=cancel)
            audio, sample_rate = result.audio, result.sample_rate
            convert_s = time.perf_counter() - start
        if progress is not None:
            progress((item.index + 1) / count, f"Speaking {item.index + 1} of {count}")
        yield SpokenPiece(
            item.index,
            count,
            piece.text,
            audio,
            sample_rate,
            len(speech) / tts.sample_rate,
            item.tts_s,
            convert_s,
        )
