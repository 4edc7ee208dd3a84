"""Which characters portal text must never hold, and how to show them when it does.

This is the ONE definition of unsafe characters (issue 10): the server refuses text
holding them at the door, the TUI's validators say the same before sending, and the
TUI's sanitizer shows them as visible marks instead of writing them to the terminal.

Unsafe are:
- C0 controls (U+0000-U+001F, NUL and ESC among them), DEL (U+007F) and C1 controls
  (U+0080-U+009F, CSI U+009B and OSC U+009D among them): a terminal acts on them (clear
  the screen, move the cursor, retitle the window, write the clipboard);
- the bidirectional embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069:
  they reorder what a reader sees without changing what is stored ("Trojan Source");
- lone surrogates U+D800-U+DFFF: not characters at all; UTF-8 cannot encode them.

Where a value may span lines (comments, multi-line fields) a line feed, a carriage
return directly before one (CRLF, as pasted from Windows) and a tab are allowed.

Zero-width joiners, combining marks and right-to-left letters are not unsafe: people's
names and some scripts need them, and they move nothing outside their own cell.

Marks: a C0 control or DEL becomes its Unicode Control Picture (ESC -> "␛", NUL -> "␀",
DEL -> "␡"); anything else becomes its Python escape as plain text (U+202E -> "\\u202e",
U+009B -> "\\x9b", a lone U+D800 -> "\\ud800"). Every mark is made of safe characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cc_tui.domain.i18n import N_, _, ngettext

# Built from escapes so that this source file itself holds no unsafe character.
_UNSAFE_CLASS = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_SINGLE_LINE = re.compile(f"[{_UNSAFE_CLASS}]")
# Multi-line: as above but LF and TAB pass, and CR passes when LF follows it.
_UNSAFE_MULTILINE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]|\r(?!\n)"
)

_CONTROL_PICTURES = 0x2400
_DEL = 0x7F

# Names a person recognises, for the ones a hostile or careless paste most often holds.
_NAMES = {
    0x00: N_("a NUL"),
    0x07: N_("a bell"),
    0x08: N_("a backspace"),
    0x09: N_("a tab"),
    0x0A: N_("a line break"),
    0x0D: N_("a carriage return"),
    0x1B: N_("an escape character"),
    0x7F: N_("a delete character"),
    0x9B: N_("a C1 control sequence introducer"),
    0x9D: N_("a C1 operating system command"),
}


def _is_bidi_control(code: int) -> bool:
    return 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069


def _is_surrogate(code: int) -> bool:
    return 0xD800 <= code <= 0xDFFF


def unsafe_chars(value: str, *, multiline: bool) -> list[str]:
    """The unsafe characters in `value`, in order of first appearance, each once.

    With `multiline`, line feeds, tabs and the CR of a CRLF are allowed.
    """
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_SINGLE_LINE
    found: dict[str, None] = {}
    for match in pattern.finditer(value):
        found.setdefault(match.group(), None)
    return list(found)


def is_safe(value: str, *, multiline: bool) -> bool:
    """True if `value` holds no unsafe character (cheaper than `unsafe_chars`)."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_SINGLE_LINE
    return pattern.search(value) is None


def unsafe_positions(value: str, *, multiline: bool) -> list[int]:
    """Where in `value` its unsafe characters are (indexes, in order)."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_SINGLE_LINE
    return [match.start() for match in pattern.finditer(value)]


def visible_mark(ch: str) -> str:
    """The visible stand-in for one unsafe character: a Control Picture or an escape."""
    if len(ch) != 1:
        raise ValueError(f"visible_mark takes one character, not {len(ch)}.")
    code = ord(ch)
    if code < 0x20:
        return chr(_CONTROL_PICTURES + code)
    if code == _DEL:
        return "\u2421"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def split_unsafe(value: str, *, multiline: bool) -> Iterator[tuple[str, bool]]:
    """`value` as pieces: (safe text, False) and (visible mark, True), in order.

    A CRLF in multi-line text comes out as a plain line feed. Joining the pieces gives
    text that is safe to show; the flag lets a screen style the marks apart.
    """
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_SINGLE_LINE
    start = 0
    for match in pattern.finditer(value):
        if match.start() > start:
            yield _plain(value[start : match.start()], multiline), False
        yield visible_mark(match.group()), True
        start = match.end()
    if start < len(value):
        yield _plain(value[start:], multiline), False


def _plain(text: str, multiline: bool) -> str:
    return text.replace("\r\n", "\n") if multiline else text


def shown(value: str, *, multiline: bool) -> str:
    """`value` with every unsafe character replaced by its visible mark (plain text)."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_SINGLE_LINE
    marked = pattern.sub(lambda match: visible_mark(match.group()), value)
    return _plain(marked, multiline)


_BREAKS = re.compile(r"[ \t]*(?:\r\n|[\n\t])[ \t\r\n]*")


def flatten(value: str) -> str:
    """Portal text for one line (a table cell, a title, a name inside a longer text): each
    line break or tab, with the blanks around it, becomes one space. Anything else unsafe
    (a lone CR among them) stays, for the sanitizer to mark."""
    return _BREAKS.sub(" ", value)


def describe(ch: str) -> str:
    """A short description of one unsafe character with its mark, for a sentence."""
    code = ord(ch)
    mark = visible_mark(ch)
    if code in _NAMES:
        return f"{_(_NAMES[code])} ({mark})"
    if _is_bidi_control(code):
        return _("a bidirectional control ({mark})").format(mark=mark)
    if _is_surrogate(code):
        return _("a lone surrogate ({mark})").format(mark=mark)
    return _("a control character ({mark})").format(mark=mark)


_MAX_NAMED = 5


def problem(value: str, *, multiline: bool) -> str | None:
    """None if `value` is safe, else a sentence naming what was found and what to do."""
    found = unsafe_chars(value, multiline=multiline)
    if not found:
        return None
    named = [describe(ch) for ch in found[:_MAX_NAMED]]
    more = len(found) - len(named)
    if more:
        named.append(_("{count} more").format(count=more))
    listing = (
        named[0]
        if len(named) == 1
        else _("{some} and {last}").format(some=_(", ").join(named[:-1]), last=named[-1])
    )
    if not multiline and all(ch in "\n\r\t" for ch in found):
        return _("This holds {listing}, which this field cannot hold: keep it on one line.").format(
            listing=listing
        )
    return ngettext(
        "This holds {listing}, which cannot be stored: remove it, or paste the text again "
        "as plain text.",
        "This holds {listing}, which cannot be stored: remove them, or paste the text again "
        "as plain text.",
        len(found),
    ).format(listing=listing)
