"""Turn half-block cells back into QR modules, and read them as a phone would (zxing)."""

from __future__ import annotations

import zxingcpp
from PIL import Image

from tests.tui.screen_cells import Cell

WHITE = "#ffffff"
BLACK = "#000000"
HALVES = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}

Matrix = list[list[bool]]


def modules_from_cells(grid: list[list[Cell]]) -> Matrix:
    """The modules drawn in the white area of the screen, two per cell, top then bottom.
    Every cell there must be black ink on white, or a blank."""
    white = [(r, c) for r, row in enumerate(grid) for c, cell in enumerate(row) if cell.bg == WHITE]
    assert white, "no white area on the screen"
    rows = range(min(r for r, _ in white), max(r for r, _ in white) + 1)
    columns = range(min(c for _, c in white), max(c for _, c in white) + 1)
    matrix: Matrix = []
    for r in rows:
        top: list[bool] = []
        bottom: list[bool] = []
        for c in columns:
            cell = grid[r][c]
            assert cell.bg == WHITE, f"cell {r},{c} is not on white"
            assert cell.char in HALVES, f"cell {r},{c} holds {cell.char!r}"
            if cell.char != " ":
                assert cell.fg == BLACK, f"cell {r},{c} is drawn in {cell.fg}"
            upper, lower = HALVES[cell.char]
            top.append(upper)
            bottom.append(lower)
        matrix.extend([top, bottom])
    return matrix


def trim(matrix: Matrix) -> Matrix:
    """Without the light rows and columns around the symbol."""
    rows = [i for i, row in enumerate(matrix) if any(row)]
    columns = [j for j in range(len(matrix[0])) if any(row[j] for row in matrix)]
    return [row[columns[0] : columns[-1] + 1] for row in matrix[rows[0] : rows[-1] + 1]]


def decode(matrix: Matrix, scale: int = 6) -> list[str]:
    """What a scanner reads from the modules (with a standard 4-module quiet zone)."""
    symbol = trim(matrix)
    size = (len(symbol) + 8) * scale
    image = Image.new("L", (size, size), 255)
    for y, row in enumerate(symbol):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + 4) * scale, (y + 4) * scale
                image.paste(0, (left, top, left + scale, top + scale))
    return [result.text for result in zxingcpp.read_barcodes(image)]
