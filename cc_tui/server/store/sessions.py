"""Sessions: random bearer tokens, stored hashed, with idle and absolute expiry.

A session's `last_seen_at` is written at most once every `TOUCH_INTERVAL`, not on every
request: under load a write per request (a WAL append and the write lock, taken by
every reader) cost more than the rest of `/me`. So an idle session ends between
`idle - TOUCH_INTERVAL` and `idle` after its last request, never later.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from cc_tui.server.store.memo import remembered

TOKEN_BYTES = 32  # 256 bits from `secrets`
TOUCH_INTERVAL = timedelta(seconds=15)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionRow:
    token_hash: str
    user_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked: bool


def create_session(
    conn: sqlite3.Connection, user_id: str, now: datetime, absolute: timedelta
) -> tuple[str, datetime]:
    """Start a session; returns the token (shown once) and its absolute expiry."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + absolute
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (hash_token(token), user_id, now.isoformat(), now.isoformat(), expires_at.isoformat()),
    )
    return token, expires_at


def find_session(conn: sqlite3.Connection, token: str) -> SessionRow | None:
    return session_by_hash(conn, hash_token(token))


def session_by_hash(conn: sqlite3.Connection, token_hash: str) -> SessionRow | None:
    """A session by its token's hash (read on every request: kept until the store
    changes, memo.py; a logout or a touch is a change)."""
    return remembered(conn, ("session", token_hash), lambda: _read_session(conn, token_hash))


def _read_session(conn: sqlite3.Connection, token_hash: str) -> SessionRow | None:
    row = conn.execute(
        "SELECT token_hash, user_id, created_at, last_seen_at, expires_at, revoked_at"
        " FROM sessions WHERE token_hash = ?",
        (token_hash,),
    ).fetchone()
    if row is None:
        return None
    return SessionRow(
        token_hash=row["token_hash"],
        user_id=row["user_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_seen_at=datetime.fromisoformat(row["last_seen_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        revoked=row["revoked_at"] is not None,
    )


def session_is_live(session: SessionRow, now: datetime, idle: timedelta) -> bool:
    return not session.revoked and now < session.expires_at and now - session.last_seen_at < idle


def touch_session(conn: sqlite3.Connection, session: SessionRow, now: datetime) -> None:
    """Record that the session is in use (when the last record is `TOUCH_INTERVAL` old)."""
    if now - session.last_seen_at < TOUCH_INTERVAL:
        return
    conn.execute(
        "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
        (now.isoformat(), session.token_hash),
    )


def revoke_session(conn: sqlite3.Connection, token_hash: str, now: datetime) -> None:
    conn.execute(
        "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        (now.isoformat(), token_hash),
    )


def revoke_user_sessions(conn: sqlite3.Connection, user_id: str, now: datetime) -> None:
    conn.execute(
        "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        (now.isoformat(), user_id),
    )


def revoke_other_sessions(
    conn: sqlite3.Connection, user_id: str, keep_token_hash: str, now: datetime
) -> None:
    """End every session of the user but one (after a password change, say)."""
    conn.execute(
        "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND token_hash != ?"
        " AND revoked_at IS NULL",
        (now.isoformat(), user_id, keep_token_hash),
    )
