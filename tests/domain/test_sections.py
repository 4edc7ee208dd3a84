"""Dashboard sections and sort orders: the words API.md fixes, and their labels."""

from __future__ import annotations

from cc_tui.domain.sections import Section, Sort


def test_sections_are_the_api_words() -> None:
    assert [section.value for section in Section] == [
        "awaiting_my_check",
        "returned_to_me",
        "my_drafts",
        "submitted_by_me",
        "history",
        "all",
    ]


def test_every_section_has_the_tab_label_users_read() -> None:
    assert [section.label for section in Section] == [
        "Awaiting my check",
        "Returned to me",
        "My drafts",
        "Submitted by me",
        "History",
        "All",
    ]


def test_descending_sorts_start_with_a_minus() -> None:
    for sort in Sort:
        if sort.name.endswith("_DESC"):
            assert sort.value.startswith("-")
            assert Sort(sort.value.removeprefix("-")).name == sort.name.replace("_DESC", "_ASC")
