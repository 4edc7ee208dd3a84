"""The audit trail as a hash chain: each entry of a request is sealed with the SHA-256 of
its canonical form and of the entry before it, so a row changed, removed or slipped in
directly in the database no longer verifies.

Design decisions:
- The canonical form is the JSON array of the stored columns in a fixed order (ids,
  integer times, texts as stored, `changes` as its stored JSON text), so two processes
  and the seeder compute the same bytes; the seal is sha256(prev_hash + canonical) in
  hex, and the first entry's prev_hash is "".
- Plain SHA-256 as the issue asks, not an HMAC: the chain proves that nothing changed
  since a head was seen (the audit PDF prints the head, to be kept outside the portal);
  whoever can rewrite the whole chain can also rewrite the head inside the database.
- The links alone cannot show that the latest entries were removed: the request row
  keeps its trail's length and head (migration 0013, a trigger on every entry written),
  and the walk must end there.
- Pure functions over rows and one connection: used by `store.requests` (append,
  verify), the bulk seeder (seals rows as it makes them) and the migration that added
  the columns (seals the entries written before it).
- A check reads one moment of the store (`one_moment`: a read transaction): with
  several server processes, an entry written by another while the check walks the
  trail would otherwise look like tampering (more entries than the request records).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

# The columns of request_audit that the seal covers, in canonical order.
SEALED_COLUMNS = (
    "request_id",
    "at",
    "user_id",
    "role",
    "action",
    "from_status",
    "to_status",
    "comment",
    "participant_id",
    "changes",
    "file",
)
_SELECT = ", ".join(SEALED_COLUMNS)


def seal(prev_hash: str, values: Sequence[object]) -> str:
    """The SHA-256 (hex) of an entry whose sealed columns are `values`, after `prev_hash`."""
    canonical = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def seal_rows(rows: Iterable[Sequence[object]]) -> list[tuple[object, ...]]:
    """Rows of SEALED_COLUMNS (one request's or several, each request's in order) with
    their hash and prev_hash appended, chained per request."""
    sealed: list[tuple[object, ...]] = []
    last: dict[object, str] = {}
    for row in rows:
        request_id = row[0]
        prev = last.get(request_id, "")
        digest = seal(prev, row)
        last[request_id] = digest
        sealed.append((*row, digest, prev))
    return sealed


def last_hash(conn: sqlite3.Connection, request_id: int) -> str:
    """The hash of the request's latest entry ("" before its first)."""
    row = conn.execute(
        "SELECT hash FROM request_audit WHERE request_id = ? ORDER BY id DESC LIMIT 1",
        (request_id,),
    ).fetchone()
    return "" if row is None or row[0] is None else str(row[0])


@dataclass(frozen=True)
class ChainCheck:
    """What a walk of one request's chain found."""

    intact: bool
    entries: int
    # The position (1 = oldest) of the first entry that does not verify, if any; past
    # the last entry (entries + 1) when the latest ones were removed.
    broken_at: int | None
    head: str | None
    # How many entries the request row says its trail has (None: no request row).
    recorded: int | None = None


@contextmanager
def one_moment(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Reads inside see the store as it was at the first of them (WAL keeps that
    snapshot while other connections write); inside a transaction already, that one."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def verify_chain(conn: sqlite3.Connection, request_id: int) -> ChainCheck:
    """`_verify_chain` on one moment of the store."""
    with one_moment(conn):
        return _verify_chain(conn, request_id)


def _verify_chain(conn: sqlite3.Connection, request_id: int) -> ChainCheck:
    """Recompute every seal of the request's trail in order. An entry breaks the chain
    when its own content no longer gives its hash, or when the hash it names as its
    predecessor is not the one before it (an entry removed or inserted). Then the trail
    must end where the request row says it does (`audit_entries`, `audit_head`, kept by
    a trigger as each entry is written): fewer entries means the latest were removed,
    which the links alone cannot show."""
    recorded_row = conn.execute(
        "SELECT audit_entries, audit_head FROM requests WHERE id = ?", (request_id,)
    ).fetchone()
    recorded = None if recorded_row is None else int(recorded_row[0])
    prev = ""
    count = 0
    for count, row in enumerate(
        conn.execute(
            f"SELECT {_SELECT}, hash, prev_hash FROM request_audit"
            " WHERE request_id = ? ORDER BY id",
            (request_id,),
        ),
        start=1,
    ):
        values = tuple(row[: len(SEALED_COLUMNS)])
        stored, stored_prev = row[len(SEALED_COLUMNS)], row[len(SEALED_COLUMNS) + 1]
        if stored_prev != prev or stored != seal(prev, values):
            total = int(
                conn.execute(
                    "SELECT count(*) FROM request_audit WHERE request_id = ?", (request_id,)
                ).fetchone()[0]
            )
            return ChainCheck(False, total, count, None, recorded)
        prev = str(stored)
    if recorded_row is not None and (count, prev) != (recorded, str(recorded_row[1])):
        assert recorded is not None
        # Entries missing at the end: the first missing one; otherwise the last entry
        # is not the one the request row names.
        broken_at = min(count, recorded) + 1 if count != recorded else max(count, 1)
        return ChainCheck(False, count, broken_at, None, recorded)
    return ChainCheck(True, count, None, prev or None, recorded)


def seal_unsealed(conn: sqlite3.Connection) -> int:
    """Seal the entries written before the chain existed (run once, by the migration that
    added the columns, in its transaction); returns how many were sealed."""
    rows = conn.execute(
        f"SELECT id, {_SELECT} FROM request_audit WHERE hash IS NULL ORDER BY request_id, id"
    ).fetchall()
    ids = [row[0] for row in rows]
    sealed = seal_rows(tuple(row[1:]) for row in rows)
    conn.executemany(
        "UPDATE request_audit SET hash = ?, prev_hash = ? WHERE id = ?",
        [(row[-2], row[-1], row_id) for row, row_id in zip(sealed, ids, strict=True)],
    )
    return len(ids)
