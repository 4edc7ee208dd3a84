"""Service: health and status, from the calendar and the server's maintenance window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

import httpx

from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import portal


async def test_health(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_status_on_a_business_morning(api: httpx.AsyncClient) -> None:
    status = (await api.get("/service/status")).json()
    assert status["now"] == "2026-11-23T10:00:00+08:00"
    assert status["maintenance"] is False
    assert status["business_day"] is True
    assert status["business_hours"] is True
    assert status["next_maintenance_start"] == "2026-11-28T08:00:00+08:00"
    assert status["next_maintenance_end"] == "2026-11-29T00:00:00+08:00"
    assert status.get("message") is None


async def test_status_in_the_weekly_maintenance(api: httpx.AsyncClient, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=HKT))
    status = (await api.get("/service/status")).json()
    assert status["maintenance"] is True
    assert status["business_day"] is False
    assert "maintenance" in status["message"]
    clock.set(datetime(2026, 11, 29, 0, 0, tzinfo=HKT))
    assert (await api.get("/service/status")).json()["maintenance"] is False


async def test_the_window_is_a_server_setting(
    server_settings: ServerSettings, clock: FakeClock
) -> None:
    settings = replace(server_settings, maintenance_end=time(12, 0))
    clock.set(datetime(2026, 11, 29, 10, 0, tzinfo=HKT))
    async with portal(settings) as (_, api):
        status = (await api.get("/service/status")).json()
    assert status["maintenance"] is True
    assert status["next_maintenance_end"] == "2026-11-29T12:00:00+08:00"


async def test_status_and_health_need_no_login(api: httpx.AsyncClient) -> None:
    for path in ("/health", "/service/status"):
        assert (await api.get(path)).status_code == 200
