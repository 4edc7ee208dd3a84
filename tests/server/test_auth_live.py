"""Login over a real loopback port: uvicorn in a thread, httpx over TCP."""

from __future__ import annotations

import httpx

from cc_tui.api import API_PREFIX
from cc_tui.domain import otp
from cc_tui.server.clock import FakeClock
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import DEMO_PASSWORD, Outbox, bearer, totp_secret


def test_email_and_app_logins_over_loopback(
    live_portal: BackgroundServer, server_settings: ServerSettings, clock: FakeClock
) -> None:
    outbox = Outbox(server_settings)
    with httpx.Client(base_url=live_portal.url + API_PREFIX, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/service/status").status_code == 200

        started = client.post(
            "/auth/login", json={"user_id": "maker@harbour.example", "password": DEMO_PASSWORD}
        ).json()
        code = outbox.new_code("maker@harbour.example")
        session = client.post("/auth/otp", json={"ticket": started["ticket"], "code": code})
        assert session.status_code == 200
        token = session.json()["token"]
        assert client.get("/me", headers=bearer(token)).json()["roles"] == ["maker"]
        assert client.post("/auth/logout", headers=bearer(token)).status_code == 204
        assert client.get("/me", headers=bearer(token)).status_code == 401

        checker = "checker@harbour.example"
        assert totp_secret(server_settings, checker) is not None
        started = client.post(
            "/auth/login", json={"user_id": checker, "password": DEMO_PASSWORD}
        ).json()
        assert started["device_registration"] == "required"
        device = client.post("/auth/device", json={"ticket": started["ticket"]}).json()
        new_code = otp.totp_code(device["secret"], clock.now())
        session = client.post("/auth/otp", json={"ticket": started["ticket"], "code": new_code})
        assert session.status_code == 200
        assert session.json()["user"]["roles"] == ["checker"]
