"""Helpers for the Events, Documents and Service screens' pilot tests: start logged in
(a session made in the portal's store, left where cc-tui resumes one), and read a
DataTable's cells as text."""

from __future__ import annotations

from pathlib import Path

from textual.coordinate import Coordinate
from textual.widgets import DataTable

from cc_tui.server.db import Database
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import sessions
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.state import remember_user_id

MAKER = "maker@harbour.example"
LEAD = "lead@harbour.example"


def start_logged_in(
    user_id: str,
    portal: BackgroundServer,
    settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    """The next app started resumes a fresh session of `user_id`."""
    db = Database(settings.db_path)
    try:
        with db.transaction() as conn:
            token, _ = sessions.create_session(
                conn, user_id, settings.clock.now(), settings.session_absolute
            )
    finally:
        db.close()
    remember_user_id(state_dir, portal.portal_id, user_id)
    token_store.save(portal.portal_id, user_id, token)


def cell(table: DataTable[object], row: int, column: int) -> str:
    return str(table.get_cell_at(Coordinate(row, column)))


def column_texts(table: DataTable[object], column: int) -> list[str]:
    return [cell(table, row, column) for row in range(table.row_count)]
