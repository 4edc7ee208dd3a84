"""Shared fixtures: a portal per test with its own data dir and a clock tests can move.

- `clock`: a FakeClock at Monday 2026-11-23 10:00 HKT (a business day, no maintenance).
- `server_settings`: ServerSettings in tmp_path with cheap argon2 (tests only).
- `app`: the FastAPI app (demo firms and users seeded).
- `api`: an httpx.AsyncClient on the app in-process (no socket), base /api/v1.
- `live_portal`: the portal on a real loopback port in a background thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.server.app import create_app
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import BackgroundServer, start_background_server
from cc_tui.server.settings import ServerSettings
from tests.server.requests_read_helpers import in_process

DEMO_PASSWORD = "Demo-pass-2024"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=HKT))


@pytest.fixture
def server_settings(tmp_path: Path, clock: FakeClock) -> ServerSettings:
    return ServerSettings(
        data_dir=tmp_path / "portal",
        clock=clock,
        argon2_time_cost=1,
        argon2_memory_cost=8192,
    )


@pytest.fixture
def app(server_settings: ServerSettings) -> FastAPI:
    return create_app(server_settings)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app) as client:
        yield client


@pytest.fixture
def live_portal(server_settings: ServerSettings) -> Iterator[BackgroundServer]:
    portal = start_background_server(server_settings)
    try:
        yield portal
    finally:
        portal.stop()
