"""The TUI's one sanitizer: portal text made safe to draw (issue 10).

Every widget and screen that shows text from the portal (field values, titles, comments,
names, file names, notices, problem details, audit entries, mail) draws it through here,
never as a raw `str` and never as markup:

- a character `cc_tui.domain.text` calls unsafe (C0/C1 controls, ESC, DEL, bidi
  overrides and isolates, lone surrogates) becomes its visible mark (`␛`, `\\u202e`) in
  `MARK_STYLE`, reverse video, which says "this was in the data" on any theme and
  without colour; nothing of it reaches the terminal;
- multi-line text keeps its line breaks (and a CRLF becomes one line break);
- a run of more than `MAX_COMBINING` combining marks on one letter ("Zalgo" text) keeps
  the first few and shows the rest as one mark (`◌×56`): stacked marks are drawn by
  many terminals above and below their cell, over the lines around it;
- the result is a `Content` (or Rich `Text`) built from plain strings, so brackets,
  `[@click=...]` and `$variables` in portal text show literally and are never parsed.

This is the client's own defence: it holds even when the portal sends such text (the
portal refuses it at the door too, with the same definition). `shown` gives the same
marks as plain text, for output that carries no style (`cc-tui mailbox`, toasts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size
from rich.highlighter import Highlighter
from rich.text import Text
from textual.content import Content
from textual.widgets import TextArea

from cc_tui.domain.text import flatten, is_safe, split_unsafe, unsafe_positions, visible_mark

__all__ = [
    "MARK_STYLE",
    "MarkUnsafe",
    "Piece",
    "SafeTextArea",
    "cut_content",
    "cut_pieces",
    "fit_pieces",
    "flatten",
    "pieces",
    "safe_content",
    "safe_text",
    "shown",
]

MARK_STYLE = "reverse"
MAX_COMBINING = 4
# Combining diacritical blocks, where Zalgo text comes from. Scripts whose letters take
# several marks (Devanagari, Thai) use other blocks and never more than a few in a row.
_COMBINING = r"\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING_RUN = re.compile(f"[{_COMBINING}]{{{MAX_COMBINING + 1},}}")

Piece = tuple[str, bool]


def pieces(value: str, *, multiline: bool = False) -> list[Piece]:
    """`value` as (text, is_mark) pieces: plain text to draw as is, marks to style apart."""
    if is_safe(value, multiline=multiline) and _COMBINING_RUN.search(value) is None:
        return [(value, False)] if value else []
    out: list[Piece] = []
    for text, is_mark in split_unsafe(value, multiline=multiline):
        if is_mark:
            out.append((text, True))
        else:
            out.extend(_capped(text))
    return out


def _capped(text: str) -> Iterator[Piece]:
    start = 0
    for match in _COMBINING_RUN.finditer(text):
        keep = match.start() + MAX_COMBINING
        yield text[start:keep], False
        yield f"◌×{match.end() - keep}", True
        start = match.end()
    if start < len(text):
        yield text[start:], False


def safe_content(value: str, *, multiline: bool = False, style: str = "") -> Content:
    """Portal text as Content: marks in `MARK_STYLE`, the rest plain (or in `style`)."""
    parts = pieces(value, multiline=multiline)
    content = Content.assemble(*[(text, MARK_STYLE) if mark else text for text, mark in parts])
    return content.stylize_before(style) if style else content


def safe_text(value: str, *, multiline: bool = False, style: str = "") -> Text:
    """Portal text as Rich Text, for Rich renderables (DataTable cells, Line-API rows)."""
    text = Text(style=style, end="", no_wrap=not multiline)
    for part, mark in pieces(value, multiline=multiline):
        text.append(part, MARK_STYLE if mark else None)
    return text


def shown(value: str, *, multiline: bool = False) -> str:
    """Portal text as plain text with the same marks, for output without styles."""
    return "".join(text for text, _ in pieces(value, multiline=multiline))


def fit_pieces(parts: list[Piece], width: int) -> list[Piece]:
    """`parts` in exactly `width` cells: padded with blanks, or cut as `cut_pieces` cuts."""
    if width <= 0:
        return []
    out = cut_pieces(parts, width)
    total = sum(cell_len(text) for text, _ in out)
    return [*out, (" " * (width - total), False)] if total < width else out


def cut_pieces(parts: list[Piece], width: int) -> list[Piece]:
    """`parts` in at most `width` cells; text that does not fit ends with "…".

    The cut is made on what is drawn (after the marks were made), by display width: a
    wide (Chinese) character counts as two cells and is never cut in half, and a mark is
    never cut apart (`\\u202e` half shown would read as other text). Where the cut
    would hide every mark of the text, the first hidden mark takes the last cells before
    the "…" (the text in front of it giving way), so a cell holding a hostile character
    never looks clean: `Acme Hold␛…`."""
    if width <= 0:
        return []
    if sum(cell_len(text) for text, _ in parts) <= width:
        return list(parts)
    room = width - 1
    out: list[Piece] = []
    rest = list(parts)
    while rest:
        text, mark = rest[0]
        size = cell_len(text)
        if size > room:
            if not mark:
                out.append((_head(text, room), False))
            break
        out.append(rest.pop(0))
        room -= size
    hidden = next((text for text, mark in rest if mark), None)
    if hidden is not None and width > 1 and not any(mark for _, mark in out):
        if cell_len(hidden) > width - 1:  # a long mark in a tiny cell: one cell stands in
            hidden = "\ufffd"
        out = _head_pieces(out, width - 1 - cell_len(hidden))
        out.append((hidden, True))
    elif out and not out[-1][1]:
        out[-1] = (out[-1][0].rstrip(), False)
    return [*(part for part in out if part[0]), ("…", False)]


def _head(text: str, cells: int) -> str:
    """The longest start of `text` in at most `cells` cells (a wide character that would
    be cut in half is left out whole)."""
    used = 0
    for index, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > cells:
            return text[:index]
    return text


def _head_pieces(parts: list[Piece], cells: int) -> list[Piece]:
    out: list[Piece] = []
    for text, mark in parts:
        head = _head(text, cells)
        if head:
            out.append((head, mark))
        cells -= cell_len(head)
        if head != text:
            break
    return out


def cut_content(value: str, width: int, *, style: str = "") -> Content:
    """One line of portal text as Content in at most `width` cells: sanitised first (its
    marks in `MARK_STYLE`), then cut by `cut_pieces` with "…" where it does not fit."""
    parts = cut_pieces(pieces(flatten(value)), width)
    content = Content.assemble(*[(text, MARK_STYLE) if mark else text for text, mark in parts])
    return content.stylize_before(style) if style else content


def _single_mark(ch: str) -> str:
    """A one-character stand-in, for text whose length must not change (an input): the
    Control Picture where there is one, else the replacement character."""
    mark = visible_mark(ch)
    return mark if len(mark) == 1 else "\ufffd"


class MarkUnsafe(Highlighter):
    """For an `Input` that may hold portal text (a form field loaded from a request): each
    unsafe character is drawn as a one-character mark in `MARK_STYLE`. The value itself
    is left as it is (the portal says what is wrong with it on save), and the cursor still
    lines up, as every mark takes the place of exactly one character."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def highlight(self, text: Text) -> None:
        plain = text.plain
        found = unsafe_positions(plain, multiline=self.multiline)
        if not found:
            return
        chars = list(plain)
        for index in found:
            chars[index] = _single_mark(chars[index])
        text.plain = "".join(chars)
        for index in found:
            text.stylize(MARK_STYLE, index, index + 1)


class SafeTextArea(TextArea):
    """A `TextArea` that draws an unsafe character it holds (pasted, or loaded from the
    portal) as a one-character mark, as `MarkUnsafe` does for an input; tabs are kept."""

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        _MARK_IN_LINES.highlight(line)
        return line


_MARK_IN_LINES = MarkUnsafe(multiline=True)
