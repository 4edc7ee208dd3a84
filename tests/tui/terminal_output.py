"""What the app writes to the terminal, captured in pilot tests (issue 10).

`run_test()` uses Textual's headless driver, which draws nothing: the app skips drawing
altogether when its driver says it is headless. `CapturingDriver` is that driver saying
it is not, with `write` keeping every string the app sends to the terminal, so a test
reads the very bytes a checker's terminal would act on.

`stray_controls` tokenises that output the way a terminal does (ECMA-48: CSI, OSC, DCS
and other escape sequences) and returns each escape sequence the app does not write
itself, and each control, C1 or bidi character found in the text between sequences.
The app's own sequences are few: SGR colours and attributes, cursor positioning,
private modes (synchronised output, cursor, mouse) and the OSC 22 pointer shape.
"""

from __future__ import annotations

import re
from typing import Any

from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver

# One escape sequence, as a terminal parses it (the first alternative that matches).
_SEQUENCE = re.compile(
    r"""
    \x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]            # CSI ... final byte
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?                  # OSC ... BEL or ST
  | \x1b[PX^_][^\x1b]*(?:\x1b\\)?                       # DCS, SOS, PM, APC ... ST
  | \x1b[\x20-\x2f]*[\x30-\x7e]                         # two-byte and nF sequences
  | \x1b                                                # a lone ESC
    """,
    re.VERBOSE,
)
_APP_SEQUENCES = re.compile(
    r"""
    \x1b\[[0-9;:]*m                 # SGR: colours and attributes
  | \x1b\[\d+;\d+H                  # cursor position
  | \x1b\[\d*[ABCD]                 # cursor moves of its own (inline mode)
  | \x1b\[\?[0-9;]+[hl]             # private modes: sync output, cursor, mouse, paste
  | \x1b\]22;[a-z-]*\x07            # OSC 22: pointer shape
    """,
    re.VERBOSE,
)
_STRAY_IN_TEXT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class CapturingDriver(HeadlessDriver):
    """The headless driver, but drawing: every write is kept in `output`."""

    output: list[str]

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.output.append(data)


def capture(app: App[Any]) -> list[str]:
    """Make `app` draw into a list (run it with `run_test(headless=False)`); returns it."""
    written: list[str] = []

    class Driver(CapturingDriver):
        output = written

    app.driver_class = Driver
    return written


def stray_controls(output: str) -> list[str]:
    """Every escape sequence the app did not write itself, and every control or bidi
    character outside an escape sequence, in order."""
    stray: list[str] = []
    position = 0
    for match in _SEQUENCE.finditer(output):
        stray.extend(_STRAY_IN_TEXT.findall(output, position, match.start()))
        if _APP_SEQUENCES.fullmatch(match.group()) is None:
            stray.append(match.group())
        position = match.end()
    stray.extend(_STRAY_IN_TEXT.findall(output, position))
    return stray
