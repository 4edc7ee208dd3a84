"""The one definition of unsafe characters (issue 10): what is unsafe, its marks, the sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cc_tui.domain.text import (
    is_safe,
    problem,
    shown,
    split_unsafe,
    unsafe_chars,
    unsafe_positions,
    visible_mark,
)
from tests.hostile_corpus import CORPUS, UNSAFE, Hostile

ESC = "\x1b"
CONTROLS = [chr(c) for c in range(0x20)] + [chr(0x7F)] + [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
ALWAYS_UNSAFE = [c for c in CONTROLS if c not in "\n\t\r"] + BIDI + SURROGATES
# Names, scripts and emoji people really type: none of it moves the cursor.
SAFE = [
    "Zoë Ünal-Łukasik",
    "陳大文",
    "עברית ومرحبا",  # right-to-left letters are letters, not overrides
    "👩\u200d👩\u200d👧 family",  # zero-width joiners
    "क्‍ष",
    "e\u0301\u0302\u0303\u0304",  # combining stack
    "\u200e\u200f",  # LRM/RLM are marks, not overrides
    "x" * 10_000,
]


@pytest.mark.parametrize("ch", ALWAYS_UNSAFE, ids=lambda ch: f"U+{ord(ch):04X}")
def test_every_control_bidi_override_and_surrogate_is_unsafe_on_one_line_or_many(ch: str) -> None:
    for multiline in (False, True):
        assert unsafe_chars(f"a{ch}b", multiline=multiline) == [ch]
        assert not is_safe(f"a{ch}b", multiline=multiline)
        assert problem(f"a{ch}b", multiline=multiline) is not None


@pytest.mark.parametrize("value", SAFE)
def test_names_scripts_joiners_and_long_lines_are_safe(value: str) -> None:
    assert unsafe_chars(value, multiline=False) == []
    assert problem(value, multiline=False) is None
    assert shown(value, multiline=False) == value


def test_line_breaks_and_tabs_only_where_a_value_spans_lines() -> None:
    text = "first line\r\nsecond\tcolumn\nthird"
    assert unsafe_chars(text, multiline=True) == []
    assert unsafe_chars(text, multiline=False) == ["\r", "\n", "\t"]
    # A CR on its own returns the cursor to the start of the line: it could hide text.
    assert unsafe_chars("paid\rrefused", multiline=True) == ["\r"]
    assert unsafe_chars("a\x0bb\x0cc", multiline=True) == ["\x0b", "\x0c"]


def test_found_characters_are_in_order_and_each_once() -> None:
    value = f"{ESC}[2J\u202eX{ESC}]0;pwned\x07\u202e\ud800"
    assert unsafe_chars(value, multiline=True) == [ESC, "\u202e", "\x07", "\ud800"]


def test_marks_are_control_pictures_or_escapes_as_plain_text() -> None:
    assert visible_mark(ESC) == "␛"
    assert visible_mark("\x00") == "␀"
    assert visible_mark("\n") == "␊"
    assert visible_mark("\x7f") == "␡"
    assert visible_mark("\x9b") == "\\x9b"
    assert visible_mark("\u202e") == "\\u202e"
    assert visible_mark("\u2066") == "\\u2066"
    assert visible_mark("\ud800") == "\\ud800"
    with pytest.raises(ValueError):
        visible_mark("ab")


@pytest.mark.parametrize("ch", [*ALWAYS_UNSAFE, "\n", "\r", "\t"], ids=lambda ch: f"{ord(ch):X}")
def test_every_mark_is_itself_safe_and_visible(ch: str) -> None:
    mark = visible_mark(ch)
    assert mark and is_safe(mark, multiline=False)
    assert not mark.isspace()


def test_split_keeps_text_marks_apart_and_turns_crlf_into_a_line_break() -> None:
    pieces = list(split_unsafe(f"a{ESC}[2Jb\u202e\r\nc", multiline=True))
    assert pieces == [("a", False), ("␛", True), ("[2Jb", False), ("\\u202e", True), ("\nc", False)]
    assert list(split_unsafe("one\ntwo", multiline=False)) == [
        ("one", False),
        ("␊", True),
        ("two", False),
    ]
    assert list(split_unsafe("", multiline=True)) == []


_HOSTILE_TEXT = st.lists(
    st.characters() | st.sampled_from([*ALWAYS_UNSAFE, "\r\n", "\n", "\t"])
).map("".join)


@given(_HOSTILE_TEXT, st.booleans())
def test_what_is_shown_is_always_safe_and_split_agrees(value: str, multiline: bool) -> None:
    marked = shown(value, multiline=multiline)
    assert is_safe(marked, multiline=multiline)
    assert "".join(piece for piece, _ in split_unsafe(value, multiline=multiline)) == marked
    assert (problem(value, multiline=multiline) is None) == is_safe(value, multiline=multiline)


def test_problem_names_what_was_found_and_what_to_do() -> None:
    sentence = problem(f"Ltd{ESC}]52;c;cm0gLXJm\x07", multiline=False)
    assert sentence is not None
    assert "escape character (␛)" in sentence
    assert "bell (␇)" in sentence
    assert "remove them" in sentence
    one = problem("evil\u202etxt.pdf", multiline=False)
    assert one is not None
    assert "bidirectional control (\\u202e)" in one
    assert "remove it" in one
    assert problem("a\nb", multiline=False) == (
        "This holds a line break (␊), which this field cannot hold: keep it on one line."
    )


def test_problem_names_five_and_counts_the_rest() -> None:
    value = "".join(chr(c) for c in range(1, 9))
    sentence = problem(value, multiline=True)
    assert sentence is not None
    assert "and 3 more" in sentence


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.name)
def test_the_hostile_corpus_agrees_with_the_definition(item: Hostile) -> None:
    assert is_safe(item.value, multiline=False) != item.unsafe
    assert is_safe(item.value, multiline=True) != item.unsafe_multiline
    assert is_safe(shown(item.value, multiline=False), multiline=False)
    assert "\x1b" not in shown(item.value, multiline=True)


def test_the_hostile_corpus_is_at_least_thirty_unsafe_strings() -> None:
    assert len(UNSAFE) >= 30
    assert len({item.name for item in CORPUS}) == len(CORPUS)


def test_positions_say_where_each_unsafe_character_is() -> None:
    assert unsafe_positions(f"a{ESC}b\r\nc\u202e", multiline=True) == [1, 6]
    assert unsafe_positions(f"a{ESC}b\r\nc\u202e", multiline=False) == [1, 3, 4, 6]
