"""The requests seeder: spread, consistent histories, repeatable, idempotent (small N)."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.workflow import Action, Actor, Status, find_transition, next_status
from cc_tui.server import seed_requests as seed_requests_module
from cc_tui.server.app import build_context
from cc_tui.server.clock import FakeClock
from cc_tui.server.context import ServerContext
from cc_tui.server.seed import seed_demo
from cc_tui.server.seed_requests import CLEARING, SPREAD, clearing_count, seed_requests
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.times import to_micros

N = 2000
MADE = N + clearing_count(N)  # the clearing membership C01234 gets a tenth more


def _context(data_dir: Path, clock: FakeClock) -> ServerContext:
    context = build_context(
        ServerSettings(data_dir=data_dir, clock=clock, argon2_time_cost=1, argon2_memory_cost=8192)
    )
    seed_demo(context)
    return context


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> ServerContext:
    clock = FakeClock()
    context = _context(tmp_path_factory.mktemp("seeded"), clock)
    assert seed_requests(context.db, N, 7, clock.now()) == MADE
    return context


@pytest.fixture
def conn(seeded: ServerContext) -> sqlite3.Connection:
    return seeded.db.connect()


def test_requests_spread_over_firms_eservices_statuses_and_makers(conn: sqlite3.Connection) -> None:
    firms = dict(conn.execute("SELECT participant_id, count(*) FROM requests GROUP BY 1"))
    assert set(firms) == {"B01234", "B05678", "C01234"}
    assert firms["B01234"] > firms["B05678"] > N // 4
    assert firms["C01234"] == N // 10
    eservices = {r[0] for r in conn.execute("SELECT DISTINCT eservice FROM requests")}
    assert eservices == set(CATALOGUE)
    for firm in firms:
        statuses = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT status FROM requests WHERE participant_id = ?", (firm,)
            )
        }
        assert statuses == {status.value for status in Status}, firm
    for firm in firms:
        makers = conn.execute(
            "SELECT count(DISTINCT maker) FROM requests WHERE participant_id = ?", (firm,)
        ).fetchone()[0]
        assert makers >= 3


def test_dates_cover_two_years_and_refs_follow_creation(
    seeded: ServerContext, conn: sqlite3.Connection
) -> None:
    now = to_micros(seeded.now())
    oldest, newest = conn.execute(
        "SELECT min(created_at), max(updated_at) FROM requests"
    ).fetchone()
    assert now - oldest > timedelta(days=700) // timedelta(microseconds=1)
    assert newest <= now
    # References follow creation among the N, and among the clearing membership's requests
    # that follow them (the N are those of a store seeded before C01234 existed).
    out_of_order = conn.execute(
        "SELECT count(*) FROM requests a JOIN requests b ON b.id = a.id + 1"
        " WHERE b.created_at < a.created_at AND a.id <> ?",
        (N,),
    ).fetchone()[0]
    assert out_of_order == 0
    assert {
        r[0]
        for r in conn.execute("SELECT DISTINCT participant_id FROM requests WHERE id > ?", (N,))
    } == {CLEARING}
    assert conn.execute("SELECT ref FROM requests WHERE id = 1").fetchone()[0] == "ECS00000001"


def test_every_history_follows_the_workflow_table(conn: sqlite3.Connection) -> None:
    requests = {
        r["id"]: r
        for r in conn.execute(
            "SELECT id, participant_id, eservice, status, maker, version, created_at, updated_at,"
            " reached_exchange FROM requests"
        )
    }
    officers = {
        r[0] for r in conn.execute("SELECT user_id FROM users WHERE is_exchange_officer = 1")
    }
    trails: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for entry in conn.execute("SELECT * FROM request_audit ORDER BY id"):
        trails[entry["request_id"]].append(entry)
    assert set(trails) == set(requests)
    for request_id, trail in trails.items():
        request = requests[request_id]
        eservice = CATALOGUE[request["eservice"]]
        first = trail[0]
        assert (first["action"], first["from_status"], first["to_status"]) == (
            "save",
            None,
            "draft",
        )
        assert first["at"] == request["created_at"]
        status = Status.DRAFT
        for entry in trail[1:]:
            action = Action(entry["action"])
            actor = Actor(entry["role"])
            assert entry["from_status"] == status.value
            assert find_transition(status, action, actor) is not None, (request_id, entry)
            status = next_status(
                status,
                action,
                has_exchange_stage=eservice.has_exchange_stage,
                final_status=eservice.final_status,
            )
            assert entry["to_status"] == status.value
            if actor is Actor.CHECKER:
                assert entry["user_id"] != request["maker"]
            if actor is Actor.EXCHANGE:
                assert entry["user_id"] in officers
                assert entry["participant_id"] is None
            else:
                assert entry["participant_id"] == request["participant_id"]
            if actor is Actor.MAKER:
                assert entry["user_id"] == request["maker"]
            if action in (Action.RETURN, Action.REJECT):
                assert entry["comment"]
        assert status.value == request["status"]
        assert [e["at"] for e in trail] == sorted(e["at"] for e in trail)
        assert trail[-1]["at"] == request["updated_at"]
        assert request["version"] == len(trail)
        assert request["reached_exchange"] == int(
            any(e["to_status"] == "with_exchange" for e in trail)
        )


def test_open_requests_are_recent_enough_not_to_be_aborted(
    seeded: ServerContext, conn: sqlite3.Connection
) -> None:
    limit = to_micros(seeded.now() - timedelta(days=30))
    stale = conn.execute(
        "SELECT count(*) FROM requests WHERE status IN ('draft', 'returned') AND updated_at < ?",
        (limit,),
    ).fetchone()[0]
    assert stale == 0


def test_counts_search_index_and_change_times_are_consistent(conn: sqlite3.Connection) -> None:
    counted = sorted(
        tuple(r)
        for r in conn.execute(
            "SELECT participant_id, status, eservice, maker, reached_exchange, n"
            " FROM request_counts WHERE n > 0"
        )
    )
    grouped = sorted(
        tuple(r)
        for r in conn.execute(
            "SELECT participant_id, status, eservice, maker, reached_exchange, count(*)"
            " FROM requests GROUP BY 1, 2, 3, 4, 5"
        )
    )
    assert counted == grouped
    conn.execute("INSERT INTO request_fts (request_fts) VALUES ('integrity-check')")
    duplicates = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM requests GROUP BY participant_id, updated_at"
        " HAVING count(*) > 1)"
    ).fetchone()[0]
    assert duplicates == 0
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"requests_status_updated", "requests_search_key", "request_audit_request"} <= indexes
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"requests_fts_insert", "requests_count_update"} <= triggers
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_extra_people_cannot_log_in(conn: sqlite3.Connection) -> None:
    row = conn.execute(
        "SELECT password_hash FROM users WHERE user_id = 'amy.chan@harbour.example'"
    ).fetchone()
    assert row is not None and row[0] is None


def _fingerprint(context: ServerContext) -> str:
    digest = hashlib.sha256()
    conn = context.db.connect()
    for row in conn.execute(
        "SELECT id, participant_id, eservice, status, maker, title, fields, created_at,"
        " updated_at FROM requests ORDER BY id"
    ):
        digest.update(repr(tuple(row)).encode())
    for row in conn.execute(
        "SELECT request_id, at, user_id, action FROM request_audit ORDER BY id"
    ):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_same_seed_makes_the_same_store_and_reseeding_adds_nothing(
    tmp_path: Path, seeded: ServerContext
) -> None:
    clock = FakeClock()
    again = _context(tmp_path / "again", clock)
    assert seed_requests(again.db, N, 7, clock.now()) == MADE
    assert _fingerprint(again) == _fingerprint(seeded)
    assert seed_requests(again.db, N, 7, clock.now()) == 0
    other = _context(tmp_path / "other", clock)
    assert seed_requests(other.db, N, 8, clock.now()) == MADE
    assert _fingerprint(other) != _fingerprint(seeded)


def test_the_app_seeds_from_its_settings(tmp_path: Path) -> None:
    clock = FakeClock()
    context = build_context(
        ServerSettings(
            data_dir=tmp_path,
            clock=clock,
            seed_requests=300,
            seed_random=3,
            argon2_time_cost=1,
            argon2_memory_cost=8192,
        )
    )
    seed_demo(context)
    assert seed_requests(context) == 330
    assert context.db.connect().execute("SELECT count(*) FROM requests").fetchone()[0] == 330


def _fingerprint_of_firms(context: ServerContext, firms: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    marks = ",".join("?" * len(firms))
    for row in context.db.connect().execute(
        "SELECT id, participant_id, eservice, status, maker, title, fields, created_at,"
        f" updated_at FROM requests WHERE participant_id IN ({marks}) ORDER BY id",
        firms,
    ):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_clearing_membership_leaves_the_other_firms_rows_as_they_were(
    tmp_path: Path, seeded: ServerContext
) -> None:
    """A store without C01234 (as seeded before it existed) gets the very same requests for
    B01234 and B05678: the clearing membership's come from a random stream of their own."""
    clock = FakeClock()
    without = _context(tmp_path / "without", clock)
    with without.db.transaction() as tx:
        tx.execute("DELETE FROM user_rights WHERE participant_id = ?", (CLEARING,))
        tx.execute("DELETE FROM user_memberships WHERE participant_id = ?", (CLEARING,))
        tx.execute("DELETE FROM memberships WHERE participant_id = ?", (CLEARING,))
    assert seed_requests(without.db, N, 7, clock.now()) == N
    firms = ("B01234", "B05678")
    assert _fingerprint_of_firms(without, firms) == _fingerprint_of_firms(seeded, firms)


def test_the_clearing_membership_makes_no_trading_forms(conn: sqlite3.Connection) -> None:
    made = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT eservice FROM requests WHERE participant_id = ?", (CLEARING,)
        )
    }
    trading = {code for code, e in CATALOGUE.items() if e.category == "Trading"}
    assert made and not made & trading
    assert made == set(CATALOGUE) - trading


def _rows_by_eservice(
    context: ServerContext, *, with_ids: bool
) -> dict[str, list[tuple[object, ...]]]:
    """Each eService's requests with their audit trails (and ids, `with_ids`)."""
    conn = context.db.connect()
    trails: dict[int, list[tuple[object, ...]]] = defaultdict(list)
    for row in conn.execute(
        "SELECT request_id, at, user_id, role, action, to_status, comment FROM request_audit"
        " ORDER BY id"
    ):
        trails[row[0]].append(tuple(row)[1:])
    found: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for row in conn.execute(
        "SELECT id, eservice, participant_id, status, maker, title, fields, version,"
        " created_at, updated_at FROM requests ORDER BY created_at, id"
    ):
        kept = tuple(row) if with_ids else tuple(row)[1:]
        found[row[1]].append((*kept, tuple(trails[row[0]])))
    return found


SMALL = 600


def test_an_eservice_added_to_the_catalogue_changes_no_other_eservices_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each eService's requests come from a stream of its own (the seed and its code): a
    new eService brings requests of its own, after the others' references, and every
    request of the others stays as it was, reference included."""
    clock = FakeClock()
    before = _context(tmp_path / "before", clock)
    assert seed_requests(before.db, SMALL, 7, clock.now()) == SMALL + clearing_count(SMALL)
    added = dataclasses.replace(CATALOGUE["SC01"], code="ZZ01")
    monkeypatch.setattr(seed_requests_module, "CATALOGUE", {**CATALOGUE, "ZZ01": added})
    after = _context(tmp_path / "after", clock)
    made = seed_requests(after.db, SMALL, 7, clock.now())
    old, new = _rows_by_eservice(before, with_ids=True), _rows_by_eservice(after, with_ids=True)
    assert {code: new[code] for code in old} == old
    assert len(new["ZZ01"]) == made - SMALL - clearing_count(SMALL) > 0
    last_before = before.db.connect().execute("SELECT max(id) FROM requests").fetchone()[0]
    first_added = (
        after.db.connect()
        .execute("SELECT min(id) FROM requests WHERE eservice = 'ZZ01'")
        .fetchone()[0]
    )
    assert first_added == last_before + 1


def test_an_eservice_taken_out_leaves_the_others_requests_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without one eService (its share of the N is simply not made) every other eService
    has the same requests with the same histories; only the references close up."""
    clock = FakeClock()
    full = _context(tmp_path / "full", clock)
    seed_requests(full.db, SMALL, 7, clock.now())
    monkeypatch.setattr(
        seed_requests_module,
        "CATALOGUE",
        {code: e for code, e in CATALOGUE.items() if code != "BI02"},
    )
    without = _context(tmp_path / "without", clock)
    seed_requests(without.db, SMALL, 7, clock.now())
    every, fewer = (
        _rows_by_eservice(full, with_ids=False),
        _rows_by_eservice(without, with_ids=False),
    )
    assert "BI02" in every and "BI02" not in fewer
    assert fewer == {code: rows for code, rows in every.items() if code != "BI02"}


def test_a_store_seeded_for_a_fixed_set_of_eservices_is_the_same_with_one_more_in_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screens' tests seed the eServices of SPREAD only (settings.seed_eservices): an
    eService added to the catalogue then changes no request at all, so no snapshot of a
    list changes with it."""
    clock = FakeClock()
    before = _context(tmp_path / "before", clock)
    made = seed_requests(before.db, SMALL, 7, clock.now(), only=SPREAD)
    assert made == SMALL + clearing_count(SMALL)
    added = dataclasses.replace(CATALOGUE["SC01"], code="ZZ01")
    monkeypatch.setattr(seed_requests_module, "CATALOGUE", {**CATALOGUE, "ZZ01": added})
    after = _context(tmp_path / "after", clock)
    assert seed_requests(after.db, SMALL, 7, clock.now(), only=SPREAD) == made
    assert _rows_by_eservice(after, with_ids=True) == _rows_by_eservice(before, with_ids=True)
