"""A cell cut to its column (issue 13 point 7): cut after the sanitizer made its marks, by
display width, ending with "…", a wide character never cut in half, a mark never cut
apart, and a hostile character's mark kept in view however far into the text it is."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.content import Content

from cc_tui.tui.safe_text import (
    MARK_STYLE,
    cut_content,
    cut_pieces,
    fit_pieces,
    flatten,
    pieces,
    shown,
)
from tests.hostile_corpus import CORPUS


def marks(content: Content) -> list[str]:
    return [content.plain[s.start : s.end] for s in content.spans if s.style == MARK_STYLE]


def test_text_that_fits_is_left_as_it_is() -> None:
    assert cut_content("Harbour Securities", 18).plain == "Harbour Securities"
    assert cut_content("", 5).plain == ""


def test_text_that_does_not_fit_ends_with_an_ellipsis_in_exactly_its_column() -> None:
    cut = cut_content("checker@harbour.example", 21)
    assert cut.plain == "checker@harbour.exam…"
    assert cell_len(cut.plain) == 21
    # No blank is left in front of the ellipsis.
    assert cut_content("Annual general meeting", 8).plain == "Annual…"


@pytest.mark.parametrize(
    ("width", "expected"),
    [(7, "中文字…"), (6, "中文…"), (5, "中文…"), (2, "…"), (1, "…")],
)
def test_wide_characters_count_as_two_cells_and_are_never_cut_in_half(
    width: int, expected: str
) -> None:
    cut = cut_content("中文字中文字", width)
    assert cut.plain == expected
    assert cell_len(cut.plain) <= width


def test_mixed_wide_and_narrow_text_fits_its_cells() -> None:
    for width in range(1, 30):
        cut = cut_content("港交所 HKEX 結算參與者 Clearing Participant", width)
        assert cell_len(cut.plain) <= width
        assert cut.plain.endswith("…")
        assert "港交所 HKEX 結算參與者 Clearing Participant".startswith(cut.plain[:-1])


def test_a_hostile_character_just_past_the_cut_keeps_its_mark_in_view() -> None:
    """The reverted first try cut the raw text at 11 characters, and the ESC after the
    reference was gone: the cell looked clean."""
    cut = cut_content("ECS00000001\x1b[1;1HAPPROVED  HKD 1", 12)
    assert cut.plain == "ECS0000000␛…"
    assert marks(cut) == ["␛"]


def test_a_hostile_character_far_into_the_text_keeps_its_mark_in_view() -> None:
    cut = cut_content("Quarterly report of the clearing house\u202e", 16)
    assert cut.plain == "Quarterly\\u202e…"
    assert marks(cut) == ["\\u202e"]
    assert cell_len(cut.plain) == 16


def test_a_mark_is_never_cut_apart() -> None:
    # A half-shown "\u202e" would read as other text: the whole mark, or one cell for it.
    assert cut_content("ab\u202ecdefghij", 9).plain == "ab\\u202e…"
    cut = cut_content("ab\u202ecdefghij", 6)
    assert cut.plain == "ab\ufffd…"
    assert marks(cut) == ["\ufffd"]


def test_a_mark_in_view_is_enough_and_the_text_is_cut_where_it_falls() -> None:
    cut = cut_content("a\x1bbcdefgh\x1b", 6)
    assert cut.plain == "a␛bcd…"
    assert marks(cut) == ["␛"]


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.name)
def test_every_hostile_string_cut_to_any_width_fits_and_shows_a_whole_mark(item: object) -> None:
    value = flatten(item.value)  # type: ignore[attr-defined]
    whole_marks = {text for text, mark in pieces(value) if mark} | {"\ufffd"}
    for width in range(1, 40):
        cut = cut_content(value, width)
        assert cell_len(cut.plain) <= width
        if cell_len(shown(value)) > width:
            assert cut.plain.endswith("…")
        if whole_marks - {"\ufffd"} and width >= 2:
            assert marks(cut), (width, cut.plain)
        assert set(marks(cut)) <= whole_marks, (width, cut.plain)


def test_a_padded_line_cell_takes_exactly_its_width() -> None:
    for width in range(1, 20):
        parts = fit_pieces(pieces("結算 ECS00000001\x1b[2J"), width)
        assert sum(cell_len(text) for text, _ in parts) == width
    assert cut_pieces([("abc", False)], 0) == []
