"""Text for the TTS: clean it, check its size, and split it into short pieces at sentence boundaries.

Pieces are what the TTS synthesises one at a time, so the first audio is ready after the first piece and
memory is bounded by the longest piece, not by the text. A sentence longer than `max_chars` is split at
clause punctuation (, ; : —), then at spaces, and as a last resort inside a word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from autovoice_desktop.core.errors import AutoVoiceError

#: The longest text one `say` accepts (about 3 hours of speech). Longer texts: split into files.
MAX_TEXT_CHARS = 1_000_000
#: The longest piece synthesised at once (a few seconds of speech; bounds memory and cancel latency).
MAX_PIECE_CHARS = 300
#: The first piece is kept short (a few words, cut at a comma or a space) so the first audio is ready early:
#: about 1.3 s of speech (Piper's English voices say about 15 characters per second).
FIRST_PIECE_CHARS = 20
#: a first piece does not end on a word this short if an earlier space allows it ("Every morning | the …")
_SHORT_WORD = 3

# Sentence end: . ! ? … plus closing quotes/brackets, then whitespace or the end; CJK 。！？ need no space.
_SENTENCE_END = re.compile(r"""([.!?…]+["'”’)\]»]*(?=\s|$)|[。！？]+[”’」』)]*)\s*""")
# Words after which a period does not end a sentence.
_ABBREVIATIONS = frozenset(
    ("mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "fig", "approx", "dept")
)
_CLAUSE_BREAK = re.compile(r"[,;:—–]\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


class TextError(AutoVoiceError):
    """The text cannot be spoken (empty, too long). Exit code 2, like a bad command line."""

    exit_code = 2


@dataclass(frozen=True)
class Piece:
    """One piece of text to synthesise. pause_s: silence after it (longer after a sentence or paragraph)."""

    text: str
    pause_s: float


def clean_text(text: str) -> str:
    """NFC-normalised text without control or zero-width characters; runs of spaces become one space."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def has_words(text: str) -> bool:
    """True if the text has at least one letter or digit (something a TTS can say)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def check_text(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The cleaned text; TextError if it is empty, has nothing to say or is longer than max_chars."""
    if len(text) > max_chars:
        raise TextError(
            f"the text is too long ({len(text):,} characters; the limit is {max_chars:,})",
            "split it into several files or use --text-file with one utterance per line",
        )
    cleaned = clean_text(text)
    if not has_words(cleaned):
        what = "empty" if not cleaned.strip() else "only punctuation or symbols"
        raise TextError(f"nothing to say: the text is {what}", "give some words to speak")
    return cleaned


def _ends_sentence(before: str) -> bool:
    """Whether the period at the end of `before` ends a sentence (not "Dr." nor an initial like "J.")."""
    word = before.rsplit(None, 1)[-1] if before.split() else ""
    stem = word.rstrip(".").lower()
    if stem in _ABBREVIATIONS:
        return False
    return not (len(stem) == 1 and stem.isalpha() and word.endswith(".") and word[:1].isupper())


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph (a line of text), punctuation kept."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end(1)
        if match.group(1) == "." and not _ends_sentence(paragraph[start:end]):
            continue
        sentence = paragraph[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def _split_long(sentence: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters: at clause punctuation, else at spaces, else inside a word."""
    if len(sentence) <= limit:
        return [sentence]
    for pattern in (_CLAUSE_BREAK, re.compile(r"\s+")):
        cut = -1
        for match in pattern.finditer(sentence, 0, limit + 1):
            if 0 < match.start() < limit:
                cut = match.end()
        if cut > 0:
            head = sentence[:cut].strip()
            return [head, *_split_long(sentence[cut:].strip(), limit)]
    return [sentence[:limit], *_split_long(sentence[limit:], limit)]


def _first_cut(sentence: str, limit: int) -> list[str]:
    """The first sentence as [head, rest] with head ≤ limit characters, or [sentence] if no cut is worth it.

    head ends after the last clause break (, ; : —) within the limit, else at the last space within it that
    does not leave a word of ≤ _SHORT_WORD characters at its end (else at the last space), else after the
    first word (a long word is never cut here). No cut if the rest would be a single word.
    """
    if len(sentence) <= limit:
        return [sentence]
    cut = -1
    for match in _CLAUSE_BREAK.finditer(sentence, 0, limit + 1):
        if 0 < match.start() < limit:
            cut = match.end()
    if cut < 0:
        spaces = [m for m in re.finditer(r"\s+", sentence) if m.start() > 0]
        within = [m for m in spaces if m.start() <= limit]
        good = [m for m in within if len(sentence[: m.start()].rsplit(None, 1)[-1]) > _SHORT_WORD]
        chosen = (good or within or spaces[:1])[-1:]
        cut = chosen[0].end() if chosen else -1
    rest = sentence[cut:].strip() if cut > 0 else ""
    if len(rest.split()) < 2:
        return [sentence]
    return [sentence[:cut].strip(), rest]


def split_text(
    text: str, max_chars: int = MAX_PIECE_CHARS, first_max_chars: int = FIRST_PIECE_CHARS
) -> list[Piece]:
    """Pieces of a text, in order: sentences, long ones cut to max_chars; the first cut after about
    first_max_chars (_first_cut: at a comma or a space, never inside a word, never leaving one word alone).

    Pieces without a letter or digit are dropped (their pause is kept). Pause after a piece: 0.1 s inside a
    sentence, 0.25 s after a sentence, 0.5 s after a paragraph (a line break).
    """
    pieces: list[Piece] = []
    for paragraph in clean_text(text).split("\n"):
        sentences = split_sentences(paragraph)
        for s_index, sentence in enumerate(sentences):
            parts = [sentence]
            if not pieces:  # the first piece short (the first audio early), the rest at the normal size
                parts = _first_cut(sentence, min(first_max_chars, max_chars))
            parts = [short for part in parts for short in _split_long(part, max_chars)]
            for p_index, part in enumerate(parts):
                last_part = p_index == len(parts) - 1
                pause = 0.1 if not last_part else 0.5 if s_index == len(sentences) - 1 else 0.25
                if has_words(part):
                    pieces.append(Piece(part, pause))
                elif pieces:
                    pieces[-1] = Piece(pieces[-1].text, max(pieces[-1].pause_s, pause))
    return pieces
