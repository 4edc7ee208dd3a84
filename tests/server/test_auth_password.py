"""Forgotten passwords: a one-time reset token by e-mail, 30 minutes, then a new password."""

from __future__ import annotations

import httpx
import pytest

from cc_tui.domain.password import looks_like_token, new_token
from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import Outbox, bearer, email_login, login, user_row

MAKER = "maker@harbour.example"
NEW_PASSWORD = "Harbour-lights-2025"


@pytest.fixture
def outbox(server_settings: ServerSettings) -> Outbox:
    return Outbox(server_settings)


async def forgot(api: httpx.AsyncClient, user_id: str) -> httpx.Response:
    return await api.post("/auth/password/forgot", json={"user_id": user_id})


async def reset(api: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await api.post("/auth/password/reset", json={"token": token, "new_password": password})


async def test_forgot_is_202_for_known_and_unknown_users_alike(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    known = await forgot(api, MAKER)
    unknown = await forgot(api, "nobody@harbour.example")
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content == b""
    assert outbox.new_bodies("nobody@harbour.example") == []
    assert outbox.new_reset_token(MAKER)


async def test_reset_sets_the_new_password_and_ends_sessions(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    session = await email_login(api, outbox, MAKER)
    await forgot(api, MAKER)
    token = outbox.new_reset_token(MAKER)
    assert (await reset(api, token, NEW_PASSWORD)).status_code == 204
    assert (await api.get("/me", headers=bearer(session))).status_code == 401
    assert (await login(api, MAKER)).status_code == 401
    assert (await login(api, MAKER, NEW_PASSWORD)).status_code == 200
    # The token worked once.
    again = await reset(api, token, "Another-pass-2026")
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "token"


async def test_reset_token_expires_after_thirty_minutes(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    await forgot(api, MAKER)
    token = outbox.new_reset_token(MAKER)
    clock.advance(minutes=30)
    response = await reset(api, token, NEW_PASSWORD)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "token"
    assert (await login(api, MAKER)).status_code == 200


async def test_a_new_reset_token_replaces_the_older_and_asks_are_rate_limited(
    api: httpx.AsyncClient, outbox: Outbox, clock: FakeClock
) -> None:
    await forgot(api, MAKER)
    first = outbox.new_reset_token(MAKER)
    assert (await forgot(api, MAKER)).status_code == 202
    assert outbox.new_bodies(MAKER) == []  # within 30 s: no second mail
    clock.advance(seconds=30)
    await forgot(api, MAKER)
    second = outbox.new_reset_token(MAKER)
    assert (await reset(api, first, NEW_PASSWORD)).status_code == 422
    assert (await reset(api, second, NEW_PASSWORD)).status_code == 204


async def test_a_weak_new_password_is_refused_with_every_reason(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    await forgot(api, MAKER)
    token = outbox.new_reset_token(MAKER)
    response = await reset(api, token, "short")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    messages = [e["message"] for e in problem["errors"]]
    assert all(e["field"] == "new_password" for e in problem["errors"])
    assert any("at least 12" in m for m in messages)
    assert any("digit" in m for m in messages)
    assert "12 characters" in problem["fix"]
    # Nothing changed: the token still works.
    assert (await reset(api, token, NEW_PASSWORD)).status_code == 204


async def test_reset_clears_failures_but_does_not_unlock(
    api: httpx.AsyncClient, outbox: Outbox, server_settings: ServerSettings, clock: FakeClock
) -> None:
    for _ in range(3):
        await login(api, MAKER, "Wrong-pass-2024")
    await forgot(api, MAKER)
    assert (await reset(api, outbox.new_reset_token(MAKER), NEW_PASSWORD)).status_code == 204
    assert user_row(server_settings, MAKER)["failed_attempts"] == 0
    for _ in range(5):
        await login(api, MAKER, "Wrong-pass-2024")
    clock.advance(seconds=30)
    await forgot(api, MAKER)
    locked_token = outbox.new_reset_token(MAKER)
    assert (await reset(api, locked_token, "Yet-another-pass-1")).status_code == 204
    assert (await login(api, MAKER, "Yet-another-pass-1")).status_code == 423


async def test_a_token_as_the_password_is_pointed_to_its_screen_and_never_locks(
    api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    outbox = Outbox(server_settings)
    assert (await api.post("/auth/password/forgot", json={"user_id": MAKER})).status_code == 202
    token = outbox.new_reset_token(MAKER)
    assert looks_like_token(token)
    for password in [token] * 6 + [new_token(), " " + new_token()]:
        answer = await api.post("/auth/login", json={"user_id": MAKER, "password": password})
        assert answer.status_code == 401
        problem = answer.json()
        assert problem["code"] == "token_not_password"
        assert "Forgot password or first login" in problem["fix"]
    # An unknown user gets the same answer: it tells nothing about who exists.
    unknown = await api.post(
        "/auth/login", json={"user_id": "nobody@harbour.example", "password": token}
    )
    assert unknown.json()["code"] == "token_not_password"
    assert user_row(server_settings, MAKER)["failed_attempts"] == 0
    assert (await login(api, MAKER)).status_code == 200


async def test_no_new_password_may_look_like_a_token(
    api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    outbox = Outbox(server_settings)
    await api.post("/auth/password/forgot", json={"user_id": MAKER})
    token = outbox.new_reset_token(MAKER)
    answer = await api.post(
        "/auth/password/reset", json={"token": token, "new_password": new_token()}
    )
    assert answer.status_code == 422
    assert any("look like a set-up or reset token" in e["message"] for e in answer.json()["errors"])
