"""Idempotency-Key in the routers: the key's check, the first answer's lookup, keeping
and replay, written once for every state-changing call (API.md: a retry with the same key
returns the first result and changes nothing).

- A key is 1 to 255 visible ASCII characters; anything else is 400 `malformed`.
- A replay is the stored status and body with `Idempotent-Replayed: true`, so a client
  (and a log) can tell a retry's answer from a fresh one.
- `IdempotentCall` names one call: the user, the key, and the operation (method, path
  and the router's fingerprint of what makes a retry the same operation; see
  `store.idempotency`). It works on the connection it is given: a router looks up the
  first answer before its transaction or inside it, and keeps the new answer inside it,
  so the key commits with the change or not at all.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request, Response

from cc_tui.api.problem import ProblemCode
from cc_tui.server.errors import ApiError
from cc_tui.server.store.idempotency import (
    StoredAnswer,
    find_answer,
    remember_answer,
    request_fingerprint,
)

REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def check_key(key: str | None) -> str | None:
    """The `Idempotency-Key` header as sent (None when there is none); 400 when malformed."""
    if key is not None and not _KEY.fullmatch(key):
        raise ApiError(
            400,
            ProblemCode.MALFORMED,
            "The Idempotency-Key header is not a valid key.",
            "Send 1 to 255 visible ASCII characters, such as a random UUID.",
        )
    return key


def replay(answer: StoredAnswer) -> Response:
    """The first answer again, marked as a replay."""
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


@dataclass(frozen=True)
class IdempotentCall:
    """One call under an idempotency key (or under none: then it finds and keeps nothing)."""

    user_id: str
    key: str | None
    method: str
    path: str
    fingerprint: str

    @classmethod
    def of(
        cls, http_request: Request, user_id: str, key: str | None, operation: str
    ) -> IdempotentCall:
        """The call `http_request` makes; `key` as `check_key` passed it, `operation` what
        makes a retry the same operation (a body, a file name, an eService)."""
        method, path = http_request.method, http_request.url.path
        return cls(user_id, key, method, path, request_fingerprint(method, path, operation))

    def find(self, conn: sqlite3.Connection, now: datetime) -> StoredAnswer | None:
        """The first answer under this key, or None (no key, never used, or expired);
        422 `idempotency_key_reused` when the key was used for another operation."""
        if self.key is None:
            return None
        return find_answer(
            conn,
            self.user_id,
            self.key,
            method=self.method,
            path=self.path,
            fingerprint=self.fingerprint,
            now=now,
        )

    def first_answer(self, conn: sqlite3.Connection, now: datetime) -> Response | None:
        """The replay of the first answer under this key, or None when there is none."""
        stored = self.find(conn, now)
        return None if stored is None else replay(stored)

    def remember(self, conn: sqlite3.Connection, answer: StoredAnswer, now: datetime) -> None:
        """Keep `answer` under the key, in the caller's transaction (nothing without a key).
        A live answer kept first by another process raises sqlite3.IntegrityError."""
        if self.key is None:
            return
        remember_answer(
            conn,
            self.user_id,
            self.key,
            method=self.method,
            path=self.path,
            fingerprint=self.fingerprint,
            answer=answer,
            now=now,
        )
