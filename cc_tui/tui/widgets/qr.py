"""A QR code drawn in the terminal with Unicode half blocks.

Each text row carries two module rows: the upper half block (▀) is the top module, the
lower (▄) the bottom one, the full block both, a space neither. A terminal cell is about
twice as tall as it is wide, so one column by half a row makes each module square.

The code is always drawn black on white, whatever the theme: phones read dark modules on
a light ground, and an inverted code defeats many scanners. (Under NO_COLOR Textual
turns colours into greys, which keeps black and white.) Around the symbol is a light
quiet zone of up to four modules; `fit()` picks the widest zone that fits the room, down
to one module, and says when even that does not fit, so the screen can offer the key as
text instead.

segno is imported when a code is made, never at import: the device screen is rare and
the first frame should not wait for it.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

INK = Style(color="#000000", bgcolor="#ffffff")
HALF_BLOCKS = {
    (False, False): " ",
    (True, False): "▀",
    (False, True): "▄",
    (True, True): "█",
}
MAX_BORDER = 4

Matrix = list[list[bool]]


def qr_matrix(data: str) -> Matrix:
    """The symbol's modules (True = dark), no quiet zone: the smallest QR (not micro) at
    error correction level L, so that an otpauth:// URI fits 80x24."""
    import segno

    code = segno.make(data, error="L", boost_error=False, micro=False)
    return [[bool(module) for module in row] for row in code.matrix]


def with_quiet_zone(matrix: Matrix, border: int) -> Matrix:
    width = len(matrix[0]) + 2 * border if matrix else 0
    blank = [False] * width
    middle = [[False] * border + row + [False] * border for row in matrix]
    return [list(blank) for _ in range(border)] + middle + [list(blank) for _ in range(border)]


def half_block_rows(matrix: Matrix) -> list[str]:
    """Two module rows per text row; an odd last row gets a light lower half."""
    rows: list[str] = []
    for top_index in range(0, len(matrix), 2):
        top = matrix[top_index]
        bottom = matrix[top_index + 1] if top_index + 1 < len(matrix) else [False] * len(top)
        rows.append("".join(HALF_BLOCKS[(t, b)] for t, b in zip(top, bottom, strict=True)))
    return rows


def rows_needed(modules: int, border: int) -> int:
    return (modules + 2 * border + 1) // 2


class QrCode(Widget):
    """The QR code of `data`, black on white, with a quiet zone."""

    border: reactive[int] = reactive(2, layout=True)

    def __init__(
        self,
        data: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.data = data
        self.symbol = qr_matrix(data)
        self._rows: list[str] = []

    @property
    def modules(self) -> int:
        """The symbol's width in modules, without the quiet zone."""
        return len(self.symbol)

    def fit(self, rows: int, columns: int) -> bool:
        """Use the widest quiet zone that fits `rows` x `columns`; False if none does."""
        for border in range(MAX_BORDER, 0, -1):
            if rows_needed(self.modules, border) <= rows and self.modules + 2 * border <= columns:
                self.border = border
                return True
        return False

    def watch_border(self) -> None:
        self._rows = []

    @property
    def text_rows(self) -> list[str]:
        """The rows as drawn: half-block characters, quiet zone included."""
        if not self._rows:
            self._rows = half_block_rows(with_quiet_zone(self.symbol, self.border))
        return self._rows

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.modules + 2 * self.border

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return rows_needed(self.modules, self.border)

    def render_line(self, y: int) -> Strip:
        rows = self.text_rows
        if y >= len(rows):
            return Strip.blank(self.size.width)
        return Strip([Segment(rows[y], INK)]).crop_extend(0, self.size.width, None)
