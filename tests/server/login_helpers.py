"""Helpers for login tests: the outbox's codes, the seeded TOTP secrets, whole logins.

- E-mail codes: `Outbox(settings).new_code(user)` returns the code of the one OTP mail
  to that user not seen before (mails are told apart by Message-ID, not by time).
- TOTP: the seeded secret is read from the database (`totp_secret`), standing in for the
  user's phone; `otp.totp_code(secret, clock.now())` is what the app would show.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.domain import otp
from cc_tui.server.app import create_app
from cc_tui.server.mail import read_outbox
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import users

DEMO_PASSWORD = "Demo-pass-2024"
OTP_LINE = re.compile(r"^Your one-time password is (\d{6})$", re.MULTILINE)
RESET_LINE = re.compile(r"^Your password reset token is (\S+)$", re.MULTILINE)


class Outbox:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.seen: set[str] = set()

    def bodies(self, to: str) -> list[tuple[str, str]]:
        """(Message-ID, body) of every mail to `to`."""
        return [
            (str(m["Message-ID"]), str(m.get_content()))
            for m in read_outbox(self.settings.mail_dir, to)
        ]

    def new_bodies(self, to: str) -> list[str]:
        fresh = [(mid, body) for mid, body in self.bodies(to) if mid not in self.seen]
        self.seen.update(mid for mid, _ in fresh)
        return [body for _, body in fresh]

    def new_code(self, to: str) -> str:
        """The code of the one new OTP mail to `to` (fails if there is not exactly one)."""
        codes = [m.group(1) for body in self.new_bodies(to) for m in OTP_LINE.finditer(body)]
        assert len(codes) == 1, f"expected one new OTP mail to {to}, found {codes}"
        return codes[0]

    def new_reset_token(self, to: str) -> str:
        tokens = [m.group(1) for body in self.new_bodies(to) for m in RESET_LINE.finditer(body)]
        assert len(tokens) == 1, f"expected one new reset mail to {to}, found {tokens}"
        return tokens[0]


def db(settings: ServerSettings) -> sqlite3.Connection:
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def user_row(settings: ServerSettings, user_id: str) -> sqlite3.Row:
    conn = db(settings)
    try:
        row: sqlite3.Row = conn.execute(
            "SELECT * FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()
    finally:
        conn.close()
    return row


def totp_secret(settings: ServerSettings, user_id: str) -> str | None:
    secret: str | None = user_row(settings, user_id)["totp_secret"]
    return secret


def give_device(app: FastAPI, user_id: str, need: str = "none") -> str:
    """Make `user_id` an app user with a registered authenticator; returns its secret."""
    secret = otp.new_totp_secret()
    database = app.state.context.db
    with database.transaction() as conn:
        users.register_device(conn, user_id, secret, 0)
        conn.execute(
            "UPDATE users SET device_registration = ?, totp_last_step = NULL WHERE user_id = ?",
            (need, user_id),
        )
    return secret


async def login(
    api: httpx.AsyncClient, user_id: str, password: str = DEMO_PASSWORD
) -> httpx.Response:
    return await api.post("/auth/login", json={"user_id": user_id, "password": password})


async def ticket_for(api: httpx.AsyncClient, user_id: str) -> dict[str, Any]:
    response = await login(api, user_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def email_login(api: httpx.AsyncClient, outbox: Outbox, user_id: str) -> str:
    """A whole login by e-mail code; returns the session token."""
    ticket = (await ticket_for(api, user_id))["ticket"]
    response = await api.post(
        "/auth/otp", json={"ticket": ticket, "code": outbox.new_code(user_id)}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def portal(settings: ServerSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app and in-process client for settings other than the fixtures'."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://portal.test{API_PREFIX}"
    ) as client:
        yield app, client
    app.state.context.db.close()


async def otp_step(api: httpx.AsyncClient, ticket: str, code: str) -> httpx.Response:
    """The login's second step: the ticket and the code."""
    return await api.post("/auth/otp", json={"ticket": ticket, "code": code})
