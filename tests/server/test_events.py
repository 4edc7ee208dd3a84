"""Events: the list, enrolment, the waiting list and its promotions, and concurrency."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.server.clock import FakeClock
from cc_tui.server.db import Database
from cc_tui.server.mail import read_outbox
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.seed_library import DEMO_EVENTS, seed_events
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import events, users
from cc_tui.server.store.events import NewEvent
from cc_tui.server.store.sessions import create_session
from tests.server.request_helpers import KOWLOON, LEAD, MAKER, headers_for

FULL = "EV2403"  # Buy-in Procedures Briefing: 60 of 60, 3 waiting, LEAD holds a seat
NEARLY_FULL = "EV2402"  # 38 of 40
PAST = "EV2401"


async def listed(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = await api.get("/events", headers=headers)
    assert response.status_code == 200, response.text
    return {event["id"]: event for event in response.json()}


async def enrol(api: httpx.AsyncClient, headers: dict[str, str], event_id: str) -> dict[str, Any]:
    response = await api.post(f"/events/{event_id}/enrolment", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def withdraw(
    api: httpx.AsyncClient, headers: dict[str, str], event_id: str
) -> dict[str, Any]:
    response = await api.delete(f"/events/{event_id}/enrolment", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def add_event(db: Database, clock: FakeClock, event_id: str, capacity: int) -> None:
    starts = clock.now() + timedelta(days=3)
    with db.transaction() as conn:
        events.create_event(
            conn,
            NewEvent(
                event_id,
                f"Test seminar {event_id}",
                "Room 1",
                starts,
                starts + timedelta(hours=1),
                capacity,
            ),
        )


async def test_the_list_shows_upcoming_events_soonest_first_with_seats(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    response = await api.get("/events", headers=headers_for(app, MAKER))
    assert response.status_code == 200
    found = response.json()
    assert len(found) == 8
    assert PAST not in {event["id"] for event in found}
    starts = [event["starts_at"] for event in found]
    assert starts == sorted(starts)
    assert all(event["starts_at"].endswith("+08:00") for event in found)
    by_id = {event["id"]: event for event in found}
    assert by_id[FULL]["enrolled"] == by_id[FULL]["capacity"] == 60
    assert by_id[FULL]["waitlisted"] == 3
    assert by_id[FULL]["seats_left"] == 0
    assert by_id[NEARLY_FULL]["seats_left"] == 2
    assert {event["my_enrolment"] for event in found} == {"none"}


async def test_events_need_a_login(api: httpx.AsyncClient) -> None:
    response = await api.get("/events")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.post(f"/events/{FULL}/enrolment")).status_code == 401


async def test_enrolling_takes_a_seat_and_twice_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    first = await enrol(api, maker, NEARLY_FULL)
    assert first["status"] == "enrolled"
    assert first["changed"] is True
    assert "You are enrolled" in first["message"]
    assert first["event"]["enrolled"] == 39
    again = await enrol(api, maker, NEARLY_FULL)
    assert again["status"] == "enrolled"
    assert again["changed"] is False
    assert "already enrolled" in again["message"]
    event = (await listed(api, maker))[NEARLY_FULL]
    assert event["enrolled"] == 39
    assert event["my_enrolment"] == "enrolled"
    # Someone else sees the seat taken but not as theirs.
    other = (await listed(api, headers_for(app, KOWLOON)))[NEARLY_FULL]
    assert other["enrolled"] == 39
    assert other["my_enrolment"] == "none"


async def test_a_full_event_puts_you_on_its_waiting_list_and_says_so(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    answer = await enrol(api, maker, FULL)
    assert answer["status"] == "waitlisted"
    assert answer["waitlist_position"] == 4
    assert "full" in answer["message"] and "waiting list" in answer["message"]
    event = (await listed(api, maker))[FULL]
    assert event["enrolled"] == 60
    assert event["waitlisted"] == 4
    assert event["my_enrolment"] == "waitlisted"
    assert event["my_waitlist_position"] == 4
    again = await enrol(api, maker, FULL)
    assert again["changed"] is False
    assert again["waitlist_position"] == 4


async def test_withdrawing_a_seat_moves_the_first_waiting_up_and_mails_them(
    app: FastAPI, api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    maker = headers_for(app, MAKER)
    await enrol(api, maker, FULL)
    conn = app.state.context.db.connect()
    first_waiting = conn.execute(
        "SELECT user_id FROM enrolments WHERE event_id = ? AND status = 'waitlisted'"
        " ORDER BY position LIMIT 1",
        (FULL,),
    ).fetchone()["user_id"]

    answer = await withdraw(api, headers_for(app, LEAD), FULL)
    assert answer["status"] == "none"
    assert answer["changed"] is True
    assert "withdrawn" in answer["message"]
    assert answer["event"]["enrolled"] == 60
    assert answer["event"]["waitlisted"] == 3

    promoted = conn.execute(
        "SELECT status FROM enrolments WHERE event_id = ? AND user_id = ?", (FULL, first_waiting)
    ).fetchone()["status"]
    assert promoted == "enrolled"
    (mail,) = read_outbox(server_settings.mail_dir, first_waiting)
    assert "Buy-in Procedures Briefing" in str(mail["Subject"])
    assert "now yours" in mail.get_content()
    # The maker moved up one place.
    assert (await listed(api, maker))[FULL]["my_waitlist_position"] == 3


async def test_withdrawing_from_the_waiting_list_promotes_nobody(
    app: FastAPI, api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    maker = headers_for(app, MAKER)
    await enrol(api, maker, FULL)
    answer = await withdraw(api, maker, FULL)
    assert answer["status"] == "none"
    assert answer["event"]["enrolled"] == 60
    assert answer["event"]["waitlisted"] == 3
    assert not any("seat" in str(m["Subject"]) for m in read_outbox(server_settings.mail_dir))


async def test_withdrawing_when_not_enrolled_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    answer = await withdraw(api, headers_for(app, MAKER), NEARLY_FULL)
    assert answer["status"] == "none"
    assert answer["changed"] is False
    assert "not enrolled" in answer["message"]
    assert answer["event"]["enrolled"] == 38


async def test_a_freed_seat_with_nobody_waiting_is_simply_free(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    await enrol(api, maker, NEARLY_FULL)
    answer = await withdraw(api, maker, NEARLY_FULL)
    assert answer["event"]["enrolled"] == 38
    assert answer["event"]["seats_left"] == 2


async def test_unknown_events_are_404(app: FastAPI, api: httpx.AsyncClient) -> None:
    response = await api.post("/events/EV9999/enrolment", headers=headers_for(app, MAKER))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "EV9999" in response.json()["detail"]


async def test_enrolment_closes_when_the_event_starts(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker = headers_for(app, MAKER)
    await enrol(api, maker, NEARLY_FULL)
    clock.advance(days=2, minutes=1)  # two business days ahead, at 10:00
    maker = headers_for(app, MAKER)  # a fresh session: the first one has idled out
    assert NEARLY_FULL not in await listed(api, maker)
    for method in ("POST", "DELETE"):
        response = await api.request(method, f"/events/{NEARLY_FULL}/enrolment", headers=maker)
        assert response.status_code == 409
        problem = response.json()
        assert problem["code"] == "enrolment_closed"
        assert "already started" in problem["detail"]
        assert problem["fix"]


def test_the_store_never_overfills_a_room(app: FastAPI, clock: FakeClock) -> None:
    db: Database = app.state.context.db
    add_event(db, clock, "EVT1", 1)
    with db.transaction() as conn:
        events.enrol(conn, "EVT1", MAKER, clock.now())
    with pytest.raises(sqlite3.IntegrityError, match="event_full"), db.transaction() as conn:
        conn.execute(
            "INSERT INTO enrolments (event_id, user_id, status, position, created_at)"
            " VALUES ('EVT1', 'x@y.example', 'enrolled', 9, 0)"
        )
    assert events.enrolment_count(db.connect(), "EVT1") == (1, 0)


def test_enrolments_from_many_threads_never_exceed_capacity(
    app: FastAPI, server_settings: ServerSettings, clock: FakeClock
) -> None:
    db: Database = app.state.context.db
    add_event(db, clock, "EVT2", 5)
    people = [f"person{n:02d}@threads.example" for n in range(20)]
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def take_a_seat(user_id: str) -> None:
        try:
            start.wait()
            with db.transaction() as conn:
                events.enrol(conn, "EVT2", user_id, clock.now())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=take_a_seat, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert events.enrolment_count(db.connect(), "EVT2") == (5, 15)
    positions = [
        row[0]
        for row in db.connect().execute(
            "SELECT position FROM enrolments WHERE event_id = 'EVT2' ORDER BY position"
        )
    ]
    assert positions == list(range(1, 21))


async def test_twenty_concurrent_enrolments_over_http_fill_exactly_the_seats(
    live_portal: BackgroundServer, server_settings: ServerSettings, clock: FakeClock
) -> None:
    db = Database(server_settings.db_path)
    add_event(db, clock, "EVT3", 5)
    tokens: list[str] = []
    with db.transaction() as conn:
        for n in range(20):
            user_id = f"delegate{n:02d}@rush.example"
            users.create_user(conn, user_id, f"Delegate {n}", clock.now())
            token, _ = create_session(conn, user_id, clock.now(), timedelta(hours=1))
            tokens.append(token)

    async with httpx.AsyncClient(base_url=f"{live_portal.url}/api/v1") as client:
        answers = await asyncio.gather(
            *(
                client.post("/events/EVT3/enrolment", headers={"Authorization": f"Bearer {token}"})
                for token in tokens
            )
        )
        assert all(answer.status_code == 200 for answer in answers)
        statuses = [answer.json()["status"] for answer in answers]
        assert statuses.count("enrolled") == 5
        assert statuses.count("waitlisted") == 15
        places = sorted(
            a.json()["waitlist_position"] for a in answers if a.json()["status"] == "waitlisted"
        )
        assert places == list(range(1, 16))
        # A second rush by the same people changes nothing.
        again = await asyncio.gather(
            *(
                client.post("/events/EVT3/enrolment", headers={"Authorization": f"Bearer {token}"})
                for token in tokens
            )
        )
        assert not any(answer.json()["changed"] for answer in again)
    assert events.enrolment_count(db.connect(), "EVT3") == (5, 15)
    db.close()


async def test_seeding_again_changes_nothing_until_every_event_is_over(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    context = app.state.context
    await enrol(api, headers_for(app, MAKER), NEARLY_FULL)
    assert seed_events(context) == []
    assert (await listed(api, headers_for(app, MAKER)))[NEARLY_FULL]["enrolled"] == 39

    clock.advance(days=60)
    assert await listed(api, headers_for(app, MAKER)) == {}
    season = seed_events(context)
    assert len(season) == len(DEMO_EVENTS)
    assert all(event_id.endswith("-20270122") for event_id in season)
    fresh = await listed(api, headers_for(app, MAKER))
    assert len(fresh) == 8
    assert fresh[f"{FULL}-20270122"]["seats_left"] == 0
    assert seed_events(context) == []
