"""Many people acting on one request at once, through a real server on loopback: exactly
one action wins, the rest are told someone else acted (409), and the audit trail holds
exactly one entry for the winner."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import get_eservice
from cc_tui.domain.workflow import Action, Party
from cc_tui.server.errors import ApiError
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.store import request_writes
from cc_tui.server.store.requests import get_request_row
from tests.server.request_helpers import (
    CHECKER,
    LEAD,
    MAKER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)

CONCURRENT = 100


def portal_app(portal: BackgroundServer) -> FastAPI:
    app: FastAPI = portal.app
    return app


def audit_count(app: FastAPI, ref: str, action: str) -> int:
    row = (
        context_of(app)
        .db.connect()
        .execute(
            "SELECT count(*) FROM request_audit a JOIN requests r ON r.id = a.request_id"
            " WHERE r.ref = ? AND a.action = ?",
            (ref, action),
        )
        .fetchone()
    )
    return int(row[0])


async def pending_request(app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
    maker = headers_for(app, MAKER)
    request = await create(client, maker, "CT027", good_values(app, "CT027"))
    response = await act(client, maker, request, "submit")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def loopback(portal: BackgroundServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{portal.url}{API_PREFIX}",
        limits=httpx.Limits(max_connections=CONCURRENT),
        timeout=60,
    )


async def test_a_hundred_concurrent_approvals_give_exactly_one_success(
    live_portal: BackgroundServer,
) -> None:
    app = portal_app(live_portal)
    async with loopback(live_portal) as client:
        request = await pending_request(app, client)
        checkers = [headers_for(app, CHECKER if i % 2 else LEAD) for i in range(CONCURRENT)]
        answers = await asyncio.gather(
            *(act(client, headers, request, "approve") for headers in checkers)
        )
    outcomes = Counter(
        (a.status_code, a.json().get("code") if a.status_code != 200 else "ok") for a in answers
    )
    assert outcomes == {(200, "ok"): 1, (409, "version_conflict"): CONCURRENT - 1}
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert winner["status"] == "with_exchange"
    assert winner["version"] == request["version"] + 1
    assert audit_count(app, request["ref"], "approve") == 1
    officers = (
        context_of(app)
        .db.connect()
        .execute(
            "SELECT count(*) FROM notifications WHERE ref = ? AND status = ?",
            (request["ref"], "with_exchange"),
        )
        .fetchone()[0]
    )
    assert officers == 1


async def test_concurrent_different_actions_let_exactly_one_through(
    live_portal: BackgroundServer,
) -> None:
    app = portal_app(live_portal)
    async with loopback(live_portal) as client:
        request = await pending_request(app, client)
        checker, lead, maker = (headers_for(app, u) for u in (CHECKER, LEAD, MAKER))
        moves = [
            (checker, "approve", None),
            (lead, "return", "Please fix."),
            (checker, "reject", "No."),
            (maker, "withdraw", None),
        ]
        answers = await asyncio.gather(
            *(act(client, h, request, action, c) for _ in range(10) for h, action, c in moves)
        )
    assert sorted(a.status_code for a in answers) == [200] + [409] * 39
    actions = ("approve", "return", "reject", "withdraw")
    assert sum(audit_count(app, request["ref"], action) for action in actions) == 1


async def test_the_conditional_update_holds_across_threads_with_stale_reads(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """As two server processes would: each thread has its own connection and read the
    request before any approval; the UPDATE ... WHERE version = ? lets one through."""
    context = context_of(app)
    request = await pending_request(app, api)
    stale = get_request_row(context.db.connect(), request["ref"])
    assert stale is not None
    eservice = get_eservice("CT027")
    party = Party(CHECKER, can_make=False, can_check=True)
    barrier = threading.Barrier(20)

    def approve() -> str:
        barrier.wait()
        try:
            with context.db.transaction() as conn:
                request_writes.take_action(
                    conn,
                    stale,
                    eservice,
                    party=party,
                    action=Action.APPROVE,
                    expected_version=stale.version,
                    comment=None,
                    acting_participant_id="B01234",
                    now=context.now(),
                    today=context.now().date(),
                )
        except ApiError as error:
            return error.code
        return "ok"

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = Counter(pool.map(lambda _: approve(), range(20)))
    assert results == {"ok": 1, "version_conflict": 19}
    assert audit_count(app, request["ref"], "approve") == 1
