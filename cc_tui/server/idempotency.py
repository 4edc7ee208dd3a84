"""Idempotency-Key in the routers: the key's check, the first answer's lookup, keeping
and replay, written once for every state-changing call (API.md: a retry with the same key
returns the first result and changes nothing).

- A key is 1 to 255 visible ASCII characters; anything else is 400 `malformed`.
- A replay is the stored status and body with `Idempotent-Replayed: true`, so a client
  (and a log) can tell a retry's answer from a fresh one.
- `run_once` is the one runner of a keyed change: the first answer's lookup, then the
  change and the key's answer in one transaction, a race lost to another process
  answered with that process's answer. Every router that changes state through a
  callback uses it (request actions, accounts); the upload, which awaits the file's
  bytes between the lookup and its transaction, uses the same `IdempotentCall` steps.
- `IdempotentCall` names one call: the user, the key, and the operation (method, path
  and the router's fingerprint of what makes a retry the same one), as the store's
  `KeyedCall`. It works on the connection it is given: a router looks up the first
  answer before its transaction or inside it, and keeps the new answer inside it, so
  the key commits with the change or not at all.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from fastapi import Request, Response

from cc_tui.api.problem import ProblemCode
from cc_tui.domain.i18n import _
from cc_tui.server.errors import ApiError
from cc_tui.server.store.idempotency import (
    KeyedCall,
    StoredAnswer,
    find_answer,
    remember_answer,
    request_fingerprint,
)

if TYPE_CHECKING:
    from cc_tui.server.db import Database

T = TypeVar("T")
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def check_key(key: str | None) -> str | None:
    """The `Idempotency-Key` header as sent (None when there is none); 400 when malformed."""
    if key is not None and not _KEY.fullmatch(key):
        raise ApiError(
            400,
            ProblemCode.MALFORMED,
            _("The Idempotency-Key header is not a valid key."),
            _("Send 1 to 255 visible ASCII characters, such as a random UUID."),
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
    """One call of a router: under a key (`keyed`), or under none, when it finds and keeps
    nothing."""

    keyed: KeyedCall | None

    @classmethod
    def of(
        cls, http_request: Request, user_id: str, key: str | None, operation: str
    ) -> IdempotentCall:
        """The call `http_request` makes; `key` as `check_key` passed it, `operation` what
        makes a retry the same operation (a body, a file name, an eService)."""
        if key is None:
            return cls(None)
        method, path = http_request.method, http_request.url.path
        fingerprint = request_fingerprint(method, path, operation)
        return cls(KeyedCall(user_id, key, method, path, fingerprint))

    def first_answer(self, conn: sqlite3.Connection, now: datetime) -> Response | None:
        """The replay of the first answer under the key, or None when there is none; 422
        `idempotency_key_reused` when the key was used for another operation."""
        stored = None if self.keyed is None else find_answer(conn, self.keyed, now)
        return None if stored is None else replay(stored)

    def remember(self, conn: sqlite3.Connection, answer: StoredAnswer, now: datetime) -> None:
        """Keep `answer` under the key, in the caller's transaction (nothing without a key).
        A live answer kept first by another process raises sqlite3.IntegrityError."""
        if self.keyed is not None:
            remember_answer(conn, self.keyed, answer, now)


@dataclass(frozen=True)
class Ran(Generic[T]):
    """A keyed change that ran now: the answer kept under its key, and what else the
    change gave back for the router to finish with (a model, mail to send)."""

    answer: StoredAnswer
    result: T

    def response(self, headers: dict[str, str] | None = None) -> Response:
        """The answer as kept, so the first answer and its replays are the same bytes."""
        return Response(
            self.answer.body,
            status_code=self.answer.status,
            media_type="application/json",
            headers=headers,
        )


def run_once(
    db: Database,
    now: datetime,
    call: IdempotentCall,
    change: Callable[[sqlite3.Connection], tuple[StoredAnswer, T]],
    *,
    before: Callable[[], None] | None = None,
) -> Response | Ran[T]:
    """Run `change` once per key: the replay of the first answer when there is one;
    else `before()` (a check that may refuse, such as the maintenance window), then
    `change` and the key's answer in one transaction, so the key commits with the
    change or not at all.

    Nothing here awaits between the key's lookup and the commit, so on one event loop no
    other request interleaves; across processes the key's primary key decides, and the
    loser answers with the winner's answer."""
    first = call.first_answer(db.connect(), now)
    if first is not None:
        return first
    if before is not None:
        before()
    try:
        with db.transaction() as conn:
            answer, result = change(conn)
            call.remember(conn, answer, now)
    except sqlite3.IntegrityError:
        first = call.first_answer(db.connect(), now)
        if first is None:
            raise
        return first
    return Ran(answer, result)
