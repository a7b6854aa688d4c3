"""Text for the TTS: cleaning, limits (empty, symbols only, huge) and splitting at sentence boundaries."""

from __future__ import annotations

import pytest

from autovoice_desktop.engine.tts import text as tts_text
from autovoice_desktop.engine.tts.text import (
    MAX_PIECE_CHARS,
    TextError,
    check_text,
    clean_text,
    split_sentences,
    split_text,
)


def test_sentences_split_at_end_punctuation_but_not_at_abbreviations_initials_or_decimals() -> None:
    text = 'Hello world. Mr. Smith went to Washington! Did he? "Yes." J. R. R. Tolkien paid 3.50 dollars… Bye'
    assert split_sentences(text) == [
        "Hello world.",
        "Mr. Smith went to Washington!",
        "Did he?",
        '"Yes."',
        "J. R. R. Tolkien paid 3.50 dollars…",
        "Bye",
    ]


def test_cjk_sentences_need_no_space() -> None:
    assert split_sentences("你好。世界！再见") == ["你好。", "世界！", "再见"]


def test_pieces_keep_every_word_in_order_with_pauses() -> None:
    text = "First line. Second sentence!\n\nNew paragraph, with a clause; and more"
    pieces = split_text(text)
    assert " ".join(p.text for p in pieces).split() == text.split()
    assert [p.pause_s for p in pieces] == [0.25, 0.5, 0.5]


def test_long_sentences_are_cut_at_clauses_then_spaces_then_inside_words() -> None:
    clauses = ", ".join(f"clause number {i}" for i in range(60)) + "."
    pieces = split_text(clauses)
    assert all(len(p.text) <= MAX_PIECE_CHARS for p in pieces)
    assert all(p.text.endswith((",", ".")) for p in pieces)  # cut after commas
    assert " ".join(p.text for p in pieces) == clauses
    assert len(pieces[0].text) <= tts_text.FIRST_PIECE_CHARS  # the first audio comes early
    words = split_text("word " * 400)
    assert all(len(p.text) <= MAX_PIECE_CHARS for p in words) and all("wor " not in p.text for p in words)
    assert " ".join(p.text for p in words).split() == ["word"] * 400
    blob = split_text("x" * 1000)
    assert "".join(p.text for p in blob) == "x" * 1000
    assert max(len(p.text) for p in blob) <= MAX_PIECE_CHARS


def test_unicode_is_normalised_and_control_characters_removed() -> None:
    assert clean_text("Cafe\u0301\u200b  and\ttea\x00!\r\nok") == "Café and tea !\nok"
    pieces = split_text("Emoji 😀 and ünïcödé «quotes» — dashes. 你好。", first_max_chars=MAX_PIECE_CHARS)
    assert [p.text for p in pieces] == ["Emoji 😀 and ünïcödé «quotes» — dashes.", "你好。"]


def test_pieces_without_words_are_dropped() -> None:
    pieces = split_text("Hello. ... !!! World.")
    assert [p.text for p in pieces] == ["Hello.", "World."]
    assert pieces[0].pause_s == 0.25


@pytest.mark.parametrize("text", ["", "   \n\t ", "...!?", "😀😀", "\u200b\u200b"])
def test_empty_or_symbol_only_text_is_a_clear_error(text: str) -> None:
    with pytest.raises(TextError, match="nothing to say") as info:
        check_text(text)
    assert info.value.exit_code == 2 and "give some words" in info.value.user_message()


def test_huge_text_is_refused_before_any_work_and_the_limit_itself_splits_in_bounded_pieces() -> None:
    with pytest.raises(TextError, match="too long") as info:
        check_text("a" * (tts_text.MAX_TEXT_CHARS + 1))
    assert "split it" in info.value.user_message()
    sentence = "This sentence has exactly eight words in it. "
    huge = sentence * (tts_text.MAX_TEXT_CHARS // len(sentence))
    pieces = split_text(check_text(huge))
    assert len(pieces) == tts_text.MAX_TEXT_CHARS // len(sentence) + 1  # the first sentence is cut in two
    assert max(len(p.text) for p in pieces) <= MAX_PIECE_CHARS


def test_first_piece_is_a_few_words_cut_at_a_clause_or_a_space_the_rest_of_the_sentence_follows() -> None:
    first = tts_text.FIRST_PIECE_CHARS
    sentence = "The quick brown fox jumps over the lazy dog today."
    pieces = split_text(f"{sentence} Second one.")
    assert [p.text for p in pieces] == ["The quick brown", sentence[16:], "Second one."]
    assert [p.pause_s for p in pieces] == [0.1, 0.25, 0.5]  # a short pause inside the sentence
    clause = split_text("Oh, I think that this is going to be fine.")
    assert [p.text for p in clause] == ["Oh,", "I think that this is going to be fine."]
    # the head does not end on a short word when an earlier space allows it
    assert split_text("Every morning the small harbour town wakes up.")[0].text == "Every morning"
    assert all(len(p.text) <= first for p in (pieces[0], clause[0]))


def test_first_piece_never_cuts_inside_a_word_nor_leaves_one_word_alone() -> None:
    long_word = "Internationalization"
    assert len(long_word) >= tts_text.FIRST_PIECE_CHARS
    pieces = split_text(f"{long_word} is a long word to start with.")
    assert [p.text for p in pieces] == [long_word, "is a long word to start with."]
    assert [p.text for p in split_text("Hello there my good friend.")] == ["Hello there my good friend."]
    assert [p.text for p in split_text("Supercalifragilisticexpialidocious!")] == [
        "Supercalifragilisticexpialidocious!"
    ]
    # only the first sentence is cut short; later sentences keep their length
    later = "Fishermen check their nets by lamplight, talking quietly about the weather."
    assert [p.text for p in split_text(f"Hi. {later}")] == ["Hi.", later]
