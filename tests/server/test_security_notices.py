"""Security events are mailed to the user (issue 9, point 2), read back from the Maildir:
each says what happened, when (HKT, with the date) and what to do if it was not them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain import otp
from cc_tui.server.clock import FakeClock
from cc_tui.server.mail import read_outbox
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import (
    DEMO_PASSWORD,
    RESET_LINE,
    Outbox,
    bearer,
    email_login,
    give_device,
    login,
    ticket_for,
)

MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
ADMIN = "admin@harbour.example"
WHEN = "Mon 23 Nov 2026, 10:00 HKT"
NEW_PASSWORD = "Harbour-tide-2026"


@pytest.fixture
def outbox(server_settings: ServerSettings) -> Outbox:
    return Outbox(server_settings)


async def notices(app: FastAPI, settings: ServerSettings, to: str) -> list[tuple[str, str]]:
    """(subject, body) of every security notice to `to`, once the mails after the
    answers have gone."""
    await app.state.context.drain()
    return [
        (str(m["Subject"]), str(m.get_content()))
        for m in read_outbox(settings.mail_dir, to)
        if str(m["Subject"]).startswith("Client Connect security notice")
    ]


def the_one(found: list[tuple[str, str]], subject: str) -> str:
    bodies = [body for title, body in found if title.endswith(subject)]
    assert len(bodies) == 1, f"expected one notice '{subject}', found {found}"
    body = bodies[0]
    assert WHEN in body
    assert "If " in body and "CCDA" in body
    return body


async def test_a_profile_registration_and_a_replacement_are_mailed(
    api: httpx.AsyncClient,
    app: FastAPI,
    clock: FakeClock,
    outbox: Outbox,
    server_settings: ServerSettings,
) -> None:
    token = await email_login(api, outbox, MAKER)
    for _ in range(2):
        secret = (
            await api.post(
                "/me/device", headers=bearer(token), json={"current_password": DEMO_PASSWORD}
            )
        ).json()["secret"]
        confirm = await api.post(
            "/me/device/confirm",
            headers=bearer(token),
            json={"code": otp.totp_code(secret, clock.now())},
        )
        assert confirm.status_code == 204
    found = await notices(app, server_settings, MAKER)
    body = the_one(found, "authenticator app registered")
    assert "One-time passwords now come from it" in body
    assert "did not register it" in body
    assert "no longer works" in the_one(found, "authenticator app replaced")
    assert len(found) == 2


async def test_a_required_reregistration_at_login_is_mailed_as_a_replacement(
    api: httpx.AsyncClient, app: FastAPI, clock: FakeClock, server_settings: ServerSettings
) -> None:
    ticket = (await ticket_for(api, CHECKER))["ticket"]
    secret = (await api.post("/auth/device", json={"ticket": ticket})).json()["secret"]
    done = await api.post(
        "/auth/otp", json={"ticket": ticket, "code": otp.totp_code(secret, clock.now())}
    )
    assert done.status_code == 200
    the_one(await notices(app, server_settings, CHECKER), "authenticator app replaced")


async def test_channel_and_password_changes_are_mailed(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox, server_settings: ServerSettings
) -> None:
    token = await email_login(api, outbox, MAKER)
    give_device(app, MAKER)  # now an app user
    changed = await api.put("/me/otp-channel", headers=bearer(token), json={"channel": "email"})
    assert changed.status_code == 200
    body = the_one(await notices(app, server_settings, MAKER), "one-time password channel changed")
    assert "come by e-mail" in body
    same = await api.put("/me/otp-channel", headers=bearer(token), json={"channel": "email"})
    assert same.status_code == 200
    assert len(await notices(app, server_settings, MAKER)) == 1  # nothing changed, nothing said
    changed = await api.post(
        "/me/password",
        headers=bearer(token),
        json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    body = the_one(await notices(app, server_settings, MAKER), "password changed")
    assert "Forgot password" in body


async def test_a_password_reset_is_mailed(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox, server_settings: ServerSettings
) -> None:
    assert (await api.post("/auth/password/forgot", json={"user_id": MAKER})).status_code == 202
    await app.state.context.drain()
    bodies = [str(m.get_content()) for m in read_outbox(server_settings.mail_dir, MAKER)]
    (token,) = [m.group(1) for b in bodies for m in RESET_LINE.finditer(b)]
    reset = await api.post(
        "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204
    body = the_one(await notices(app, server_settings, MAKER), "password set")
    assert "every session" in body


async def test_lock_unlock_and_a_ccda_device_reset_are_mailed(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox, server_settings: ServerSettings
) -> None:
    give_device(app, MAKER)
    for _ in range(5):
        last = await login(api, MAKER, "Wrong-pass-2024")
    assert last.status_code == 423
    body = the_one(await notices(app, server_settings, MAKER), "account locked")
    assert "5 failed" in body and "change your password" in body
    admin = await email_login(api, outbox, ADMIN)
    unlocked = await api.post(f"/admin/users/{MAKER}/unlock", headers=bearer(admin))
    assert unlocked.status_code == 200
    body = the_one(await notices(app, server_settings, MAKER), "account unlocked")
    assert "delegated administrator (CCDA)" in body
    reset = await api.post(f"/admin/users/{MAKER}/reset-device", headers=bearer(admin))
    assert reset.status_code == 200
    body = the_one(await notices(app, server_settings, MAKER), "authenticator app reset")
    assert "next login by app registers a new one" in body


async def test_a_locked_unknown_user_id_mails_nobody(
    api: httpx.AsyncClient, app: FastAPI, server_settings: ServerSettings
) -> None:
    for _ in range(5):
        last = await login(api, "nobody@harbour.example", "Wrong-pass-2024")
    assert last.status_code == 423
    await app.state.context.drain()
    assert read_outbox(server_settings.mail_dir, "nobody@harbour.example") == []
