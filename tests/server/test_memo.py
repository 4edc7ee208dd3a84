"""Answers kept on a connection until the store changes (store/memo.py): a change by the
same connection, by another connection of this process or by another process's shows
at once; what a rolled-back transaction wrote never does."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from fastapi import FastAPI

from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.query import parse_query
from cc_tui.domain.sections import Section
from cc_tui.server.db import Database
from cc_tui.server.store import request_query
from cc_tui.server.store.memo import MemoConnection, remembered
from cc_tui.server.store.requests import Viewer, create_request
from tests.server.request_helpers import MAKER, context_of

MAKER_VIEW = Viewer(MAKER, "B01234")


def drafts(conn: sqlite3.Connection) -> int:
    return request_query.section_counts(conn, MAKER_VIEW).my_drafts


def listed(conn: sqlite3.Connection) -> int:
    page = request_query.list_requests(conn, MAKER_VIEW, Section.MY_DRAFTS, parse_query(""))
    return len(page.items)


def add_draft(conn: sqlite3.Connection, app: FastAPI) -> None:
    create_request(
        conn,
        participant_id="B01234",
        eservice=CATALOGUE["CT027"],
        maker=MAKER,
        fields={},
        title="Memo test",
        now=context_of(app).now(),
    )


def test_a_change_by_the_same_connection_shows_at_once(app: FastAPI) -> None:
    db = context_of(app).db
    conn = db.connect()
    assert isinstance(conn, MemoConnection)
    before = drafts(conn), listed(conn)
    with db.transaction() as tx:
        add_draft(tx, app)
    assert (drafts(conn), listed(conn)) == (before[0] + 1, before[1] + 1)


def test_a_change_by_another_connection_shows_at_once(app: FastAPI) -> None:
    context = context_of(app)
    conn = context.db.connect()
    before = drafts(conn)
    other = Database(context.settings.db_path)  # as another thread's or worker's would be
    try:
        with other.transaction() as tx:
            add_draft(tx, app)
    finally:
        other.close()
    assert drafts(conn) == before + 1


def test_a_change_by_another_process_shows_at_once(app: FastAPI) -> None:
    context = context_of(app)
    conn = context.db.connect()
    with context.db.transaction() as tx:
        add_draft(tx, app)  # so that the maker's draft cell exists
    before = drafts(conn)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute(\"UPDATE request_counts SET n = n + 1 WHERE participant_id = 'B01234'"
            " AND status = 'draft' AND maker = ?\", (sys.argv[2],)); c.commit()",
            str(context.settings.db_path),
            MAKER,
        ],
        check=True,
    )
    assert drafts(conn) == before + 1


def test_what_a_rolled_back_transaction_read_or_wrote_is_not_kept(app: FastAPI) -> None:
    db = context_of(app).db
    conn = db.connect()
    before = drafts(conn)
    try:
        with db.transaction() as tx:
            add_draft(tx, app)
            assert drafts(tx) == before + 1  # read inside: computed, not kept
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert drafts(conn) == before


def test_a_kept_answer_is_reused_until_a_commit() -> None:
    conn = sqlite3.connect(":memory:", factory=MemoConnection, isolation_level=None)
    conn.execute("CREATE TABLE t (n INTEGER)")
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])

    assert remembered(conn, "count", count) == 0
    assert remembered(conn, "count", count) == 0
    assert len(calls) == 1
    conn.execute("INSERT INTO t VALUES (1)")
    assert remembered(conn, "count", count) == 1
    assert len(calls) == 2
    plain = sqlite3.connect(":memory:")  # no memo: always computed
    assert remembered(plain, "x", lambda: 5) == remembered(plain, "x", lambda: 6) - 1
