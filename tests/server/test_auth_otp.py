"""The OTP step: TOTP (drift, replay), e-mail codes (expiry, single use, resend limits),
and device (re-)registration."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain import otp
from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import (
    OTP_LINE,
    Outbox,
    give_device,
    otp_step,
    portal,
    ticket_for,
    totp_secret,
    user_row,
)

MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
LEAD = "lead@harbour.example"


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# TOTP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [-1, 0, 1])
async def test_totp_accepts_one_step_of_drift(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, steps: int
) -> None:
    secret = give_device(app, LEAD)
    ticket = await ticket_for(api, LEAD)
    assert ticket["otp_channel"] == "app"
    assert ticket["device_registration"] == "none"
    code = otp.totp_code(secret, clock.now() + timedelta(seconds=30 * steps))
    assert (await otp_step(api, ticket["ticket"], code)).status_code == 200


@pytest.mark.parametrize("steps", [-2, 2])
async def test_totp_refuses_two_steps_away(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, steps: int
) -> None:
    secret = give_device(app, LEAD)
    ticket = (await ticket_for(api, LEAD))["ticket"]
    code = otp.totp_code(secret, clock.now() + timedelta(seconds=30 * steps))
    if code == otp.totp_code(secret, clock.now()):
        pytest.skip("the two steps happen to share a code")
    response = await otp_step(api, ticket, code)
    assert response.status_code == 401
    assert response.json()["code"] == "otp_invalid"


async def test_a_totp_code_is_never_accepted_twice(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, server_settings: ServerSettings
) -> None:
    secret = give_device(app, LEAD)
    code = otp.totp_code(secret, clock.now())
    first = (await ticket_for(api, LEAD))["ticket"]
    assert (await otp_step(api, first, code)).status_code == 200
    second = (await ticket_for(api, LEAD))["ticket"]
    replay = await otp_step(api, second, code)
    assert replay.status_code == 401
    assert replay.json()["code"] == "otp_reused"
    # Nor is an earlier step's code, once a later one was used.
    earlier = otp.totp_code(secret, clock.now() - timedelta(seconds=30))
    if earlier != code:
        assert (await otp_step(api, second, earlier)).json()["code"] == "otp_reused"
    assert user_row(server_settings, LEAD)["failed_attempts"] >= 1
    # The next step's code works.
    clock.advance(seconds=30)
    fresh = otp.totp_code(secret, clock.now())
    assert (await otp_step(api, second, fresh)).status_code == 200


async def test_an_app_user_cannot_ask_for_an_email_code(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox
) -> None:
    give_device(app, LEAD)
    ticket = (await ticket_for(api, LEAD))["ticket"]
    response = await api.post("/auth/otp/email", json={"ticket": ticket})
    assert response.status_code == 403
    assert outbox.new_bodies(LEAD) == []


# E-mail codes ------------------------------------------------------------------------------


async def test_email_code_line_and_single_use(api: httpx.AsyncClient, outbox: Outbox) -> None:
    first = (await ticket_for(api, MAKER))["ticket"]
    (body,) = outbox.new_bodies(MAKER)
    match = re.search(r"^Your one-time password is (\d{6})$", body, re.MULTILINE)
    assert match is not None
    code = match.group(1)
    second = (await ticket_for(api, MAKER))["ticket"]
    second_code = outbox.new_code(MAKER)
    # A code is bound to its own login...
    if code != second_code:
        assert (await otp_step(api, second, code)).json()["code"] == "otp_invalid"
    assert (await otp_step(api, first, code)).status_code == 200
    # ...and works once: the login it served is over.
    assert (await otp_step(api, first, code)).json()["code"] == "ticket_expired"


async def test_the_email_code_lasts_exactly_as_long_as_its_login(
    server_settings: ServerSettings, clock: FakeClock
) -> None:
    """One lifetime (settings.ticket_ttl) for the ticket, the code, the mail's words and
    what the password step tells the OTP screen."""
    settings = replace(server_settings, ticket_ttl=timedelta(minutes=7))
    outbox = Outbox(settings)
    async with portal(settings) as (_, api):
        started = await ticket_for(api, MAKER)
        assert started["code_ttl_seconds"] == 7 * 60
        (body,) = outbox.new_bodies(MAKER)
        assert "lasts 7 minutes" in body
        assert "until Mon 10:07 HKT" in body
        code = OTP_LINE.search(body).group(1)  # type: ignore[union-attr]
        clock.advance(minutes=7)
        late = await otp_step(api, started["ticket"], code)
        assert late.status_code == 401
        assert late.json()["code"] == "ticket_expired"
        ticket = (await ticket_for(api, MAKER))["ticket"]
        code = outbox.new_code(MAKER)
        clock.advance(minutes=6, seconds=59)
        assert (await otp_step(api, ticket, code)).status_code == 200


async def test_resend_is_limited_to_one_a_30_seconds(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    old = outbox.new_code(MAKER)
    clock.advance(seconds=10)
    early = await api.post("/auth/otp/email", json={"ticket": ticket})
    assert early.status_code == 429
    assert early.json()["code"] == "rate_limited"
    assert early.headers["Retry-After"] == "20"
    assert "20 seconds" in early.json()["fix"]
    assert outbox.new_bodies(MAKER) == []
    clock.advance(seconds=20)
    resent = await api.post("/auth/otp/email", json={"ticket": ticket})
    assert resent.status_code == 202
    new = outbox.new_code(MAKER)
    # The older code stopped working; the new one works.
    if old != new:
        assert (await otp_step(api, ticket, old)).json()["code"] == "otp_invalid"
    assert (await otp_step(api, ticket, new)).status_code == 200


async def test_resend_does_not_reset_the_failure_count(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    code = outbox.new_code(MAKER)
    for _ in range(4):
        assert (await otp_step(api, ticket, other_than(code))).status_code == 401
    clock.advance(seconds=30)
    assert (await api.post("/auth/otp/email", json={"ticket": ticket})).status_code == 202
    new = outbox.new_code(MAKER)
    assert (await otp_step(api, ticket, other_than(new))).status_code == 423


# Device registration -------------------------------------------------------------------


async def test_checker_must_reregister_and_old_device_stops_working(
    api: httpx.AsyncClient,
    clock: FakeClock,
    server_settings: ServerSettings,
    outbox: Outbox,
) -> None:
    old_secret = totp_secret(server_settings, CHECKER)
    assert old_secret is not None
    started = await ticket_for(api, CHECKER)
    assert started["otp_channel"] == "app"
    assert started["device_registration"] == "required"
    assert started["device_registered"] is True
    ticket = started["ticket"]
    old_code = otp.totp_code(old_secret, clock.now())
    # Without registering, even the old device's right code is refused (nothing counted).
    refused = await otp_step(api, ticket, old_code)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your firm requires you to register your device now."
    assert user_row(server_settings, CHECKER)["failed_attempts"] == 0
    # Skipping is not offered.
    skip = await api.post("/auth/device/skip", json={"ticket": ticket})
    assert skip.status_code == 403
    assert skip.json()["code"] == "forbidden"
    assert skip.json()["detail"] == "Your firm requires you to register your device now."

    registration = await api.post("/auth/device", json={"ticket": ticket})
    assert registration.status_code == 200
    device = registration.json()
    new_secret = device["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", new_secret)  # 160 bits
    assert device["issuer"] == "HKEX"
    assert device["account"] == CHECKER
    assert device["otpauth_uri"].startswith("otpauth://totp/HKEX:checker@harbour.example?")
    assert otp.parse_otpauth_uri(device["otpauth_uri"]) == (new_secret, CHECKER, "HKEX")

    # A code from the old device no longer works, and the old secret is still stored.
    if old_code != otp.totp_code(new_secret, clock.now()):
        stale = await otp_step(api, ticket, old_code)
        assert stale.status_code == 401
        assert stale.json()["code"] == "otp_invalid"
        assert "registered" in stale.json()["fix"]
    assert totp_secret(server_settings, CHECKER) == old_secret

    session = await otp_step(api, ticket, otp.totp_code(new_secret, clock.now()))
    assert session.status_code == 200
    assert new_secret not in session.text
    assert session.json()["user"]["device_registered"] is True
    row = user_row(server_settings, CHECKER)
    assert row["totp_secret"] == new_secret
    assert row["device_registration"] == "none"
    assert row["failed_attempts"] == 0

    # The next login needs no registration and takes the new device's codes only.
    clock.advance(seconds=30)
    again = await ticket_for(api, CHECKER)
    assert again["device_registration"] == "none"
    old_now = otp.totp_code(old_secret, clock.now())
    new_now = otp.totp_code(new_secret, clock.now())
    if old_now != new_now:
        assert (await otp_step(api, again["ticket"], old_now)).status_code == 401
    assert (await otp_step(api, again["ticket"], new_now)).status_code == 200
    # No code went by e-mail (the one mail is the notice of the replaced device).
    assert not any("one-time password is" in body for body in outbox.new_bodies(CHECKER))


async def test_a_second_registration_replaces_the_first_pending_one(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    ticket = (await ticket_for(api, CHECKER))["ticket"]
    first = (await api.post("/auth/device", json={"ticket": ticket})).json()["secret"]
    second = (await api.post("/auth/device", json={"ticket": ticket})).json()["secret"]
    assert first != second
    first_code = otp.totp_code(first, clock.now())
    if first_code != otp.totp_code(second, clock.now()):
        assert (await otp_step(api, ticket, first_code)).status_code == 401
    assert (await otp_step(api, ticket, otp.totp_code(second, clock.now()))).status_code == 200


async def test_skip_where_offered_goes_on_with_the_old_device(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, outbox: Outbox
) -> None:
    secret = give_device(app, LEAD, need="offered")
    started = await ticket_for(api, LEAD)
    assert started["device_registration"] == "offered"
    ticket = started["ticket"]
    # Start a registration, then change one's mind: skip drops it.
    await api.post("/auth/device", json={"ticket": ticket})
    assert (await api.post("/auth/device/skip", json={"ticket": ticket})).status_code == 204
    assert (await otp_step(api, ticket, otp.totp_code(secret, clock.now()))).status_code == 200
    assert outbox.new_bodies(LEAD) == []


async def test_skip_with_no_device_falls_back_to_email(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox, server_settings: ServerSettings
) -> None:
    with app.state.context.db.transaction() as conn:
        conn.execute("UPDATE users SET otp_channel = 'app' WHERE user_id = ?", (LEAD,))
    started = await ticket_for(api, LEAD)
    assert started["otp_channel"] == "app"
    assert started["device_registration"] == "offered"
    assert started["device_registered"] is False
    ticket = started["ticket"]
    assert outbox.new_bodies(LEAD) == []
    no_choice = await otp_step(api, ticket, "123456")
    assert no_choice.status_code == 403
    assert (await api.post("/auth/device/skip", json={"ticket": ticket})).status_code == 204
    code = outbox.new_code(LEAD)
    assert (await otp_step(api, ticket, code)).status_code == 200
    assert user_row(server_settings, LEAD)["otp_channel"] == "app"


async def test_skip_where_nothing_is_offered_is_refused(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    outbox.new_code(MAKER)
    response = await api.post("/auth/device/skip", json={"ticket": ticket})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_an_email_user_cannot_register_a_device_at_login(
    api: httpx.AsyncClient, clock: FakeClock, outbox: Outbox, server_settings: ServerSettings
) -> None:
    """The password alone registers nothing: the e-mail user's login offered nothing."""
    ticket = (await ticket_for(api, MAKER))["ticket"]
    email_code = outbox.new_code(MAKER)
    refused = await api.post("/auth/device", json={"ticket": ticket})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "Profile" in refused.json()["fix"]
    assert "secret" not in refused.json()
    # The login goes on by e-mail as before, and nothing about the account changed.
    session = await otp_step(api, ticket, email_code)
    assert session.status_code == 200
    assert session.json()["user"]["otp_channel"] == "email"
    assert user_row(server_settings, MAKER)["totp_secret"] is None


async def test_the_secret_is_in_no_other_response(
    api: httpx.AsyncClient, server_settings: ServerSettings, clock: FakeClock
) -> None:
    secret = totp_secret(server_settings, CHECKER)
    assert secret is not None
    started = await api.post("/auth/login", json={"user_id": CHECKER, "password": "Demo-pass-2024"})
    assert secret not in started.text
