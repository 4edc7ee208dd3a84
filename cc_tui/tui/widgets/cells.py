"""What the list screens (documents, events) share about their tables: the row under the
cursor found and kept by its key (each row's key is the id of what it shows), so a table
filled again keeps its cursor on the same thing. (A cell cut to its column with "…":
`safe_text.cut_content`, which cuts what is drawn, after the marks were made.)
"""

from __future__ import annotations

from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist


def cursor_row_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor; None when the table has no such row."""
    if not table.row_count or not table.columns:
        return None
    row = table.cursor_row
    if not 0 <= row < table.row_count:
        return None
    return table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value


def keep_cursor_on(table: DataTable[Any], key: str | None) -> None:
    """Put the cursor back on the row `key` after the table was filled again; where that
    row is gone (or `key` is None) the cursor stays where it is."""
    if key is None:
        return
    try:
        row = table.get_row_index(key)
    except RowDoesNotExist:
        return
    table.move_cursor(row=row, animate=False)
