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

Asking `data_version` costs some 10 microseconds, and a request asks the memo a dozen
times (session, user, memberships, rights, cells, arms...). On the event loop it is
asked once per step of a task: the answer holds until the loop next runs anything else
(`loop.call_soon` clears it), so a request's uninterrupted stretch of store calls sees
the store as it was when the stretch began, as if the stretch took no time, and nothing
else of this process can run, let alone commit, meanwhile. Its own commits still show
at once (`total_changes` is read every time); another process's, or another thread's,
from the next step on. Off the loop (threads, scripts, tests) it is asked every time.

Only pure reads of the store belong here, keyed by everything they depend on, and the
values must not be changed by their users (lists of frozen dataclasses, models).
"""

from __future__ import annotations

import asyncio
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
    # `data_version` as read in this step of the event loop (None: ask again).
    memo_version: int | None
    # Whole answers' bytes (`recall`, `keep`), and their size.
    answers: dict[Hashable, bytes]
    answer_bytes: int

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.memo = {}
        self.memo_stamp = None
        self.memo_version = None
        self.answers = {}
        self.answer_bytes = 0


def _forget_version(conn: MemoConnection) -> None:
    conn.memo_version = None


def _data_version(conn: MemoConnection) -> int:
    """SQLite's `data_version`, asked at most once per step of the running event loop."""
    version = conn.memo_version
    if version is not None:
        return version
    version = int(conn.execute("PRAGMA data_version").fetchone()[0])
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return version  # no loop: asked every time
    conn.memo_version = version
    loop.call_soon(_forget_version, conn)
    return version


def _current(conn: MemoConnection) -> tuple[int, int]:
    """The store's stamp now; what was kept under another stamp is forgotten."""
    stamp = (_data_version(conn), conn.total_changes)
    if stamp != conn.memo_stamp or len(conn.memo) >= MAX_ENTRIES:
        conn.memo.clear()
        conn.answers.clear()
        conn.answer_bytes = 0
        conn.memo_stamp = stamp
    return stamp


def forget(conn: sqlite3.Connection) -> None:
    """Forget everything kept on `conn` (for tests that change what an answer is worked
    out with, e.g. the planner's thresholds, without changing the store)."""
    if isinstance(conn, MemoConnection):
        conn.memo_stamp = None


def remembered(conn: sqlite3.Connection, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()`, or what it gave for `key` while the store has not changed since."""
    if not isinstance(conn, MemoConnection) or conn.in_transaction:
        return compute()
    _current(conn)
    memo = conn.memo
    try:
        return cast(_T, memo[key])
    except KeyError:
        pass
    # The stamp was read first: a commit while computing makes the next call start again.
    value = compute()
    memo[key] = value
    return value


# Whole answers ---------------------------------------------------------------------------
#
# fast_route.py keeps the bytes of whole answers (a page of a list, a request) the same
# way, on their own budget of bytes (a page of 200 rows is some 80 kB): an answer is
# looked up with `recall`, which also says the store's stamp; one worked out after that
# is kept with `keep` only if the store still has that stamp, so an answer computed
# across a commit (an endpoint may await) is never kept under the newer stamp.

Stamp = tuple[int, int]

# Past this many bytes of kept answers they start again.
MAX_ANSWER_BYTES = 16 * 1024 * 1024


def recall(conn: sqlite3.Connection, key: Hashable) -> tuple[Stamp | None, bytes | None]:
    """(the store's stamp, the answer kept for `key` under it); (None, None) where nothing
    may be kept (not a memo connection, or inside a transaction)."""
    if not isinstance(conn, MemoConnection) or conn.in_transaction:
        return None, None
    stamp = _current(conn)
    return stamp, conn.answers.get(key)


def keep(conn: sqlite3.Connection, stamp: Stamp | None, key: Hashable, answer: bytes) -> None:
    """Keep `answer` for `key` if the store is still at `stamp` (what `recall` said
    before the answer was worked out)."""
    if stamp is None or not isinstance(conn, MemoConnection) or conn.in_transaction:
        return
    if _current(conn) != stamp:
        return
    if conn.answer_bytes + len(answer) > MAX_ANSWER_BYTES:
        conn.answers.clear()
        conn.answer_bytes = 0
    conn.answers[key] = answer
    conn.answer_bytes += len(answer)
