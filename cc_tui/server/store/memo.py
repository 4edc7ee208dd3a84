"""Answers worked out from the store, kept until the store changes.

Some answers are read on nearly every request and change only when a request does: the
section counts' cells of a firm (a few hundred rows turned into objects, some 2 ms),
which of them a list's criteria want, the section counts themselves. Under load that
work was most of a list's time, the same every time. `remembered(conn, key, compute)`
keeps such an answer on the connection and gives it back as long as nothing has been
committed to the store since:

- by another connection (this process's or another's): SQLite's `PRAGMA data_version`
  changes (a few microseconds to ask);
- by this connection: its `total_changes` grows.

Any commit at all forgets everything, so an answer is never older than the store; the
only cost of a busy store is recomputing. Inside a transaction nothing is kept or
reused (what it wrote may yet be rolled back). A connection made by `Database` has the
memo; any other sqlite3 connection just computes.

Only pure reads of the store belong here, keyed by everything they depend on, and the
values must not be changed by their users (lists of frozen dataclasses, models).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

_T = TypeVar("_T")

# Past this many answers the memo starts again (keys include viewers, so it could grow).
MAX_ENTRIES = 2048


class MemoConnection(sqlite3.Connection):
    """A connection with a memo (`Database.connect` makes these)."""

    memo: dict[Hashable, object]
    memo_stamp: tuple[int, int] | None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.memo = {}
        self.memo_stamp = None


def remembered(conn: sqlite3.Connection, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()`, or what it gave for `key` while the store has not changed since."""
    if not isinstance(conn, MemoConnection) or conn.in_transaction:
        return compute()
    stamp = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
    memo = conn.memo
    if stamp != conn.memo_stamp or len(memo) >= MAX_ENTRIES:
        memo.clear()
        conn.memo_stamp = stamp
    try:
        return cast(_T, memo[key])
    except KeyError:
        pass
    # The stamp was read first: a commit while computing makes the next call start again.
    value = compute()
    memo[key] = value
    return value
