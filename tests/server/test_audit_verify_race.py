"""The audit chain's check reads one moment of the store: an entry written by another
process (`cc-tui server --workers N`) while a check is under way must not make an intact
trail look tampered with (`intact: false`, a `broken_at` past its end), which is what
a reader of the audit PDF or of /audit/verify would take as evidence of tampering.

The race is made deterministic: the check's connection is wrapped so that, right after
it has read what the request row records (its trail's length and head), a second
connection (another worker) appends a sealed entry, as an approval would.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
from fastapi import FastAPI

from cc_tui.domain.workflow import Action, Status
from cc_tui.server.db import Database
from cc_tui.server.store.audit_chain import verify_chain
from cc_tui.server.store.requests import append_audit
from tests.server.request_helpers import MAKER, context_of, create, good_values, headers_for


class WriterInBetween:
    """A connection whose first read of the request row lets another writer in."""

    def __init__(self, conn: sqlite3.Connection, write: Any) -> None:
        self.conn = conn
        self.write = write
        self.fired = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def execute(self, sql: str, *params: Any) -> Any:
        cursor = self.conn.execute(sql, *params)
        if self.fired or "audit_entries" not in sql:
            return cursor
        self.fired = True
        rows = cursor.fetchall()
        self.write()
        return FetchedRows(rows)


class FetchedRows:
    """What the wrapped read returned, as the cursor it came from."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None


async def test_an_entry_written_during_the_check_does_not_look_like_tampering(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    context = context_of(app)
    made = await create(api, headers_for(app, MAKER), "CT027", good_values(app, "CT027"))
    request_id = int(made["ref"][3:])
    other_worker = Database(context.settings.db_path)

    def append() -> None:
        with other_worker.transaction() as conn:
            append_audit(
                conn,
                request_id,
                at=context.now(),
                user_id=MAKER,
                role="maker",
                action=Action.SAVE,
                from_status=Status.DRAFT,
                to_status=Status.DRAFT,
            )

    try:
        racing = WriterInBetween(context.db.connect(), append)
        check = verify_chain(racing, request_id)  # type: ignore[arg-type]
        assert racing.fired
        assert check.intact, check
        assert check.broken_at is None
        assert check.entries == check.recorded  # one moment: what it walked is what it records
        # The next check sees the entry, and the trail still verifies.
        after = verify_chain(context.db.connect(), request_id)
        assert after.intact and after.entries == check.entries + 1
    finally:
        other_worker.close()
