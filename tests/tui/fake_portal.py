"""A canned portal on httpx.MockTransport: fixed answers, no clock, no socket. For the
app-shell tests and the snapshots, which must be fast and draw the same every time."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
URI = f"otpauth://totp/HKEX:checker@harbour.example?secret={SECRET}&issuer=HKEX&period=30&digits=6"

STATUS = {
    "now": "2026-11-23T10:00:00+08:00",
    "maintenance": False,
    "next_maintenance_start": "2026-11-28T08:00:00+08:00",
    "next_maintenance_end": "2026-11-29T00:00:00+08:00",
    "business_day": True,
    "business_hours": True,
    "processing_day": "2026-11-23",
}
USER = {
    "user_id": "maker@harbour.example",
    "name": "Mary Maker",
    "roles": ["maker"],
    "memberships": [
        {
            "participant_id": "B01234",
            "name": "Harbour Securities",
            "kind": "exchange participant",
            "roles": ["maker"],
        }
    ],
    "otp_channel": "email",
}


def problem(status: int, code: str, detail: str, fix: str, **headers: str) -> httpx.Response:
    body = {"title": "t", "status": status, "code": code, "detail": detail, "fix": fix}
    return httpx.Response(
        status,
        content=json.dumps(body),
        headers={"content-type": "application/problem+json", **headers},
    )


Route = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakePortal:
    """Answers by path; `routes` overrides one path, `down` refuses every connection."""

    down: bool = False
    routes: dict[str, Route] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    channel: str = "email"
    device_registration: str = "none"
    # The user the session and GET /me give (its `language`: issue 15).
    user: dict[str, Any] = field(default_factory=lambda: dict(USER))
    # Every request's Accept-Language, in order.
    languages: list[str] = field(default_factory=list)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        self.calls.append(f"{request.method} {path}")
        self.languages.append(request.headers.get("Accept-Language", ""))
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if path in self.routes:
            return self.routes[path](request)
        answer: Any
        if path == "/service/status":
            answer = STATUS
        elif path == "/auth/login":
            answer = {
                "ticket": "ticket-1",
                "otp_channel": self.channel,
                "device_registration": self.device_registration,
                "device_registered": False,
            }
        elif path in ("/auth/otp/email", "/auth/device/skip", "/auth/logout"):
            return httpx.Response(202 if path.endswith("email") else 204)
        elif path == "/auth/device":
            answer = {
                "otpauth_uri": URI,
                "secret": SECRET,
                "issuer": "HKEX",
                "account": "checker@harbour.example",
            }
        elif path == "/auth/otp":
            answer = {
                "token": "token-1",
                "expires_at": "2026-11-23T22:00:00+08:00",
                "user": self.user,
            }
        elif path == "/me":
            answer = self.user
        else:
            return problem(404, "not_found", "There is no such resource.", "")
        return httpx.Response(200, json=answer)
