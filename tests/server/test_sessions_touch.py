"""A session's last use is written at most every TOUCH_INTERVAL (a write per request
cost more than the rest of a request under load), and the idle rule still holds: a
session ends after 30 idle minutes at the latest, never later."""

from __future__ import annotations

from datetime import datetime

import httpx

from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.sessions import TOUCH_INTERVAL
from tests.server.login_helpers import Outbox, bearer, email_login
from tests.server.login_helpers import db as open_db

MAKER = "maker@harbour.example"


def last_seen(settings: ServerSettings) -> datetime:
    conn = open_db(settings)
    try:
        row = conn.execute(
            "SELECT last_seen_at FROM sessions WHERE user_id = ? ORDER BY created_at DESC",
            (MAKER,),
        ).fetchone()
    finally:
        conn.close()
    return datetime.fromisoformat(row[0])


async def test_requests_within_the_interval_do_not_write_and_later_ones_do(
    api: httpx.AsyncClient, server_settings: ServerSettings, clock: FakeClock
) -> None:
    token = await email_login(api, Outbox(server_settings), MAKER)
    started = last_seen(server_settings)
    clock.advance(seconds=TOUCH_INTERVAL.total_seconds() - 1)
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    assert last_seen(server_settings) == started
    clock.advance(seconds=1)
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    assert last_seen(server_settings) == clock.now()


async def test_a_session_used_often_never_outlives_thirty_idle_minutes(
    api: httpx.AsyncClient, server_settings: ServerSettings, clock: FakeClock
) -> None:
    token = await email_login(api, Outbox(server_settings), MAKER)
    # Used every 5 s for a minute: most of these requests are not written down.
    for _ in range(12):
        clock.advance(seconds=5)
        assert (await api.get("/me", headers=bearer(token))).status_code == 200
    clock.advance(minutes=30)
    response = await api.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


async def test_a_session_used_every_twenty_minutes_stays(
    api: httpx.AsyncClient, server_settings: ServerSettings, clock: FakeClock
) -> None:
    token = await email_login(api, Outbox(server_settings), MAKER)
    for _ in range(6):
        clock.advance(minutes=20)
        assert (await api.get("/me", headers=bearer(token))).status_code == 200
