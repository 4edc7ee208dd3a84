"""Helpers for the requests tests: sessions minted straight in the store, and requests
made through the API.

Logging in through /auth takes an argon2 hash and an OTP mail per user; these tests are
about what a logged-in user may do, so `headers_for` mints a session with
`store.sessions.create_session` instead (the login tests cover the login itself).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from cc_tui.domain.forms import MembershipProfile, example_values, get_eservice
from cc_tui.server.context import ServerContext
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session

MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
LEAD = "lead@harbour.example"
ADMIN = "admin@harbour.example"
KOWLOON = "maker@kowloon.example"
OFFICER = "officer@hkex.example"


def context_of(app: FastAPI) -> ServerContext:
    context: ServerContext = app.state.context
    return context


def headers_for(app: FastAPI, user_id: str, participant_id: str | None = None) -> dict[str, str]:
    """Bearer headers of a fresh session of `user_id` (acting for `participant_id`)."""
    context = context_of(app)
    with context.db.transaction() as conn:
        token, _ = create_session(conn, user_id, context.now(), context.settings.session_absolute)
    headers = {"Authorization": f"Bearer {token}"}
    if participant_id is not None:
        headers["X-Participant-ID"] = participant_id
    return headers


def profile(app: FastAPI, participant_id: str = "B01234") -> MembershipProfile:
    found = membership_profile(context_of(app).db.connect(), participant_id)
    assert found is not None
    return found


def good_values(app: FastAPI, code: str, participant_id: str = "B01234") -> dict[str, object]:
    """A complete, valid form of `code` for today (the app's clock)."""
    today: date = context_of(app).now().date()
    return example_values(get_eservice(code), profile(app, participant_id), today)


async def create(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    code: str = "CT027",
    fields: dict[str, object] | None = None,
    *,
    key: str | None = None,
) -> dict[str, Any]:
    """A new request through POST /requests (with an Idempotency-Key if given)."""
    if key is not None:
        headers = headers | {"Idempotency-Key": key}
    response = await api.post(
        "/requests", json={"eservice": code, "fields": fields or {}}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    request: dict[str, Any],
    action: str,
    comment: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"version": request["version"]}
    if comment is not None:
        body["comment"] = comment
    return await api.post(
        f"/requests/{request['ref']}/actions/{action}", json=body, headers=headers
    )
