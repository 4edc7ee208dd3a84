"""The authorisation matrix (issue 10 point 5): every endpoint of the app's route table x
every demo role x a record of the caller's own firm (Harbour, B01234) and of the other
firm (Kowloon, B05678), each with the status expected. A route without a row fails.

Roles: maker, checker, maker-and-checker (lead), CCDA (admin), the other firm's user,
the exchange officer, no token, and a revoked token (a session logged out).

Writes are probed so that the answer shows who was let through without changing what
the next cell sees: a stale version (409 for whoever may act), a file name the naming
rule refuses (422 for whoever may upload), a user that already exists (409 for whoever
may create). Rules (API.md, store/requests.py): a firm's users read all of its requests,
an officer only those that reached the exchange, and anyone else gets 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from cc_tui.api import API_PREFIX
from cc_tui.server.store.sessions import find_session, revoke_session
from tests.server.attachment_corpus import good_name, minimal_pdf
from tests.server.request_helpers import (
    ADMIN,
    CHECKER,
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    context_of,
    create,
    good_values,
    headers_for,
)

ROLES = ("anonymous", "revoked", "checker", "lead", "ccda", "officer", "kowloon", "maker")
USERS = {
    "checker": CHECKER,
    "lead": LEAD,
    "ccda": ADMIN,
    "officer": OFFICER,
    "kowloon": KOWLOON,
    "maker": MAKER,
}
HARBOUR = ("maker", "checker", "lead", "ccda")


@dataclass
class Records:
    """One firm's records, as a cell's path and body name them."""

    ref: str
    owner: str
    version: int
    attachment: str
    user: str
    event: str
    document: str


@dataclass(frozen=True)
class Probe:
    path: str
    body: Callable[[Records], Any] | None = None
    # role -> (status on Harbour's record, status on Kowloon's record)
    expect: dict[str, tuple[int, int]] | None = None
    upload: bool = False
    # Read the record's version just before the call (as its maker).
    current_version: bool = False


def same(status: int) -> tuple[int, int]:
    return (status, status)


def signed_in(status: int, **roles: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """`status` for every signed-in role (whatever the record), 401 without a live session,
    and the exceptions named."""
    table = {role: same(status) for role in ROLES}
    table["anonymous"] = table["revoked"] = same(401)
    table.update(roles)
    return table


def everyone(status: int) -> dict[str, tuple[int, int]]:
    return {role: same(status) for role in ROLES}


def firm_record(
    own: int, *, officer: tuple[int, int] = (404, 404), **roles: tuple[int, int]
) -> dict[str, tuple[int, int]]:
    """A request's record: Harbour's users get `own` on Harbour's and 404 on Kowloon's;
    Kowloon's user the reverse; the officer `officer` (drafts have not reached the
    exchange); the exceptions named."""
    table = signed_in(own, officer=officer, kowloon=(404, own))
    for role in HARBOUR:
        table[role] = (own, 404)
    table.update(roles)
    return table


def only(roles: dict[str, tuple[int, int]], default: int) -> dict[str, tuple[int, int]]:
    table = signed_in(default)
    table.update(roles)
    return table


STALE = {"version": 0, "fields": {}}
PUBLIC = everyone(200)
NEEDS_BODY = signed_in(422)
MAKER_ONLY = {"maker": (409, 404), "kowloon": (404, 409)}  # stale version: let through

PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/api/v1/openapi.json"): Probe("/api/v1/openapi.json", expect=PUBLIC),
    ("GET", "/api/v1/docs"): Probe("/api/v1/docs", expect=PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Probe("/docs/oauth2-redirect", expect=PUBLIC),
    ("GET", "/api/v1/health"): Probe("/api/v1/health", expect=PUBLIC),
    ("GET", "/api/v1/service/status"): Probe("/api/v1/service/status", expect=PUBLIC),
    # The login flow takes no session: an empty body is 422 whoever sends it.
    **{
        ("POST", f"/api/v1/auth/{step}"): Probe(
            f"/api/v1/auth/{step}", body=lambda r: {}, expect=everyone(422)
        )
        for step in ("login", "otp/email", "device", "device/skip", "otp")
    },
    ("POST", "/api/v1/auth/password/forgot"): Probe(
        "/api/v1/auth/password/forgot", body=lambda r: {}, expect=everyone(422)
    ),
    ("POST", "/api/v1/auth/password/reset"): Probe(
        "/api/v1/auth/password/reset", body=lambda r: {}, expect=everyone(422)
    ),
    ("POST", "/api/v1/auth/logout"): Probe("/api/v1/auth/logout", expect=everyone(204)),
    ("GET", "/api/v1/me"): Probe("/api/v1/me", expect=signed_in(200)),
    ("POST", "/api/v1/me/password"): Probe("/api/v1/me/password", lambda r: {}, NEEDS_BODY),
    ("PUT", "/api/v1/me/otp-channel"): Probe("/api/v1/me/otp-channel", lambda r: {}, NEEDS_BODY),
    ("PUT", "/api/v1/me/language"): Probe("/api/v1/me/language", lambda r: {}, NEEDS_BODY),
    ("POST", "/api/v1/me/device"): Probe("/api/v1/me/device", lambda r: {}, NEEDS_BODY),
    ("POST", "/api/v1/me/device/confirm"): Probe(
        "/api/v1/me/device/confirm", lambda r: {}, NEEDS_BODY
    ),
    ("GET", "/api/v1/eservices"): Probe("/api/v1/eservices", expect=signed_in(200)),
    ("GET", "/api/v1/eservices/{code}"): Probe("/api/v1/eservices/CT027", expect=signed_in(200)),
    ("GET", "/api/v1/eservices/{code}/autofill"): Probe(
        "/api/v1/eservices/CT027/autofill", expect=signed_in(200)
    ),
    ("GET", "/api/v1/requests"): Probe("/api/v1/requests", expect=signed_in(200)),
    ("GET", "/api/v1/requests/sections"): Probe("/api/v1/requests/sections", expect=signed_in(200)),
    ("GET", "/api/v1/requests/{ref}"): Probe("/api/v1/requests/{ref}", expect=firm_record(200)),
    ("GET", "/api/v1/requests/{ref}/audit"): Probe(
        "/api/v1/requests/{ref}/audit", expect=firm_record(200)
    ),
    ("GET", "/api/v1/requests/{ref}/audit/verify"): Probe(
        "/api/v1/requests/{ref}/audit/verify", expect=firm_record(200)
    ),
    ("GET", "/api/v1/requests/{ref}/audit.pdf"): Probe(
        "/api/v1/requests/{ref}/audit.pdf", expect=firm_record(200)
    ),
    # Creating: whoever holds the make right of CT027 in the acting membership.
    ("POST", "/api/v1/requests"): Probe(
        "/api/v1/requests",
        body=lambda r: {"eservice": "CT027", "fields": {}},
        expect=only(
            {"maker": same(201), "lead": same(201), "kowloon": same(201)},
            403,
        ),
    ),
    # Saving and acting on a draft: its maker only (a stale version shows who got past).
    ("PATCH", "/api/v1/requests/{ref}"): Probe(
        "/api/v1/requests/{ref}", body=lambda r: STALE, expect=firm_record(403, **MAKER_ONLY)
    ),
    ("POST", "/api/v1/requests/{ref}/validate"): Probe(
        "/api/v1/requests/{ref}/validate", body=lambda r: {"fields": {}}, expect=firm_record(200)
    ),
    ("POST", "/api/v1/requests/{ref}/attachments"): Probe(
        "/api/v1/requests/{ref}/attachments",
        upload=True,
        expect=firm_record(403, maker=(422, 404), kowloon=(404, 422)),
    ),
    ("GET", "/api/v1/requests/{ref}/attachments/{attachment_id}"): Probe(
        "/api/v1/requests/{ref}/attachments/{attachment}", expect=firm_record(200)
    ),
    # The maker is the last role: its delete is the one that happens.
    ("DELETE", "/api/v1/requests/{ref}/attachments/{attachment_id}"): Probe(
        "/api/v1/requests/{ref}/attachments/{attachment}",
        expect=firm_record(403, maker=(204, 404), kowloon=(404, 204)),
    ),
    ("GET", "/api/v1/notifications"): Probe("/api/v1/notifications", expect=signed_in(200)),
    ("GET", "/api/v1/events"): Probe("/api/v1/events", expect=signed_in(200)),
    ("POST", "/api/v1/events/{event_id}/enrolment"): Probe(
        "/api/v1/events/{event}/enrolment", expect=signed_in(200)
    ),
    ("DELETE", "/api/v1/events/{event_id}/enrolment"): Probe(
        "/api/v1/events/{event}/enrolment", expect=signed_in(200)
    ),
    ("GET", "/api/v1/documents"): Probe("/api/v1/documents", expect=signed_in(200)),
    ("GET", "/api/v1/documents/{document_id}/file"): Probe(
        "/api/v1/documents/{document}/file", expect=signed_in(200)
    ),
    # Accounts: a firm's CCDA its own firm's users; the exchange every firm's.
    ("GET", "/api/v1/admin/rights"): Probe(
        "/api/v1/admin/rights", expect=only({"ccda": same(200), "officer": same(200)}, 403)
    ),
    ("GET", "/api/v1/admin/users"): Probe(
        "/api/v1/admin/users", expect=only({"ccda": same(200), "officer": same(200)}, 403)
    ),
    # The records are a checker of Harbour and a maker of Kowloon: not CCDAs, so not
    # accounts the exchange administers (404 to it, as to Harbour's CCDA for Kowloon's).
    ("GET", "/api/v1/admin/users/{user_id}"): Probe(
        "/api/v1/admin/users/{user}", expect=only({"ccda": (200, 404), "officer": same(404)}, 403)
    ),
    ("GET", "/api/v1/admin/users/{user_id}/audit"): Probe(
        "/api/v1/admin/users/{user}/audit",
        expect=only({"ccda": (200, 404), "officer": same(404)}, 403),
    ),
    ("POST", "/api/v1/admin/users"): Probe(
        "/api/v1/admin/users",
        body=lambda r: {"user_id": r.user, "name": "Again", "rights": []},
        expect=only({"ccda": (409, 409), "officer": same(422)}, 403),
    ),
    ("PATCH", "/api/v1/admin/users/{user_id}"): Probe(
        "/api/v1/admin/users/{user}",
        body=lambda r: {"status": "active"},
        expect=only({"ccda": (200, 404), "officer": same(404)}, 403),
    ),
    ("POST", "/api/v1/admin/users/{user_id}/setup-mail"): Probe(
        "/api/v1/admin/users/{user}/setup-mail",
        expect=only({"ccda": (409, 404), "officer": same(404)}, 403),
    ),
    ("POST", "/api/v1/admin/users/{user_id}/unlock"): Probe(
        "/api/v1/admin/users/{user}/unlock",
        expect=only({"ccda": (200, 404), "officer": same(404)}, 403),
    ),
    ("POST", "/api/v1/admin/users/{user_id}/reset-device"): Probe(
        "/api/v1/admin/users/{user}/reset-device",
        expect=only({"ccda": (200, 404), "officer": same(404)}, 403),
    ),
    # Last, since the maker's submit is the one that happens: at the current version,
    # submitting a draft is for its maker alone.
    ("POST", "/api/v1/requests/{ref}/actions/{action}"): Probe(
        "/api/v1/requests/{ref}/actions/submit",
        body=lambda r: {"version": r.version},
        expect=firm_record(403, maker=(200, 404), kowloon=(404, 200)),
        current_version=True,
    ),
}

# The event stream never ends by itself; its door is the same dependency as /me's.
STREAMS = {("GET", "/api/v1/notifications/stream")}


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, str(context.path_format))
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
        if method != "HEAD"
    }


def test_every_route_has_rows(app: FastAPI) -> None:
    routes = route_table(app)
    missing = routes - set(PROBES) - STREAMS
    assert not missing, f"routes without rows in the authorisation matrix: {sorted(missing)}"
    assert not set(PROBES) - routes, "rows for routes that no longer exist"


async def _records(app: FastAPI, api: httpx.AsyncClient) -> tuple[Records, Records]:
    events = (await api.get("/events", headers=headers_for(app, MAKER))).json()
    documents = (await api.get("/documents", headers=headers_for(app, MAKER))).json()
    made = []
    for user, participant in ((MAKER, "B01234"), (KOWLOON, "B05678")):
        headers = headers_for(app, user)
        request = await create(api, headers, "CT027", good_values(app, "CT027", participant))
        name = good_name(request["ref"]).replace("B01234", participant)
        uploaded = await api.post(
            f"/requests/{request['ref']}/attachments",
            files={"file": (name, minimal_pdf(), "application/pdf")},
            headers=headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        current = (await api.get(f"/requests/{request['ref']}", headers=headers)).json()
        made.append((request["ref"], current["version"], uploaded.json()["id"]))
    (own_ref, own_version, own_file), (other_ref, other_version, other_file) = made
    event, document = events[0]["id"], documents[0]["id"]
    return (
        Records(own_ref, MAKER, own_version, own_file, CHECKER, event, document),
        Records(other_ref, KOWLOON, other_version, other_file, KOWLOON, event, document),
    )


def _headers(app: FastAPI, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    if role == "revoked":
        headers = headers_for(app, MAKER)
        context = context_of(app)
        with context.db.transaction() as conn:
            token = headers["Authorization"].split()[1]
            session = find_session(conn, token)
            assert session is not None
            revoke_session(conn, session.token_hash, context.now())
        return headers
    return headers_for(app, USERS[role])


async def _call(
    app: FastAPI,
    api: httpx.AsyncClient,
    method: str,
    probe: Probe,
    records: Records,
    headers: dict[str, str],
) -> int:
    if probe.current_version:
        owner = headers_for(app, records.owner)
        current = (await api.get(f"/requests/{records.ref}", headers=owner)).json()
        records = replace(records, version=current["version"])
    path = probe.path.format(
        ref=records.ref,
        attachment=records.attachment,
        user=records.user,
        event=records.event,
        document=records.document,
    )
    # The client's base is the API's; a route outside it (the docs' redirect) goes whole.
    url = path.removeprefix(API_PREFIX) if path.startswith(API_PREFIX) else f"../..{path}"
    path = url
    if probe.upload:
        response = await api.post(
            path, files={"file": ("notes.txt", b"plain text", "text/plain")}, headers=headers
        )
    elif probe.body is not None:
        response = await api.request(method, path, json=probe.body(records), headers=headers)
    else:
        response = await api.request(method, path, headers=headers)
    return response.status_code


async def test_the_matrix(app: FastAPI, api: httpx.AsyncClient) -> None:
    own, other = await _records(app, api)
    wrong: list[str] = []
    cells = 0
    for (method, route), probe in PROBES.items():
        assert probe.expect is not None
        for role in ROLES:
            for side, records in (("own", own), ("other", other)):
                expected = probe.expect[role][0 if side == "own" else 1]
                actual = await _call(app, api, method, probe, records, _headers(app, role))
                cells += 1
                if actual != expected:
                    wrong.append(f"{method} {route} {role} {side}: {actual}, expected {expected}")
    assert not wrong, "\n".join(wrong)
    assert cells == len(PROBES) * len(ROLES) * 2


@pytest.mark.parametrize("role", ["anonymous", "revoked"])
async def test_the_event_stream_needs_a_live_session(
    app: FastAPI, api: httpx.AsyncClient, role: str
) -> None:
    response = await api.get("/notifications/stream", headers=_headers(app, role))
    assert response.status_code == 401
