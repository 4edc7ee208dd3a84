"""Helpers for the account screens' pilot tests: a session made in the portal's store and
left where cc-tui resumes one (the keyring and the last user ID), so a test starts
logged in without the two-factor login it does not test."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import sessions
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.state import remember_user_id


def resume_as(
    user_id: str,
    portal: BackgroundServer,
    settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        token, _ = sessions.create_session(
            conn, user_id, settings.clock.now(), settings.session_absolute
        )
    finally:
        conn.close()
    remember_user_id(state_dir, portal.portal_id, user_id)
    token_store.save(portal.portal_id, user_id, token)
