"""The portal's identity: made with the database (migration 0009), read, never changed."""

from __future__ import annotations

import sqlite3


def portal_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT portal_id FROM portal_identity WHERE singleton = 1").fetchone()
    return str(row[0])
