"""Authenticators registered from the Profile: the pending enrolment of a new secret.

`POST /me/device` (a session plus the current password) starts one: a new secret kept
here, not yet the user's. `POST /me/device/confirm` with a code from it makes it the
user's (`users.register_device`) and forgets the enrolment. An enrolment lives as long
as a login ticket (`settings.code_ttl`); a second one replaces the first; an expired
one is never read, and housekeeping deletes it, so no secret outlives its use.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from cc_tui.server.store.users import normalise_user_id


@dataclass(frozen=True)
class Enrolment:
    user_id: str
    session_hash: str
    secret: str
    created_at: datetime
    expires_at: datetime


def start_enrolment(
    conn: sqlite3.Connection,
    user_id: str,
    session_hash: str,
    secret: str,
    now: datetime,
    ttl: timedelta,
) -> Enrolment:
    """Keep `secret` pending for the user and this session (any earlier pending one is
    dropped)."""
    enrolment = Enrolment(normalise_user_id(user_id), session_hash, secret, now, now + ttl)
    conn.execute(
        "INSERT INTO device_enrolments (user_id, session_hash, secret, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET"
        " session_hash = excluded.session_hash, secret = excluded.secret,"
        " created_at = excluded.created_at, expires_at = excluded.expires_at",
        (
            enrolment.user_id,
            session_hash,
            secret,
            enrolment.created_at.isoformat(),
            enrolment.expires_at.isoformat(),
        ),
    )
    return enrolment


def live_enrolment(
    conn: sqlite3.Connection, user_id: str, session_hash: str, now: datetime
) -> Enrolment | None:
    """The enrolment this session started for the user, while it has not expired."""
    row = conn.execute(
        "SELECT user_id, session_hash, secret, created_at, expires_at FROM device_enrolments"
        " WHERE user_id = ? AND session_hash = ?",
        (normalise_user_id(user_id), session_hash),
    ).fetchone()
    if row is None:
        return None
    expires_at = datetime.fromisoformat(row["expires_at"])
    if now >= expires_at:
        return None
    return Enrolment(
        user_id=row["user_id"],
        session_hash=row["session_hash"],
        secret=row["secret"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=expires_at,
    )


def end_enrolment(conn: sqlite3.Connection, user_id: str) -> None:
    """Forget the user's pending enrolment (confirmed, or no longer wanted)."""
    conn.execute("DELETE FROM device_enrolments WHERE user_id = ?", (normalise_user_id(user_id),))


def forget_expired(conn: sqlite3.Connection, now: datetime) -> int:
    """Delete every expired enrolment; returns how many."""
    cursor = conn.execute("DELETE FROM device_enrolments WHERE expires_at <= ?", (now.isoformat(),))
    return cursor.rowcount
