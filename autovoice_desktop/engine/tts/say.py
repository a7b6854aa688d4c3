"""Text to converted speech, piece by piece: each piece is synthesised, converted and handed out at once.

`speak()` is a generator, so a caller (the CLI writing a file, a player) gets the first converted audio after
the first piece, and memory holds a few pieces at a time however long the text is. While a piece is being
converted, a helper thread already synthesises the next one (onnxruntime and pyworld both release the GIL,
so on two cores the two steps overlap); it is bounded to `PREFETCH` pieces ahead and always joined before
`speak()` returns, is cancelled or is closed. `cancel` is checked between pieces and inside the conversion
(ConversionCancelled).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autovoice_desktop.core.types import ConversionParams, ProgressFn, check_cancel
from autovoice_desktop.engine.tts.text import Piece
from autovoice_desktop.engine.voice import Voice

#: pieces synthesised ahead of the one being converted
PREFETCH = 2


class Synthesizer(Protocol):
    """What `speak` needs from a TTS (PiperTts implements it)."""

    sample_rate: int

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
    """TTS output of pieces[index]: (N,) float32 speech and the seconds it took (error: what it raised)."""

    index: int
    speech: np.ndarray | None
    tts_s: float
    error: BaseException | None = None


def _synthesise_ahead(
    tts: Synthesizer, pieces: Sequence[Piece], rate: float, out: queue.Queue, stop: threading.Event
) -> None:
    """Helper thread: synthesise every piece in order into `out` (bounded), until done or `stop`."""
    for index, piece in enumerate(pieces):
        if stop.is_set():
            return
        start = time.perf_counter()
        try:
            item = _Speech(index, tts.synthesize(piece.text, rate), time.perf_counter() - start)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            item = _Speech(index, None, 0.0, exc)
        while not stop.is_set():
            try:
                out.put(item, timeout=0.05)
                break
            except queue.Full:
                continue
        if item.error is not None:
            return


def synthesised(
    tts: Synthesizer, pieces: Sequence[Piece], rate: float = 1.0, cancel: threading.Event | None = None
) -> Iterator[_Speech]:
    """Each piece's speech in order, synthesised up to PREFETCH pieces ahead on a helper thread.

    The thread is stopped and joined when the iteration ends, fails, is cancelled or is closed early."""
    out: queue.Queue = queue.Queue(maxsize=PREFETCH)
    stop = threading.Event()
    worker = threading.Thread(
        target=_synthesise_ahead, args=(tts, pieces, rate, out, stop), name="tts-prefetch", daemon=True
    )
    worker.start()
    try:
        for _ in range(len(pieces)):
            while True:
                check_cancel(cancel)
                try:
                    item = out.get(timeout=0.05)
                    break
                except queue.Empty:
                    if not worker.is_alive() and out.empty():
                        raise RuntimeError("the TTS thread stopped unexpectedly") from None
            if item.error is not None:
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()


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
        assert speech is not None
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
            item.index, count, piece.text, audio, sample_rate, len(speech) / tts.sample_rate, item.tts_s,
            convert_s,
        )
