"""Read a Textual screen back from its SVG export (`App.export_screenshot()`): each cell's
character, text colour and background, so a test can check what is really drawn."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CELL_WIDTH = 12.2
LINE_HEIGHT = 24.4
TOP = 1.5

_STYLE = re.compile(r"\.(terminal(?:-\d+)?-r\d+) \{ fill: (#[0-9a-fA-F]{6})")
_RECT = re.compile(
    r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
    r'height="[\d.]+" shape-rendering="crispEdges"/>'
)
_TEXT = re.compile(
    r'<text class="(terminal(?:-\d+)?-r\d+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal(?:-\d+)?-line-(\d+)\)">([^<]*)</text>'
)


@dataclass
class Cell:
    char: str = " "
    fg: str = ""
    bg: str = ""


def screen_cells(svg: str, width: int, height: int) -> list[list[Cell]]:
    grid = [[Cell() for _ in range(width)] for _ in range(height)]
    fills = dict(_STYLE.findall(svg))
    for fill, x, y, span in _RECT.findall(svg):
        row = round((float(y) - TOP) / LINE_HEIGHT)
        start = round(float(x) / CELL_WIDTH)
        for column in range(start, min(width, start + round(float(span) / CELL_WIDTH))):
            if 0 <= row < height:
                grid[row][column].bg = fill.lower()
    for css_class, x, line, text in _TEXT.findall(svg):
        row = int(line)
        start = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            column = start + offset
            if row < height and column < width:
                grid[row][column].char = char
                grid[row][column].fg = fills.get(css_class, "").lower()
    return grid


def screen_text(svg: str, width: int, height: int) -> list[str]:
    return ["".join(c.char for c in row).rstrip() for row in screen_cells(svg, width, height)]
