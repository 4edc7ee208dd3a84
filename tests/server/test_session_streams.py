"""Sessions end everywhere at once (issue 9, point 5): logout, expiry, suspension, a lock,
a password change and a password reset end every open notice stream of the session(s)
concerned, over a real loopback port. A stream checks its session every
`SESSION_CHECK_S` (half a second), so it ends within a second; the waits below are only
a safety net. A stream whose session goes on is left alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.server.clock import FakeClock
from cc_tui.server.mail import read_outbox
from cc_tui.server.routers.notifications import SESSION_CHECK_S
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import DEMO_PASSWORD, RESET_LINE
from tests.server.requests_read_helpers import CHECKER, headers_for
from tests.server.test_notifications import EventStream, stream, submit
from tests.waiting import await_until

SAFETY_S = 10.0
ADMIN = "admin@harbour.example"
NEW_PASSWORD = "Harbour-tide-2026"


def portal_app(portal: BackgroundServer) -> FastAPI:
    app: FastAPI = portal.app
    return app


@asynccontextmanager
async def client_of(portal: BackgroundServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=portal.url + API_PREFIX, timeout=SAFETY_S) as client:
        yield client


async def ends(events: EventStream) -> str:
    """Read until the stream ends; the comments seen on the way, joined."""
    said: list[str] = []

    async def read() -> None:
        try:
            while True:
                block = await events.block()
                assert "data" not in block, f"a notice after the session ended: {block}"
                said.append(block.get("comment", ""))
        except (EOFError, httpx.RemoteProtocolError, httpx.ReadError):
            return

    await asyncio.wait_for(read(), SAFETY_S)
    return " ".join(said)


def test_streams_check_their_session_more_than_once_a_second() -> None:
    assert SESSION_CHECK_S <= 0.5


async def test_logout_ends_the_stream_and_the_reconnect_is_refused(
    live_portal: BackgroundServer,
) -> None:
    app = portal_app(live_portal)
    headers = headers_for(app, CHECKER)
    async with client_of(live_portal) as client, stream(client, headers) as events:
        assert (await client.post("/auth/logout", headers=headers)).status_code == 204
        assert "session has ended" in await ends(events)
        again = await client.get("/notifications/stream", headers=headers)
        assert again.status_code == 401


async def test_expiry_ends_the_stream(
    live_portal: BackgroundServer, clock: FakeClock, server_settings: ServerSettings
) -> None:
    app = portal_app(live_portal)
    async with client_of(live_portal) as client, stream(client, headers_for(app, CHECKER)) as ev:
        clock.advance(server_settings.session_idle)
        await ends(ev)


async def test_suspension_and_lock_end_the_users_streams(live_portal: BackgroundServer) -> None:
    app = portal_app(live_portal)
    admin = headers_for(app, ADMIN)
    lead = "lead@harbour.example"
    async with (
        client_of(live_portal) as client,
        stream(client, headers_for(app, CHECKER)) as checkers,
        stream(client, headers_for(app, lead)) as leads,
    ):
        suspended = await client.patch(
            f"/admin/users/{CHECKER}", headers=admin, json={"status": "suspended"}
        )
        assert suspended.status_code == 200
        await ends(checkers)
        for _ in range(5):
            locked = await client.post(
                "/auth/login", json={"user_id": lead, "password": "Wrong-pass-2024"}
            )
        assert locked.status_code == 423
        await ends(leads)
        # The CCDA who acted is untouched.
        assert (await client.get("/me", headers=admin)).status_code == 200


async def test_a_password_change_ends_the_other_sessions_streams_only(
    live_portal: BackgroundServer,
) -> None:
    app = portal_app(live_portal)
    here = headers_for(app, CHECKER)
    elsewhere = headers_for(app, CHECKER)
    async with (
        client_of(live_portal) as client,
        stream(client, here) as mine,
        stream(client, elsewhere) as other,
    ):
        changed = await client.post(
            "/me/password",
            headers=here,
            json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 204
        await ends(other)
        # This session's stream still delivers: a new task reaches it.
        row, _ = submit(app)
        event = await mine.event()
        assert event["ref"] == row.ref


async def test_a_password_reset_ends_every_stream_of_the_user(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> None:
    app = portal_app(live_portal)
    async with (
        client_of(live_portal) as client,
        stream(client, headers_for(app, CHECKER)) as first,
        stream(client, headers_for(app, CHECKER)) as second,
    ):
        asked = await client.post("/auth/password/forgot", json={"user_id": CHECKER})
        assert asked.status_code == 202
        token = await reset_token(server_settings, CHECKER)
        reset = await client.post(
            "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
        )
        assert reset.status_code == 204
        await ends(first)
        await ends(second)


async def reset_token(settings: ServerSettings, user_id: str) -> str:
    """The token of the reset mail, once it has arrived (it goes after the answer)."""

    def arrived() -> str:
        for mail in read_outbox(settings.mail_dir, user_id):
            match = RESET_LINE.search(str(mail.get_content()))
            if match:
                return match.group(1)
        return ""

    return await await_until(arrived, f"the reset mail to {user_id} arrives", SAFETY_S)
