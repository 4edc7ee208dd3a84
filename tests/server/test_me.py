"""Me: who I am (roles per membership), my password, my OTP channel."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import (
    DEMO_PASSWORD,
    Outbox,
    bearer,
    email_login,
    give_device,
    login,
    user_row,
)

MAKER = "maker@harbour.example"


@pytest.fixture
def outbox(server_settings: ServerSettings) -> Outbox:
    return Outbox(server_settings)


@pytest.mark.parametrize(
    ("user_id", "roles", "memberships"),
    [
        ("maker@harbour.example", ["maker"], ["B01234"]),
        ("lead@harbour.example", ["maker", "checker"], ["B01234", "C01234"]),
        ("admin@harbour.example", ["ccda"], ["B01234", "C01234"]),
        ("maker@kowloon.example", ["maker", "checker"], ["B05678"]),
        ("officer@hkex.example", ["exchange_officer"], []),
    ],
)
async def test_me_names_roles_and_memberships(
    api: httpx.AsyncClient,
    outbox: Outbox,
    user_id: str,
    roles: list[str],
    memberships: list[str],
) -> None:
    token = await email_login(api, outbox, user_id)
    me = (await api.get("/me", headers=bearer(token))).json()
    assert me["user_id"] == user_id
    assert me["roles"] == roles
    assert [m["participant_id"] for m in me["memberships"]] == memberships
    if me["memberships"]:  # the first acts when no header names one
        assert me["memberships"][0]["roles"] == roles
    if user_id == "lead@harbour.example":  # maker only in the clearing membership
        assert me["memberships"][1]["roles"] == ["maker"]
    else:
        assert all(m["roles"] == roles for m in me["memberships"])
    assert me["otp_channel"] == "email"
    assert me["device_registered"] is False


async def test_me_needs_a_session(api: httpx.AsyncClient) -> None:
    response = await api.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_logged_in"


async def test_acting_for_another_firm_is_refused(api: httpx.AsyncClient, outbox: Outbox) -> None:
    token = await email_login(api, outbox, MAKER)
    headers = bearer(token) | {"X-Participant-ID": "B05678"}
    response = await api.get("/me", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_change_password(api: httpx.AsyncClient, outbox: Outbox) -> None:
    token = await email_login(api, outbox, MAKER)
    other = await email_login(api, outbox, MAKER)
    response = await api.post(
        "/me/password",
        headers=bearer(token),
        json={"current_password": DEMO_PASSWORD, "new_password": "Typhoon-signal-8"},
    )
    assert response.status_code == 204
    # This session lives on; the user's other sessions end.
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    assert (await api.get("/me", headers=bearer(other))).status_code == 401
    assert (await login(api, MAKER)).status_code == 401
    assert (await login(api, MAKER, "Typhoon-signal-8")).status_code == 200


async def test_change_password_with_a_wrong_current_one_counts_as_a_failure(
    api: httpx.AsyncClient, outbox: Outbox, server_settings: ServerSettings
) -> None:
    token = await email_login(api, outbox, MAKER)
    body = {"current_password": "Not-my-pass-2024", "new_password": "Typhoon-signal-8"}
    response = await api.post("/me/password", headers=bearer(token), json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "current_password"
    assert user_row(server_settings, MAKER)["failed_attempts"] == 1
    for _ in range(4):
        response = await api.post("/me/password", headers=bearer(token), json=body)
    assert response.status_code == 423
    # A locked account's session is over too.
    assert (await api.get("/me", headers=bearer(token))).status_code == 401


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        ("short1", "at least 12"),
        ("no-digits-at-all", "digit"),
        ("123456789012345", "letter"),
        (DEMO_PASSWORD, "differ"),
    ],
)
async def test_change_password_follows_the_rule(
    api: httpx.AsyncClient, outbox: Outbox, new_password: str, reason: str
) -> None:
    token = await email_login(api, outbox, MAKER)
    response = await api.post(
        "/me/password",
        headers=bearer(token),
        json={"current_password": DEMO_PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "new_password"
    assert any(reason in e["message"] for e in problem["errors"])
    assert (await login(api, MAKER)).status_code == 200


async def test_otp_channel_to_app_needs_a_device(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox, clock: FakeClock
) -> None:
    token = await email_login(api, outbox, MAKER)
    refused = await api.put("/me/otp-channel", headers=bearer(token), json={"channel": "app"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "device_not_registered"
    assert "Register" in refused.json()["fix"]
    give_device(app, MAKER)
    back = await api.put("/me/otp-channel", headers=bearer(token), json={"channel": "email"})
    assert back.status_code == 200
    assert back.json()["otp_channel"] == "email"
    assert back.json()["device_registered"] is True
    to_app = await api.put("/me/otp-channel", headers=bearer(token), json={"channel": "app"})
    assert to_app.status_code == 200
    assert to_app.json()["otp_channel"] == "app"
    assert (await login(api, MAKER)).json()["otp_channel"] == "app"


async def test_otp_channel_takes_only_known_channels(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    token = await email_login(api, outbox, MAKER)
    response = await api.put("/me/otp-channel", headers=bearer(token), json={"channel": "sms"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"
