"""A second factor is changed only with a second factor (issue 9, point 1).

Tried as an attacker who knows a user's password would: POST /auth/device on a login
the portal did not mark "offered" or "required" is 403 and changes nothing; once a
required registration completes, a fresh login offers nothing more. From the Profile, a
session plus the current password starts a registration (POST /me/device) and only a
code from the NEW secret, from the same session, confirms it (POST /me/device/confirm).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from cc_tui.domain import otp
from cc_tui.server.clock import FakeClock
from cc_tui.server.jobs import run_housekeeping
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import (
    DEMO_PASSWORD,
    Outbox,
    bearer,
    db,
    email_login,
    give_device,
    otp_step,
    ticket_for,
    totp_secret,
    user_row,
)

MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
LEAD = "lead@harbour.example"


async def app_login(api: httpx.AsyncClient, user_id: str, secret: str, clock: FakeClock) -> str:
    ticket = (await ticket_for(api, user_id))["ticket"]
    response = await otp_step(api, ticket, otp.totp_code(secret, clock.now()))
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def pending_secrets(settings: ServerSettings) -> list[str]:
    conn = db(settings)
    try:
        rows = conn.execute(
            "SELECT pending_totp_secret FROM login_tickets WHERE pending_totp_secret IS NOT NULL"
            " UNION ALL SELECT secret FROM device_enrolments"
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


# At login -------------------------------------------------------------------------------


async def test_the_password_alone_cannot_replace_an_app_users_device(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, server_settings: ServerSettings
) -> None:
    """The attack of the issue: an app user's password, then POST /auth/device."""
    secret = give_device(app, LEAD)
    started = await ticket_for(api, LEAD)
    assert started["device_registration"] == "none"
    refused = await api.post("/auth/device", json={"ticket": started["ticket"]})
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["code"] == "forbidden"
    assert "Profile" in problem["fix"]
    assert "CCDA" in problem["fix"]
    # Nothing pending, nothing changed: the victim's device still logs in.
    assert pending_secrets(server_settings) == []
    assert totp_secret(server_settings, LEAD) == secret
    assert (await otp_step(api, started["ticket"], otp.totp_code(secret, clock.now()))).is_success


async def test_skip_is_refused_where_nothing_was_offered(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    give_device(app, LEAD)
    ticket = (await ticket_for(api, LEAD))["ticket"]
    skip = await api.post("/auth/device/skip", json={"ticket": ticket})
    assert skip.status_code == 403
    assert skip.json()["detail"] == "This login has no device registration to skip."


async def test_after_a_required_registration_the_next_login_offers_nothing(
    api: httpx.AsyncClient, clock: FakeClock, server_settings: ServerSettings
) -> None:
    started = await ticket_for(api, CHECKER)
    assert started["device_registration"] == "required"
    device = (await api.post("/auth/device", json={"ticket": started["ticket"]})).json()
    assert pending_secrets(server_settings) == [device["secret"]]
    done = await otp_step(api, started["ticket"], otp.totp_code(device["secret"], clock.now()))
    assert done.status_code == 200
    # The used ticket forgets the pending secret (it is the user's own now).
    assert pending_secrets(server_settings) == []
    # Replaying the used ticket is refused, and so is a registration on a fresh login.
    replay = await api.post("/auth/device", json={"ticket": started["ticket"]})
    assert replay.status_code == 401
    assert replay.json()["code"] == "ticket_expired"
    clock.advance(seconds=30)
    again = await ticket_for(api, CHECKER)
    assert again["device_registration"] == "none"
    refused = await api.post("/auth/device", json={"ticket": again["ticket"]})
    assert refused.status_code == 403
    assert totp_secret(server_settings, CHECKER) == device["secret"]


async def test_an_expired_ticket_forgets_its_pending_secret(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, server_settings: ServerSettings
) -> None:
    started = await ticket_for(api, CHECKER)
    await api.post("/auth/device", json={"ticket": started["ticket"]})
    assert len(pending_secrets(server_settings)) == 1
    clock.advance(server_settings.ticket_ttl + timedelta(seconds=1))
    run_housekeeping(app.state.context)
    assert pending_secrets(server_settings) == []


# From the Profile -------------------------------------------------------------------------


async def test_register_an_app_from_the_profile(
    api: httpx.AsyncClient, clock: FakeClock, outbox: Outbox, server_settings: ServerSettings
) -> None:
    token = await email_login(api, outbox, MAKER)
    started = await api.post(
        "/me/device", headers=bearer(token), json={"current_password": DEMO_PASSWORD}
    )
    assert started.status_code == 200, started.text
    device = started.json()
    assert otp.parse_otpauth_uri(device["otpauth_uri"]) == (device["secret"], MAKER, "HKEX")
    # Not yet the user's: the channel stays e-mail until a code confirms it.
    assert user_row(server_settings, MAKER)["totp_secret"] is None
    assert user_row(server_settings, MAKER)["otp_channel"] == "email"
    confirmed = await api.post(
        "/me/device/confirm",
        headers=bearer(token),
        json={"code": otp.totp_code(device["secret"], clock.now())},
    )
    assert confirmed.status_code == 204
    row = user_row(server_settings, MAKER)
    assert row["totp_secret"] == device["secret"]
    assert row["otp_channel"] == "app"
    assert pending_secrets(server_settings) == []
    me = (await api.get("/me", headers=bearer(token))).json()
    assert me["otp_channel"] == "app"
    assert me["device_registered"] is True
    # The same code cannot confirm twice, and the next login takes the app's code.
    replay = await api.post(
        "/me/device/confirm",
        headers=bearer(token),
        json={"code": otp.totp_code(device["secret"], clock.now())},
    )
    assert replay.status_code == 409
    clock.advance(seconds=30)
    await app_login(api, MAKER, device["secret"], clock)


async def test_replacing_needs_the_password_and_a_code_from_the_new_secret(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, server_settings: ServerSettings
) -> None:
    old = give_device(app, LEAD)
    token = await app_login(api, LEAD, old, clock)
    wrong = await api.post(
        "/me/device", headers=bearer(token), json={"current_password": "Not-the-pass-1"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    assert user_row(server_settings, LEAD)["failed_attempts"] == 1
    assert pending_secrets(server_settings) == []

    started = await api.post(
        "/me/device", headers=bearer(token), json={"current_password": DEMO_PASSWORD}
    )
    new = started.json()["secret"]
    clock.advance(seconds=30)
    old_code = otp.totp_code(old, clock.now())
    if old_code != otp.totp_code(new, clock.now()):
        stale = await api.post("/me/device/confirm", headers=bearer(token), json={"code": old_code})
        assert stale.status_code == 422
        assert stale.json()["errors"][0]["field"] == "code"
        assert "older registration" in stale.json()["fix"]
    assert totp_secret(server_settings, LEAD) == old
    not_digits = await api.post("/me/device/confirm", headers=bearer(token), json={"code": "12x"})
    assert not_digits.status_code == 422
    ok = await api.post(
        "/me/device/confirm",
        headers=bearer(token),
        json={"code": otp.totp_code(new, clock.now())},
    )
    assert ok.status_code == 204
    assert totp_secret(server_settings, LEAD) == new


async def test_a_confirm_from_another_session_or_too_late_changes_nothing(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, server_settings: ServerSettings
) -> None:
    old = give_device(app, LEAD)
    first = await app_login(api, LEAD, old, clock)
    clock.advance(seconds=30)
    second = await app_login(api, LEAD, old, clock)
    new = (
        await api.post(
            "/me/device", headers=bearer(first), json={"current_password": DEMO_PASSWORD}
        )
    ).json()["secret"]
    code = otp.totp_code(new, clock.now())
    other = await api.post("/me/device/confirm", headers=bearer(second), json={"code": code})
    assert other.status_code == 409
    assert other.json()["code"] == "invalid_transition"
    assert "Profile" in other.json()["fix"]
    clock.advance(server_settings.ticket_ttl)
    late = await api.post(
        "/me/device/confirm",
        headers=bearer(first),
        json={"code": otp.totp_code(new, clock.now())},
    )
    assert late.status_code == 409
    assert totp_secret(server_settings, LEAD) == old
    run_housekeeping(app.state.context)
    assert pending_secrets(server_settings) == []


async def test_profile_registration_needs_a_session(api: httpx.AsyncClient) -> None:
    started = await api.post("/me/device", json={"current_password": DEMO_PASSWORD})
    assert started.status_code == 401
    confirm = await api.post("/me/device/confirm", json={"code": "123456"})
    assert confirm.status_code == 401


async def test_the_fifth_wrong_password_on_the_profile_locks(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    token = await email_login(api, outbox, MAKER)
    for _ in range(4):
        wrong = await api.post(
            "/me/device", headers=bearer(token), json={"current_password": "Wrong-pass-99"}
        )
        assert wrong.status_code == 422
    locked = await api.post(
        "/me/device", headers=bearer(token), json={"current_password": "Wrong-pass-99"}
    )
    assert locked.status_code == 423
    # The lock ends the session too.
    assert (await api.get("/me", headers=bearer(token))).status_code == 401
