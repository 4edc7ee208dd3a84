"""What the lockout keeps beyond `users.failed_attempts`: failures on user IDs that do not
exist, and failures per client address (the throttle).

- A user ID that does not exist is counted exactly as a real account is (the same
  atomic UPDATE ... RETURNING shape, the same limit), so after 5 failures it answers
  423 as a real account would, and a caller cannot tell the two apart by trying.
- Failed logins per client address are rows with their time; the throttle counts those
  within the window, and housekeeping deletes the older ones.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from cc_tui.server.store.users import normalise_user_id


def unknown_locked(conn: sqlite3.Connection, user_id: str) -> bool:
    """Whether a user ID that does not exist has failed often enough to be 'locked'."""
    row = conn.execute(
        "SELECT locked_at FROM unknown_login_failures WHERE user_id = ?",
        (normalise_user_id(user_id),),
    ).fetchone()
    return row is not None and row[0] is not None


def record_unknown_failure(
    conn: sqlite3.Connection, user_id: str, now: datetime, limit: int
) -> bool:
    """Count one failure on a user ID that does not exist; True when it is now 'locked'
    (as `users.record_failure` does for a real one)."""
    row = conn.execute(
        "INSERT INTO unknown_login_failures (user_id, failed_attempts, locked_at)"
        " VALUES (?, 1, CASE WHEN 1 >= ? THEN ? END)"
        " ON CONFLICT(user_id) DO UPDATE SET failed_attempts = failed_attempts + 1,"
        " locked_at = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE NULL END"
        " WHERE locked_at IS NULL RETURNING locked_at",
        (normalise_user_id(user_id), limit, now.isoformat(), limit, now.isoformat()),
    ).fetchone()
    return row is None or row[0] is not None


def forget_unknown(conn: sqlite3.Connection, user_id: str) -> None:
    """A user with this ID now exists: its count is the account's own from here on."""
    conn.execute(
        "DELETE FROM unknown_login_failures WHERE user_id = ?", (normalise_user_id(user_id),)
    )


def record_client_failure(conn: sqlite3.Connection, client: str, now: datetime) -> None:
    conn.execute(
        "INSERT INTO client_login_failures (client, at) VALUES (?, ?)", (client, now.isoformat())
    )


def client_failures_since(conn: sqlite3.Connection, client: str, since: datetime) -> list[datetime]:
    """The times of the address's failures after `since`, oldest first."""
    return [
        datetime.fromisoformat(row[0])
        for row in conn.execute(
            "SELECT at FROM client_login_failures WHERE client = ? AND at > ? ORDER BY at",
            (client, since.isoformat()),
        )
    ]


def forget_client_failures(conn: sqlite3.Connection, before: datetime) -> int:
    """Delete the failures older than `before` (housekeeping)."""
    cursor = conn.execute("DELETE FROM client_login_failures WHERE at <= ?", (before.isoformat(),))
    return cursor.rowcount
