"""Login: the password step, lockout, tickets, sessions and bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from cc_tui.server.app import create_app
from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import users
from tests.server.login_helpers import (
    DEMO_PASSWORD,
    Outbox,
    bearer,
    email_login,
    login,
    otp_step,
    ticket_for,
    user_row,
)
from tests.server.requests_read_helpers import in_process

MAKER = "maker@harbour.example"


async def test_email_login_end_to_end(api: httpx.AsyncClient, outbox: Outbox) -> None:
    started = await login(api, MAKER)
    assert started.status_code == 200
    body = started.json()
    assert body["otp_channel"] == "email"
    assert body["device_registration"] == "none"
    assert len(body["ticket"]) >= 22  # >= 128 bits, URL-safe base64
    # The password step already sent the first code.
    code = outbox.new_code(MAKER)
    session = await otp_step(api, body["ticket"], code)
    assert session.status_code == 200
    data = session.json()
    assert data["user"]["user_id"] == MAKER
    assert data["user"]["roles"] == ["maker"]
    assert data["user"]["memberships"][0]["participant_id"] == "B01234"
    assert data["expires_at"].startswith("2026-11-23T22:00:00")
    me = await api.get("/me", headers=bearer(data["token"]))
    assert me.status_code == 200
    assert me.json()["name"] == data["user"]["name"]


async def test_unknown_user_and_wrong_password_get_the_same_answer(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str, password: str | bytes) -> bool:
        verified.append(str(password))
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    unknown = await login(api, "nobody@harbour.example", "Wrong-pass-2024")
    wrong = await login(api, MAKER, "Wrong-pass-2024")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["code"] == "invalid_credentials"
    assert unknown.headers["content-type"] == wrong.headers["content-type"]
    # Both spent one argon2 verification: the unknown user's against a dummy hash.
    assert verified == ["Wrong-pass-2024", "Wrong-pass-2024"]


async def test_user_id_is_matched_without_case_or_blanks(api: httpx.AsyncClient) -> None:
    response = await login(api, "  Maker@Harbour.Example ")
    assert response.status_code == 200


async def test_fifth_wrong_password_locks_and_locked_answers_the_same(
    api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    for _ in range(4):
        assert (await login(api, MAKER, "Wrong-pass-2024")).status_code == 401
    fifth = await login(api, MAKER, "Wrong-pass-2024")
    assert fifth.status_code == 423
    problem = fifth.json()
    assert problem["code"] == "account_locked"
    assert "delegated administrator (CCDA)" in problem["fix"]
    assert "a CCDA asks the exchange" in problem["fix"]
    # The right password, and another wrong one, get the very same answer...
    right = await login(api, MAKER, DEMO_PASSWORD)
    again = await login(api, MAKER, "Wrong-pass-2024")
    assert right.status_code == again.status_code == 423
    assert right.json() == again.json() == problem
    # ...and the count does not grow.
    row = user_row(server_settings, MAKER)
    assert row["locked"] == 1
    assert row["failed_attempts"] == 5


async def test_a_locked_ccda_gets_the_same_words_as_anyone(api: httpx.AsyncClient) -> None:
    """Naming the exchange for a CCDA would tell an attacker which accounts are CCDAs."""
    for _ in range(5):
        ccda = await login(api, "admin@harbour.example", "Wrong-pass-2024")
        maker = await login(api, MAKER, "Wrong-pass-2024")
    assert ccda.status_code == maker.status_code == 423
    assert ccda.json() == maker.json()


async def test_fifth_wrong_otp_locks(api: httpx.AsyncClient, outbox: Outbox) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    real = outbox.new_code(MAKER)
    wrong = "000000" if real != "000000" else "111111"
    for _ in range(4):
        response = await otp_step(api, ticket, wrong)
        assert response.status_code == 401
        assert response.json()["code"] == "otp_invalid"
    fifth = await otp_step(api, ticket, wrong)
    assert fifth.status_code == 423
    # Now the right code on the same ticket, a malformed one, or a new password step:
    # all get the same answer.
    for code in (real, "12ab"):
        again = await otp_step(api, ticket, code)
        assert again.json() == fifth.json()
    assert (await login(api, MAKER)).json() == fifth.json()


async def test_password_and_otp_failures_count_together(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    for _ in range(3):
        await login(api, MAKER, "Wrong-pass-2024")
    ticket = (await ticket_for(api, MAKER))["ticket"]
    real = outbox.new_code(MAKER)
    wrong = "000000" if real != "000000" else "111111"
    assert (await otp_step(api, ticket, wrong)).status_code == 401
    assert (await otp_step(api, ticket, wrong)).status_code == 423


async def test_a_completed_login_resets_the_count_but_a_right_password_alone_does_not(
    api: httpx.AsyncClient, outbox: Outbox, server_settings: ServerSettings
) -> None:
    for _ in range(4):
        await login(api, MAKER, "Wrong-pass-2024")
    await email_login(api, outbox, MAKER)
    assert user_row(server_settings, MAKER)["failed_attempts"] == 0
    for _ in range(4):
        assert (await login(api, MAKER, "Wrong-pass-2024")).status_code == 401
    # Four failures, then a right password: the next wrong code is the fifth.
    ticket = (await ticket_for(api, MAKER))["ticket"]
    real = outbox.new_code(MAKER)
    wrong = "000000" if real != "000000" else "111111"
    assert (await otp_step(api, ticket, wrong)).status_code == 423


async def test_the_ccda_unlocks_through_the_store(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox
) -> None:
    for _ in range(5):
        await login(api, MAKER, "Wrong-pass-2024")
    assert (await login(api, MAKER)).status_code == 423
    with app.state.context.db.transaction() as conn:
        users.unlock(conn, MAKER)
    assert await email_login(api, outbox, MAKER)


async def test_ticket_expires_after_five_minutes(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    code = outbox.new_code(MAKER)
    clock.advance(minutes=5)
    response = await otp_step(api, ticket, code)
    assert response.status_code == 401
    problem = response.json()
    assert problem["code"] == "ticket_expired"
    assert problem["detail"].startswith("Your login took longer than 5 minutes")
    assert problem["fix"] == "Start again with your user ID and password."
    # A fresh login just before its five minutes are up still works.
    ticket = (await ticket_for(api, MAKER))["ticket"]
    code = outbox.new_code(MAKER)
    clock.advance(minutes=4, seconds=59)
    assert (await otp_step(api, ticket, code)).status_code == 200


async def test_ticket_is_single_use_and_unknown_tickets_are_expired(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    code = outbox.new_code(MAKER)
    assert (await otp_step(api, ticket, code)).status_code == 200
    for used in (ticket, "not-a-ticket"):
        again = await otp_step(api, used, code)
        assert again.status_code == 401
        assert again.json()["code"] == "ticket_expired"
        resend = await api.post("/auth/otp/email", json={"ticket": used})
        assert resend.json()["code"] == "ticket_expired"


async def test_a_ticket_is_no_session(api: httpx.AsyncClient) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    response = await api.get("/me", headers=bearer(ticket))
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


async def test_a_suspended_user_is_told_so_after_the_right_password(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    with app.state.context.db.transaction() as conn:
        conn.execute("UPDATE users SET status = 'suspended' WHERE user_id = ?", (MAKER,))
    wrong = await login(api, MAKER, "Wrong-pass-2024")
    assert wrong.json()["code"] == "invalid_credentials"
    right = await login(api, MAKER)
    assert right.status_code == 403
    assert "suspended" in right.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": "", "password": "x"}, "user_id"),
        ({"user_id": MAKER, "password": ""}, "password"),
        ({"user_id": "a" * 255, "password": "x"}, "user_id"),
        ({"user_id": MAKER, "password": "x" * 257}, "password"),
        ({"user_id": MAKER}, "password"),
    ],
)
async def test_empty_or_over_long_fields_are_422_naming_the_field(
    api: httpx.AsyncClient, server_settings: ServerSettings, body: dict[str, str], field: str
) -> None:
    response = await api.post("/auth/login", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert user_row(server_settings, MAKER)["failed_attempts"] == 0


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/login", content=b'{"user_id": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


async def test_a_code_that_is_not_six_digits_is_422_and_not_a_failure(
    api: httpx.AsyncClient, outbox: Outbox, server_settings: ServerSettings
) -> None:
    ticket = (await ticket_for(api, MAKER))["ticket"]
    code = outbox.new_code(MAKER)
    response = await otp_step(api, ticket, "12ab56")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"
    assert user_row(server_settings, MAKER)["failed_attempts"] == 0
    # Blanks inside a code are fine ("123 456").
    spaced = f"{code[:3]} {code[3:]}"
    assert (await otp_step(api, ticket, spaced)).status_code == 200


async def test_session_expires_after_thirty_idle_minutes(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    token = await email_login(api, outbox, MAKER)
    clock.advance(minutes=29)
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    clock.advance(minutes=29)
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    clock.advance(minutes=30)
    response = await api.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


async def test_session_ends_after_twelve_hours_even_when_active(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    token = await email_login(api, outbox, MAKER)
    for _ in range(12 * 3 - 1):
        clock.advance(minutes=20)
        assert (await api.get("/me", headers=bearer(token))).status_code == 200
    clock.advance(minutes=20)
    response = await api.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


async def test_logout_revokes_at_once(api: httpx.AsyncClient, outbox: Outbox) -> None:
    token = await email_login(api, outbox, MAKER)
    other = await email_login(api, outbox, MAKER)
    assert (await api.post("/auth/logout", headers=bearer(token))).status_code == 204
    assert (await api.get("/me", headers=bearer(token))).status_code == 401
    # Only that session: the user's other one lives on; logging out twice is fine.
    assert (await api.get("/me", headers=bearer(other))).status_code == 200
    assert (await api.post("/auth/logout", headers=bearer(token))).status_code == 204


async def test_session_token_is_long_and_random(api: httpx.AsyncClient, outbox: Outbox) -> None:
    tokens = {await email_login(api, outbox, MAKER) for _ in range(3)}
    assert len(tokens) == 3
    assert all(len(t) >= 22 for t in tokens)


async def test_an_ended_session_is_told_with_the_rules_in_force(
    server_settings: ServerSettings, clock: FakeClock
) -> None:
    """`cc-tui server --session-idle 1 --session-max 2`: the words said "30 minutes" and
    "12 hours" whatever the portal ran with."""
    settings = replace(
        server_settings, session_idle=timedelta(minutes=1), session_absolute=timedelta(hours=2)
    )
    async with in_process(create_app(settings)) as api:
        token = await email_login(api, Outbox(settings), MAKER)
        clock.advance(minutes=2)
        response = await api.get("/me", headers=bearer(token))
        assert response.status_code == 401
        assert "idle for 1 minute, or 2 hours old" in response.json()["detail"]
        response = await api.get("/me", headers={**bearer(token), "Accept-Language": "zh-Hant"})
        assert "閒置 1 分鐘，或已達 2 小時" in response.json()["detail"]
