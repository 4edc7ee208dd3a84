"""Forgot password answers the same, in the same time, for known and unknown user IDs
(issue 9, point 4): the answer goes before any of the work a known user's ask causes
(token, mail). Tried over a real loopback port with a mail relay that is held up: the
202 comes while the mail still waits. The timing itself is measured by
bench/forgot_timing.py (medians, no wall-clock asserts here)."""

from __future__ import annotations

import threading

import httpx

from cc_tui.api import API_PREFIX
from cc_tui.server.mail import Mailer, read_outbox
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings

MAKER = "maker@harbour.example"


class HeldMailer:
    """Delivers through `real` only once `gate` is set."""

    def __init__(self, real: Mailer) -> None:
        self.real = real
        self.gate = threading.Event()
        self.sent = threading.Event()

    def send(self, to: str, subject: str, body: str) -> None:
        self.gate.wait(30)
        self.real.send(to, subject, body)
        self.sent.set()


def test_the_answer_goes_before_the_mail(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> None:
    context = live_portal.context
    held = HeldMailer(context.mailer)
    context.mailer = held
    try:
        with httpx.Client(base_url=live_portal.url + API_PREFIX, timeout=10) as client:
            known = client.post("/auth/password/forgot", json={"user_id": MAKER})
            unknown = client.post("/auth/password/forgot", json={"user_id": "no@one.example"})
            assert known.status_code == unknown.status_code == 202
            assert known.content == unknown.content == b""
            assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
            # The known user's mail has not gone: the answer did not wait for it.
            assert not held.sent.is_set()
            assert read_outbox(server_settings.mail_dir, MAKER) == []
    finally:
        held.gate.set()
    assert held.sent.wait(10)
    (mail,) = read_outbox(server_settings.mail_dir, MAKER)
    assert "reset" in str(mail["Subject"]).lower()
    assert read_outbox(server_settings.mail_dir, "no@one.example") == []
