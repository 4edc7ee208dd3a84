"""Task notices: who gets one, the list, the live event stream, catching up, shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.workflow import Action, Status
from cc_tui.server.clock import FakeClock
from cc_tui.server.mail import read_outbox
from cc_tui.server.notice_hub import NoticeHub
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.notifications import (
    TaskNotice,
    mail_task_notices,
    record_task_notices,
)
from cc_tui.server.store.requests import RequestRow, change_status, create_request
from tests.server.requests_read_helpers import (
    CHECKER,
    LEAD,
    MAKER,
    OFFICER,
    context_of,
    headers_for,
)

WAIT_S = 10.0  # a safety net only: notices arrive within a fraction of a second


def submit(
    app: FastAPI, maker: str = MAKER, code: str = "CT027"
) -> tuple[RequestRow, list[TaskNotice]]:
    """A new request, submitted: the change and its notices in one transaction."""
    context = context_of(app)
    with context.db.transaction() as conn:
        draft = create_request(
            conn,
            participant_id="B01234",
            eservice=CATALOGUE[code],
            maker=maker,
            fields={},
            title=f"Notice test {code}",
            now=context.now(),
        )
        row = change_status(
            conn,
            draft,
            expected_version=draft.version,
            action=Action.SUBMIT,
            role="maker",
            user_id=maker,
            to_status=Status.PENDING_CHECKER,
            now=context.now(),
        )
        notices = record_task_notices(conn, row, Status.PENDING_CHECKER, context.now())
    return row, notices


def move(
    app: FastAPI, row: RequestRow, action: Action, role: str, user: str, to: Status
) -> tuple[RequestRow, list[TaskNotice]]:
    context = context_of(app)
    with context.db.transaction() as conn:
        moved = change_status(
            conn,
            row,
            expected_version=row.version,
            action=action,
            role=role,
            user_id=user,
            to_status=to,
            now=context.now(),
            comment="Please check" if action is Action.RETURN else None,
        )
        notices = record_task_notices(conn, moved, to, context.now())
    return moved, notices


def test_a_submitted_request_is_a_task_for_each_checker_but_its_maker(app: FastAPI) -> None:
    _, notices = submit(app, maker=MAKER)
    assert sorted(n.user_id for n in notices) == [CHECKER, LEAD]
    assert {n.kind for n in notices} == {"awaiting_my_check"}
    _, by_lead = submit(app, maker=LEAD)
    assert [n.user_id for n in by_lead] == [CHECKER]  # the maker never checks its own


def test_returned_is_a_task_for_the_maker_and_with_exchange_for_the_officers(
    app: FastAPI,
) -> None:
    row, _ = submit(app)
    returned, notices = move(app, row, Action.RETURN, "checker", CHECKER, Status.RETURNED)
    assert [(n.user_id, n.kind, n.status) for n in notices] == [
        (MAKER, "returned_to_me", Status.RETURNED)
    ]
    again, _ = move(app, returned, Action.SUBMIT, "maker", MAKER, Status.PENDING_CHECKER)
    sent_on, notices = move(app, again, Action.APPROVE, "checker", CHECKER, Status.WITH_EXCHANGE)
    assert [(n.user_id, n.kind) for n in notices] == [(OFFICER, "awaiting_my_check")]
    assert sent_on.reached_exchange
    _, notices = move(app, sent_on, Action.COMPLETE, "exchange", OFFICER, Status.APPROVED)
    assert notices == []


def test_task_notices_are_mailed(app: FastAPI, server_settings: ServerSettings) -> None:
    row, notices = submit(app)
    assert mail_task_notices(context_of(app).mailer, notices) == 2
    mails = read_outbox(server_settings.mail_dir, CHECKER)
    assert any(row.ref in str(mail["Subject"]) for mail in mails)
    assert row.ref in mails[-1].get_content()


async def test_the_list_catches_up_by_id_or_time(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock
) -> None:
    headers = headers_for(app, CHECKER)
    first, _ = submit(app)
    clock.advance(minutes=1)
    second, _ = submit(app, code="DA3")
    response = await api.get("/notifications", headers=headers)
    assert response.status_code == 200
    listed = response.json()
    assert [n["ref"] for n in listed] == [first.ref, second.ref]
    assert listed[0]["kind"] == "awaiting_my_check"
    assert listed[0]["status"] == "pending_checker"
    assert listed[0]["title"] == "Notice test CT027"
    after_first = await api.get(
        "/notifications", params={"since": listed[0]["id"]}, headers=headers
    )
    assert [n["ref"] for n in after_first.json()] == [second.ref]
    by_time = await api.get("/notifications", params={"since": listed[1]["at"]}, headers=headers)
    assert [n["ref"] for n in by_time.json()] == [second.ref]
    bad = await api.get("/notifications", params={"since": "yesterday"}, headers=headers)
    assert bad.status_code == 400
    others = await api.get("/notifications", headers=headers_for(app, MAKER))
    assert others.json() == []


class EventStream:
    """Reads server-sent events from an open httpx stream."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def block(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        async for line in self.lines:
            if line == "":
                return fields
            name, _, value = line.partition(":")
            key = name or "comment"
            fields[key] = fields.get(key, "") + value.removeprefix(" ")
        raise EOFError("the stream ended")

    async def event(self) -> dict[str, Any]:
        while True:
            fields = await asyncio.wait_for(self.block(), WAIT_S)
            if "data" in fields:
                return {"id": int(fields["id"]), **json.loads(fields["data"])}


@asynccontextmanager
async def stream(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> AsyncIterator[EventStream]:
    async with client.stream(
        "GET", "/notifications/stream", headers=headers, params=params
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = EventStream(response)
        opening = await asyncio.wait_for(events.block(), WAIT_S)  # subscribed from here on
        assert "retry" in opening
        yield events


def portal_app(portal: BackgroundServer) -> FastAPI:
    app: FastAPI = portal.app
    return app


@asynccontextmanager
async def client_of(portal: BackgroundServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=portal.url + API_PREFIX, timeout=WAIT_S) as client:
        yield client


async def test_a_new_task_reaches_every_open_client_of_the_user(
    live_portal: BackgroundServer,
) -> None:
    app = portal_app(live_portal)
    async with (
        client_of(live_portal) as one,
        client_of(live_portal) as two,
        stream(one, headers_for(app, CHECKER)) as first,
        stream(two, headers_for(app, CHECKER)) as second,
        stream(one, headers_for(app, MAKER)) as makers,
    ):
        row, _ = await asyncio.to_thread(submit, app)
        got = await asyncio.gather(first.event(), second.event())
        for event in got:
            assert event["ref"] == row.ref
            assert event["kind"] == "awaiting_my_check"
            assert event["status"] == "pending_checker"
        assert got[0]["id"] == got[1]["id"]
        # The maker has no task from its own submission; its stream stays quiet until one.
        returned, _ = await asyncio.to_thread(
            move, app, row, Action.RETURN, "checker", CHECKER, Status.RETURNED
        )
        mine = await makers.event()
        assert (mine["ref"], mine["kind"]) == (returned.ref, "returned_to_me")


async def test_a_reconnecting_client_catches_up_after_its_last_event(
    live_portal: BackgroundServer,
) -> None:
    app = portal_app(live_portal)
    headers = headers_for(app, CHECKER)
    first, _ = submit(app)
    second, _ = submit(app, code="DA3")
    async with client_of(live_portal) as client:
        listed = (await client.get("/notifications", headers=headers)).json()
        first_id = listed[0]["id"]
        async with stream(client, headers | {"Last-Event-ID": str(first_id)}) as resumed:
            event = await resumed.event()
            assert (event["id"], event["ref"]) == (listed[1]["id"], second.ref)
        async with stream(client, headers, since=first_id) as caught_up:
            event = await caught_up.event()
            assert event["ref"] == second.ref
            third, _ = await asyncio.to_thread(submit, app, MAKER, "BI01")
            assert (await caught_up.event())["ref"] == third.ref
        async with stream(client, headers) as fresh:
            fourth, _ = await asyncio.to_thread(submit, app, MAKER, "SC01")
            assert (await fresh.event())["ref"] == fourth.ref  # not the older ones
    assert first.ref != second.ref


async def test_a_stream_is_refused_without_a_session(live_portal: BackgroundServer) -> None:
    async with client_of(live_portal) as client:
        response = await client.get("/notifications/stream")
        assert response.status_code == 401
        bad = await client.get(
            "/notifications/stream",
            headers=headers_for(portal_app(live_portal), CHECKER) | {"Last-Event-ID": "x"},
        )
        assert bad.status_code == 400


async def test_stopping_the_server_ends_open_streams(live_portal: BackgroundServer) -> None:
    app = portal_app(live_portal)
    async with (
        client_of(live_portal) as client,
        stream(client, headers_for(app, CHECKER)) as events,
    ):
        await asyncio.to_thread(live_portal.stop, WAIT_S)
        assert not live_portal.thread.is_alive()
        try:
            rest = await asyncio.wait_for(events.block(), WAIT_S)
        except (EOFError, httpx.RemoteProtocolError, httpx.ReadError):
            rest = {}
        assert "data" not in rest


async def test_a_change_wakes_only_the_streams_of_the_users_it_has_notices_for(
    app: FastAPI,
) -> None:
    hub = NoticeHub(context_of(app).db)
    try:
        checker, maker, anyone = hub.subscribe(CHECKER), hub.subscribe(MAKER), hub.subscribe()
        submit(app)  # a task for the firm's checkers, none for its maker
        hub.announce()
        assert checker.is_set() and anyone.is_set()
        assert not maker.is_set()  # its stream does not read the store again for nothing
        checker.clear()
        anyone.clear()
        hub.announce()  # nothing new since: no one is woken
        assert not (checker.is_set() or anyone.is_set() or maker.is_set())
    finally:
        hub.close()
    assert maker.is_set()  # closing wakes every stream, so that each ends
