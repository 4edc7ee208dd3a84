"""Making and changing requests through the API: create, save, validate, submit's checks,
another firm's references, the maintenance window, business-day-only eServices, and the
abort job."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.jobs import run_housekeeping
from cc_tui.server.mail import read_outbox
from cc_tui.server.runner import start_background_server
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.requests import get_request_row
from tests.server.request_helpers import (
    CHECKER,
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)
from tests.waiting import await_until

SATURDAY_0900 = datetime(2026, 11, 28, 9, 0, tzinfo=HKT)
SUNDAY_1000 = datetime(2026, 11, 29, 10, 0, tzinfo=HKT)
CHRISTMAS_1000 = datetime(2026, 12, 25, 10, 0, tzinfo=HKT)


def stored_fields(app: FastAPI, ref: str) -> dict[str, Any]:
    row = get_request_row(context_of(app).db.connect(), ref)
    assert row is not None
    return row.fields


def audit_actions(app: FastAPI, ref: str) -> list[tuple[str, str, str | None, str | None]]:
    rows = (
        context_of(app)
        .db.connect()
        .execute(
            "SELECT a.action, a.role, a.from_status, a.to_status FROM request_audit a"
            " JOIN requests r ON r.id = a.request_id WHERE r.ref = ? ORDER BY a.id",
            (ref,),
        )
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def request_count(app: FastAPI) -> int:
    return int(context_of(app).db.connect().execute("SELECT count(*) FROM requests").fetchone()[0])


# Create --------------------------------------------------------------------------------


async def test_create_makes_an_autofilled_draft_with_a_reference(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    response = await api.post(
        "/requests",
        json={"eservice": "ct027", "fields": {"contact_name": "Mandy Chan", "new_limit": "6e"}},
        headers=maker,
    )
    assert response.status_code == 201, response.text
    request = response.json()
    assert re.fullmatch(r"ECS\d{8}", request["ref"])
    assert response.headers["location"].endswith(f"/requests/{request['ref']}")
    assert request["status"] == "draft"
    assert request["version"] == 1
    assert request["maker"] == MAKER
    assert request["participant_id"] == "B01234"
    assert request["eservice"] == "CT027"
    # Auto-fill under the maker's own values; an incomplete, even wrong, draft is kept.
    assert request["fields"]["firm_name"] == "Harbour Securities Limited"
    assert request["fields"]["participant_id"] == "B01234"
    assert request["fields"]["contact_name"] == "Mandy Chan"
    assert request["fields"]["new_limit"] == "6e"
    assert request["title"] == "OCL B01234"
    assert [(e["action"], e["from_status"], e["to_status"]) for e in request["audit"]] == [
        ("save", None, "draft")
    ]
    assert set(request["allowed_actions"]) == {"submit", "discard"}


async def test_references_are_new_for_each_request_and_never_change(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    first = await create(api, maker)
    second = await create(api, maker, "TH01")
    assert first["ref"] != second["ref"]
    saved = await api.patch(
        f"/requests/{first['ref']}",
        json={"version": 1, "fields": {"remarks": "x"}},
        headers=maker,
    )
    assert saved.json()["ref"] == first["ref"]


@pytest.mark.parametrize("user", [CHECKER, OFFICER, "admin@harbour.example"])
async def test_only_a_holder_of_the_make_right_creates(
    app: FastAPI, api: httpx.AsyncClient, user: str
) -> None:
    response = await api.post(
        "/requests", json={"eservice": "CT027", "fields": {}}, headers=headers_for(app, user)
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden"
    assert "EU_OrderConsiderationLimit" in body["fix"]
    assert request_count(app) == 0


async def test_an_unknown_eservice_is_refused_naming_the_field(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    response = await api.post(
        "/requests", json={"eservice": "ZZ99", "fields": {}}, headers=headers_for(app, MAKER)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "eservice"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"remarks": {"nested": 1}}, "remarks"),
        ({"remarks": ["a"]}, "remarks"),
        ({"remarks": "x" * 6000}, "remarks"),
    ],
)
async def test_shapes_a_draft_cannot_hold_are_refused(
    app: FastAPI, api: httpx.AsyncClient, fields: dict[str, object], field: str
) -> None:
    response = await api.post(
        "/requests", json={"eservice": "CT027", "fields": fields}, headers=headers_for(app, MAKER)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["fix"]
    assert request_count(app) == 0


async def test_a_table_must_be_a_list_of_rows_to_be_saved(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    for trades, field in (
        ("three trades", "trades"),
        (["not a row"], "trades[0]"),
        ([{"colour": "x"}], "trades[0].colour"),
    ):
        response = await api.post(
            "/requests",
            json={"eservice": "DA3", "fields": {"administrators": trades}},
            headers=maker,
        )
        assert response.status_code == 422, trades
        assert response.json()["errors"][0]["field"] == field.replace("trades", "administrators")


# Save (PATCH) -------------------------------------------------------------------------


async def test_save_bumps_the_version_and_keeps_what_was_not_sent(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", {"remarks": "first"})
    clock.advance(minutes=3)
    response = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": 1, "fields": {"new_limit": "8,000,000", "setting_type": "new limit"}},
        headers=maker,
    )
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["version"] == 2
    assert saved["updated_at"] > request["updated_at"]
    assert saved["fields"]["remarks"] == "first"
    assert saved["fields"]["new_limit"] == "8000000.00"
    assert saved["fields"]["setting_type"] == "New limit"
    assert saved["title"] == "OCL B01234 HKD 8,000,000"
    # A null clears a field.
    response = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": 2, "fields": {"remarks": None}},
        headers=maker,
    )
    assert response.json()["fields"]["remarks"] is None
    assert audit_actions(app, request["ref"]) == [
        ("save", "maker", None, "draft"),
        ("save", "maker", "draft", "draft"),
        ("save", "maker", "draft", "draft"),
    ]


async def test_a_stale_version_is_a_conflict_and_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker)
    first = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": 1, "fields": {"remarks": "a"}},
        headers=maker,
    )
    assert first.status_code == 200
    stale = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": 1, "fields": {"remarks": "b"}},
        headers=maker,
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "version_conflict"
    assert "changed" in body["detail"] and "Reload" in body["fix"]
    assert stored_fields(app, request["ref"])["remarks"] == "a"
    response = await act(api, maker, request, "submit")  # version 1 again
    assert response.status_code == 409
    assert response.json()["code"] == "version_conflict"


async def test_only_the_maker_saves_and_only_a_draft_or_returned_request(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker, lead, checker = (
        headers_for(app, MAKER),
        headers_for(app, LEAD),
        headers_for(app, CHECKER),
    )
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    response = await api.patch(
        f"/requests/{request['ref']}", json={"version": 1, "fields": {}}, headers=lead
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert MAKER in response.json()["detail"]
    request = (await act(api, maker, request, "submit")).json()
    response = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": request["version"], "fields": {"remarks": "late"}},
        headers=maker,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    request = (await act(api, checker, request, "return", "Raise the limit.")).json()
    response = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": request["version"], "fields": {"remarks": "raised"}},
        headers=maker,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert audit_actions(app, request["ref"])[-1] == ("save", "maker", "returned", "returned")


# Another firm -------------------------------------------------------------------------


async def test_another_firms_reference_is_not_found_everywhere(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    for user in (KOWLOON, OFFICER):  # the officer sees only what reached the exchange
        other = headers_for(app, user)
        ref = request["ref"]
        answers = [
            await api.patch(f"/requests/{ref}", json={"version": 1, "fields": {}}, headers=other),
            await api.post(f"/requests/{ref}/validate", json={"fields": {}}, headers=other),
            await api.get(f"/requests/{ref}/audit.pdf", headers=other),
            *[await act(api, other, request, action, "c") for action in ("submit", "discard")],
        ]
        for answer in answers:
            assert answer.status_code == 404, (user, answer.request.url)
            assert answer.json()["code"] == "not_found"
    unknown = await api.patch(
        "/requests/ECS09999999", json={"version": 1, "fields": {}}, headers=maker
    )
    assert unknown.status_code == 404
    malformed = await api.post(
        "/requests/nonsense/actions/submit", json={"version": 1}, headers=maker
    )
    assert malformed.status_code == 404


# Validate and submit ------------------------------------------------------------------


async def test_validate_returns_every_issue_without_saving(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    response = await api.post(
        f"/requests/{request['ref']}/validate", json={"fields": {}}, headers=maker
    )
    assert response.status_code == 200
    assert response.json() == {"errors": []}
    response = await api.post(
        f"/requests/{request['ref']}/validate",
        json={"fields": {"contact_email": "ops@", "new_limit": "1"}},
        headers=maker,
    )
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"contact_email", "new_limit"}
    assert all(e["message"] and e["fix"] for e in errors.values())
    assert stored_fields(app, request["ref"])["contact_email"] == "operations@harbour.example"


# Every field type, wrong; the values as typed are kept.
BAD_VALUES: list[tuple[str, dict[str, object], dict[str, str]]] = [
    (
        "CT027",
        {
            "participant_id": "b1234",
            "firm_name": "",
            "setting_type": "Bigger",
            "current_limit": "5,000,000.123",
            "new_limit": "50,000",
            "effective_date": "2026-12-25",
            "contact_name": "x" * 81,
            "contact_email": "ops@",
            "contact_phone": "12345",
        },
        {
            "participant_id": "not a participant ID",
            "firm_name": "is required",
            "setting_type": "not one of the choices",
            "current_limit": "decimal places",
            "new_limit": "at least 100,000",
            "effective_date": "Christmas",
            "contact_name": "the limit is 80",
            "contact_email": "not an e-mail address",
            "contact_phone": "not a Hong Kong phone number",
        },
    ),
    (
        "TH01",
        {"throttles": "fifty", "session_date": "24/11/2026"},
        {"throttles": "not a number", "session_date": "YYYY-MM-DD"},
    ),
    ("TH01", {"throttles": 51}, {"throttles": "at most 50"}),
    ("CA01", {"counterparty": "XX1"}, {"counterparty": "not a participant ID"}),
    ("DA3", {"administrators": []}, {"administrators": "at least 1 row"}),
    ("CT027", {"participant_id": "B05678"}, {"participant_id": "not the membership"}),
    ("CT027", {"effective_date": "2026-11-24"}, {"effective_date": "three working days"}),
]


@pytest.mark.parametrize(("code", "wrong", "messages"), BAD_VALUES)
async def test_submit_refuses_every_wrong_field_and_keeps_the_values(
    app: FastAPI,
    api: httpx.AsyncClient,
    code: str,
    wrong: dict[str, object],
    messages: dict[str, str],
) -> None:
    maker = headers_for(app, MAKER)
    values = good_values(app, code) | wrong
    request = await create(api, maker, code, values)
    response = await act(api, maker, request, "submit")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    assert "kept" in body["detail"]
    errors = {e["field"]: e for e in body["errors"]}
    assert set(errors) == set(messages)
    for field, words in messages.items():
        assert words in errors[field]["message"], errors[field]
        assert errors[field]["fix"], errors[field]
    stored = stored_fields(app, request["ref"])
    for field, value in wrong.items():
        if isinstance(value, str) and field != "firm_name":
            assert stored[field] == value.strip(), field
    row = get_request_row(context_of(app).db.connect(), request["ref"])
    assert row is not None and row.status.value == "draft" and row.version == 1


async def test_a_corrected_form_submits_and_notifies_the_checkers(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027") | {"new_limit": "1"})
    assert (await act(api, maker, request, "submit")).status_code == 422
    request = (
        await api.patch(
            f"/requests/{request['ref']}",
            json={"version": 1, "fields": {"new_limit": "9,000,000"}},
            headers=maker,
        )
    ).json()
    response = await act(api, maker, request, "submit")
    assert response.status_code == 200
    assert response.json()["status"] == "pending_checker"
    notices = (
        context_of(app)
        .db.connect()
        .execute("SELECT user_id, kind FROM notifications WHERE ref = ?", (request["ref"],))
        .fetchall()
    )
    assert sorted((n[0], n[1]) for n in notices) == [
        (CHECKER, "awaiting_my_check"),
        (LEAD, "awaiting_my_check"),
    ]
    # And e-mailed, once the answer has gone.
    mail_dir = context_of(app).settings.mail_dir
    for user in (CHECKER, LEAD):
        subjects = [str(m["Subject"]) for m in read_outbox(mail_dir, user)]
        assert subjects == [f"Client Connect: {request['ref']} awaits your check"]
    assert read_outbox(mail_dir, MAKER) == []


# The maintenance window and business days ---------------------------------------------


async def test_writes_are_refused_during_maintenance_and_reads_still_work(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    draft = await create(api, maker, "CT027", good_values(app, "CT027"))
    pending = await create(api, maker, "CT027", good_values(app, "CT027"))
    pending = (await act(api, maker, pending, "submit")).json()
    clock.set(SATURDAY_0900)
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    answers = [
        await api.post("/requests", json={"eservice": "CT027", "fields": {}}, headers=maker),
        await api.patch(
            f"/requests/{draft['ref']}", json={"version": 1, "fields": {}}, headers=maker
        ),
        await act(api, maker, draft, "submit"),
        await act(api, checker, pending, "approve"),
    ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "maintenance"
        assert answer.headers["retry-after"] == str(15 * 3600)  # to Sunday 00:00
        assert "Sun 00:00 HKT" in answer.json()["detail"]
    assert request_count(app) == 2
    reads = [
        await api.post(f"/requests/{draft['ref']}/validate", json={"fields": {}}, headers=maker),
        await api.get(f"/requests/{pending['ref']}/audit.pdf", headers=checker),
        await api.get("/eservices", headers=maker),
    ]
    assert [r.status_code for r in reads] == [200, 200, 200]
    clock.set(SATURDAY_0900.replace(hour=23, minute=59, second=30))
    answer = await act(api, headers_for(app, CHECKER), pending, "approve")
    assert answer.headers["retry-after"] == "30"
    clock.set(SUNDAY_1000)
    answer = await act(api, headers_for(app, CHECKER), pending, "approve")
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("moment", "reason"), [(SUNDAY_1000, "a Sunday"), (CHRISTMAS_1000, "Christmas Day")]
)
async def test_a_business_day_only_eservice_is_refused_outside_business_days(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock, moment: datetime, reason: str
) -> None:
    maker = headers_for(app, MAKER)
    waiting = await create(api, maker, "BI04", good_values(app, "BI04"))
    clock.set(moment)
    maker = headers_for(app, MAKER)
    response = await api.post("/requests", json={"eservice": "BI01", "fields": {}}, headers=maker)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "business_day_only"
    assert reason in body["detail"]
    assert "Try again on" in body["fix"]
    response = await act(api, maker, waiting, "submit")
    assert response.status_code == 409
    assert response.json()["code"] == "business_day_only"
    # Saving a draft is still allowed, and other eServices are open.
    response = await api.patch(
        f"/requests/{waiting['ref']}",
        json={"version": 1, "fields": {"reason": "typo"}},
        headers=maker,
    )
    assert response.status_code == 200
    await create(api, maker, "CT027")


# The abort job ------------------------------------------------------------------------


async def test_untouched_drafts_and_returned_requests_are_aborted_after_30_days(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    draft = await create(api, maker)
    returned = await create(api, maker, "CT027", good_values(app, "CT027"))
    returned = (await act(api, maker, returned, "submit")).json()
    returned = (await act(api, checker, returned, "return", "Fix the date.")).json()
    pending = await create(api, maker, "CT027", good_values(app, "CT027"))
    pending = (await act(api, maker, pending, "submit")).json()
    touched = await create(api, maker)
    clock.advance(days=10)
    response = await api.patch(
        f"/requests/{touched['ref']}",
        json={"version": 1, "fields": {"remarks": "still working"}},
        headers=headers_for(app, MAKER),
    )
    assert response.status_code == 200
    context = context_of(app)
    clock.advance(days=20, minutes=-1)
    assert run_housekeeping(context).aborted == []
    clock.advance(minutes=2)
    assert sorted(run_housekeeping(context).aborted) == sorted([draft["ref"], returned["ref"]])
    for ref, source in ((draft["ref"], "draft"), (returned["ref"], "returned")):
        row = get_request_row(context.db.connect(), ref)
        assert row is not None and row.status.value == "aborted"
        assert audit_actions(app, ref)[-1] == ("abort", "system", source, "aborted")
    for ref in (pending["ref"], touched["ref"]):
        row = get_request_row(context.db.connect(), ref)
        assert row is not None and row.status.value != "aborted"
    assert run_housekeeping(context).aborted == []
    clock.advance(days=10)
    assert run_housekeeping(context).aborted == [touched["ref"]]
    # An aborted request is final.
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=HKT))
    answer = await act(api, headers_for(app, MAKER), draft | {"version": 2}, "submit")
    assert answer.status_code == 409
    assert answer.json()["code"] == "invalid_transition"


async def test_the_running_server_aborts_on_its_own(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock, server_settings: ServerSettings
) -> None:
    """The job runs in the app's lifespan: a round at start-up, then every few minutes."""
    draft = await create(api, headers_for(app, MAKER))
    clock.advance(days=31)
    portal = start_background_server(server_settings)
    try:
        conn = context_of(app).db.connect()

        def aborted() -> bool:
            row = get_request_row(conn, draft["ref"])
            assert row is not None
            return row.status.value == "aborted"

        await await_until(aborted, f"{draft['ref']} is aborted")
    finally:
        portal.stop()
