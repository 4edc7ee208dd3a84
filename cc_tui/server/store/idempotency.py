"""Idempotency keys: the first answer given under a user's key, kept for 24 hours.

Every state-changing POST (requests, their actions and attachments, the accounts of
the admin screens) stores its answer here, so this is a store of its own rather than a
part of any one of them; `server.idempotency` is what the routers call.

Design decisions:
- A key stores the first successful answer, in the transaction of the change. A failed
  attempt changed nothing and stores nothing, so its retry simply runs again.
- A key is the user's own (two users may use the same key), lives 24 hours, and names
  one operation: the same key for another one is refused (422 `idempotency_key_reused`).
  What "the same operation" is, is the caller's `request_fingerprint`: for an action or
  a save, the whole body; for a new request, the eService alone, because the TUI keeps
  a new request's key with its local draft, and its retry after a crash carries what
  was typed since (it gets the first answer, then saves the newer values with PATCH).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from cc_tui.domain.i18n import _
from cc_tui.server.errors import ApiError
from cc_tui.server.store.times import to_micros

IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer given under an idempotency key."""

    status: int
    body: str


@dataclass(frozen=True)
class KeyedCall:
    """A call under a user's idempotency key, and what makes a retry the same call: its
    method, path and `fingerprint` (`request_fingerprint` of what identifies it)."""

    user_id: str
    key: str
    method: str
    path: str
    fingerprint: str


def request_fingerprint(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method}\n{path}\n{body}".encode()).hexdigest()


def find_answer(conn: sqlite3.Connection, call: KeyedCall, now: datetime) -> StoredAnswer | None:
    """The answer stored under the user's key, or None (never used, or expired).

    The same key sent with another request (method, path or fingerprint) is refused: a
    client reusing keys would otherwise get an answer to a different question.
    """
    row = conn.execute(
        "SELECT method, path, request_hash, status, body FROM idempotency_keys"
        " WHERE user_id = ? AND key = ? AND created_at > ?",
        (call.user_id, call.key, to_micros(now - IDEMPOTENCY_TTL)),
    ).fetchone()
    if row is None or row["status"] is None:
        return None
    if (row["method"], row["path"], row["request_hash"]) != (
        call.method,
        call.path,
        call.fingerprint,
    ):
        raise ApiError(
            422,
            IDEMPOTENCY_KEY_REUSED,
            _(
                "This Idempotency-Key was already used for another request ({method} {path}); "
                "nothing was changed."
            ).format(method=row["method"], path=row["path"]),
            _(
                "Send a new, unique Idempotency-Key with each new request; reuse a key only to "
                "retry exactly the same request."
            ),
        )
    return StoredAnswer(status=int(row["status"]), body=str(row["body"]))


def remember_answer(
    conn: sqlite3.Connection, call: KeyedCall, answer: StoredAnswer, now: datetime
) -> None:
    """Store the answer under the key, in the transaction of the change it answers.

    An expired row under the same key gives way; a live one (another process got there
    first) raises sqlite3.IntegrityError, which rolls the change back.
    """
    conn.execute(
        "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at <= ?",
        (call.user_id, call.key, to_micros(now - IDEMPOTENCY_TTL)),
    )
    conn.execute(
        "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, body,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            call.user_id,
            call.key,
            call.method,
            call.path,
            call.fingerprint,
            answer.status,
            answer.body,
            to_micros(now),
        ),
    )


def purge_answers(conn: sqlite3.Connection, now: datetime) -> int:
    """Forget answers older than IDEMPOTENCY_TTL; returns how many."""
    cursor = conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at <= ?",
        (to_micros(now - IDEMPOTENCY_TTL),),
    )
    return int(cursor.rowcount)
