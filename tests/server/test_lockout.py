"""Lockout tells nothing about who exists (issue 9, point 3): an unknown user ID is
counted and answered exactly as a real one; the 423 words are the same for every
account; and failures from one client address across many user IDs are throttled (429
with Retry-After), so locking out a whole firm is not a loop of 5 requests a user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.server.clock import FakeClock
from cc_tui.server.jobs import run_housekeeping
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import DEMO_PASSWORD, db, login, portal, user_row

MAKER = "maker@harbour.example"
NOBODY = "nobody@harbour.example"
WRONG = "Wrong-pass-2024"


def same_answer(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    assert a.json() == b.json()
    assert a.headers["content-type"] == b.headers["content-type"]
    assert a.headers.get("retry-after") == b.headers.get("retry-after")


async def test_an_unknown_user_id_is_counted_and_locked_like_a_real_one(
    api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    for attempt in range(1, 6):
        real = await login(api, MAKER, WRONG)
        unknown = await login(api, NOBODY, WRONG)
        same_answer(real, unknown)
        assert real.status_code == (423 if attempt == 5 else 401)
    # Locked: the right password on the real account, any on the unknown one, the same.
    same_answer(await login(api, MAKER, DEMO_PASSWORD), await login(api, NOBODY, DEMO_PASSWORD))
    problem = (await login(api, NOBODY, WRONG)).json()
    assert problem["code"] == "account_locked"
    assert problem["fix"] == (
        "Ask your firm's delegated administrator (CCDA) to unlock it; a CCDA asks the "
        "exchange (Client Connect support)."
    )
    assert user_row(server_settings, MAKER)["failed_attempts"] == 5


async def test_user_ids_differing_in_case_count_as_one(api: httpx.AsyncClient) -> None:
    for _ in range(5):
        answer = await login(api, " NoBody@Harbour.Example ", WRONG)
    assert answer.status_code == 423
    assert (await login(api, NOBODY, WRONG)).status_code == 423


@pytest.fixture
def throttled(server_settings: ServerSettings) -> ServerSettings:
    return replace(server_settings, login_throttle=6, login_throttle_window=timedelta(minutes=1))


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://portal.test{API_PREFIX}"
    ) as client:
        yield client


async def test_failures_from_one_address_across_user_ids_are_throttled(
    throttled: ServerSettings, clock: FakeClock
) -> None:
    async with portal(throttled) as (app, api):
        # Six wrong passwords, each on another user ID: none is locked...
        for n in range(6):
            answer = await login(api, f"user{n}@harbour.example", WRONG)
            assert answer.status_code == 401
        # ...but the seventh attempt from that address is refused before any check,
        # even with the right password of a real user (it tells nothing about it).
        refused = await login(api, MAKER, DEMO_PASSWORD)
        assert refused.status_code == 429
        problem = refused.json()
        assert problem["code"] == "rate_limited"
        assert "Wait" in problem["fix"]
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 60
        assert user_row(throttled, MAKER)["failed_attempts"] == 0
        # Another address is not held up by this one's failures.
        async with client_at(app, "10.0.0.2") as other:
            assert (await login(other, MAKER, DEMO_PASSWORD)).status_code == 200
        # Once the window has passed, this address may try again.
        clock.advance(seconds=wait)
        assert (await login(api, MAKER, DEMO_PASSWORD)).status_code == 200


async def test_the_throttle_counts_attempts_on_locked_accounts(
    throttled: ServerSettings, clock: FakeClock
) -> None:
    async with portal(throttled) as (app, api):
        for _ in range(5):
            await login(api, NOBODY, WRONG)
        assert (await login(api, NOBODY, WRONG)).status_code == 423
        assert (await login(api, NOBODY, WRONG)).status_code == 429
        # Housekeeping forgets failures older than the window.
        clock.advance(minutes=2)
        run_housekeeping(app.state.context)
        conn = db(throttled)
        try:
            assert conn.execute("SELECT COUNT(*) FROM client_login_failures").fetchone()[0] == 0
        finally:
            conn.close()
        assert (await login(api, NOBODY, WRONG)).status_code == 423


async def test_a_firm_cannot_be_locked_out_by_one_loop(
    throttled: ServerSettings,
) -> None:
    """With the throttle at 6 a minute, one address locks at most one account a minute
    (5 failures each), however many user IDs it loops over."""
    async with portal(throttled) as (_, api):
        users = ["maker@harbour.example", "lead@harbour.example", "admin@harbour.example"]
        answers = [await login(api, user, WRONG) for user in users for _ in range(5)]
        assert [a.status_code for a in answers].count(429) == 9
        locked = [user for user in users if user_row(throttled, user)["locked"]]
        assert locked == ["maker@harbour.example"]
