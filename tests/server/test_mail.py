"""The outbox: a real Maildir (mailbox.Maildir reads it), `cc-tui mailbox`, and SMTP."""

from __future__ import annotations

import mailbox
import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import httpx
import pytest

from cc_tui.cli import main
from cc_tui.server.clock import FakeClock
from cc_tui.server.mail import MaildirMailer, delivered_ns, read_outbox
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import login, portal

MAKER = "maker@harbour.example"
OTP_LINE = re.compile(r"^Your one-time password is \d{6}$", re.MULTILINE)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return capsys.readouterr().out


async def test_otp_mail_lands_in_a_maildir(
    api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    assert (await login(api, MAKER)).status_code == 200
    box = mailbox.Maildir(server_settings.mail_dir, create=False)
    messages = [message_from_bytes(box.get_bytes(key), policy=default) for key in box.iterkeys()]
    assert len(messages) == 1
    (message,) = messages
    assert message["To"] == MAKER
    assert message["Subject"] == "Your Client Connect one-time password"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert OTP_LINE.search(body.get_content())


async def test_mailbox_command_lists_and_shows_the_mail(
    api: httpx.AsyncClient, server_settings: ServerSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    await login(api, MAKER)
    await login(api, "lead@harbour.example")
    data_dir = str(server_settings.data_dir)
    listing = run_cli(["mailbox", "--data-dir", data_dir, "--to", MAKER], capsys)
    assert MAKER in listing
    assert "lead@harbour.example" not in listing
    assert "one-time password" in listing
    everyone = run_cli(["mailbox", "--data-dir", data_dir], capsys)
    assert MAKER in everyone and "lead@harbour.example" in everyone
    shown = run_cli(["mailbox", "--data-dir", data_dir, "--to", MAKER, "--last"], capsys)
    assert f"To: {MAKER}" in shown
    assert OTP_LINE.search(shown)


def test_mail_sent_within_one_second_is_read_in_the_order_it_was_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Date header says the second only: `mailbox --last` must still show the newest
    mail (the OTP screen sends people there for their latest code), not a random one of
    the mails of that second."""
    settings = ServerSettings(data_dir=tmp_path / "portal")
    mailer = MaildirMailer(settings.mail_dir)
    subjects = [f"Code {n:02}" for n in range(30)]
    for subject in subjects:
        mailer.send(MAKER, subject, f"Body of {subject}")
    assert [m["Subject"] for m in read_outbox(settings.mail_dir, MAKER)] == subjects
    shown = run_cli(["mailbox", "--data-dir", str(settings.data_dir), "--last"], capsys)
    assert "Subject: Code 29" in shown
    # Mail another writer delivered (Python's mailbox names files by the second) sorts
    # by that second.
    assert delivered_ns("1700000000.M1P2Q3.host") == 1_700_000_000 * 10**9
    assert delivered_ns("not-a-time") == 0


def test_mailbox_command_on_an_empty_outbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_cli(["mailbox", "--data-dir", str(tmp_path), "--to", MAKER], capsys)
    assert out.startswith(f"No mail to {MAKER}")


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one message per connection."""

    received: list[bytes]

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ready")
        while raw := self.rfile.readline():
            command = raw.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command == "DATA":
                self.reply("354 go on")
                lines: list[bytes] = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.received.append(b"".join(lines))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_sink() -> Iterator[tuple[str, list[bytes]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.daemon_threads = True
    received: list[bytes] = []
    server.received = received  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield f"127.0.0.1:{port}", received
    finally:
        server.shutdown()
        server.server_close()


async def test_with_smtp_the_code_goes_by_smtp(
    server_settings: ServerSettings, smtp_sink: tuple[str, list[bytes]]
) -> None:
    address, received = smtp_sink
    settings = replace(server_settings, smtp=address)
    async with portal(settings) as (_, api):
        assert (await login(api, MAKER)).status_code == 200
    assert len(received) == 1
    message = message_from_bytes(received[0], policy=default)
    assert message["To"] == MAKER
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert OTP_LINE.search(body.get_content().replace("\r\n", "\n"))
    assert not (settings.mail_dir / "new").exists() or not any(
        (settings.mail_dir / "new").iterdir()
    )


def refusing_relay() -> str:
    """HOST:PORT of a loopback port nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


async def test_a_relay_that_refuses_connections_is_said_at_login_and_counts_nothing(
    server_settings: ServerSettings, smtp_sink: tuple[str, list[bytes]]
) -> None:
    settings = replace(server_settings, smtp=refusing_relay())
    async with portal(settings) as (_, api):
        for _ in range(6):  # more than the lockout allows, were these failures
            refused = await login(api, MAKER)
            assert refused.status_code == 503
            problem = refused.json()
            assert problem["code"] == "mail_failed"
            assert "could not send your one-time password" in problem["detail"]
            assert "mail relay" in problem["fix"]
            assert refused.headers["Retry-After"]
    # The relay is back: the same user logs in at once, nothing was counted.
    address, received = smtp_sink
    async with portal(replace(server_settings, smtp=address)) as (_, api):
        assert (await login(api, MAKER)).status_code == 200
    assert len(received) == 1


async def test_a_resend_that_cannot_be_mailed_is_503_and_may_be_asked_again(
    server_settings: ServerSettings, smtp_sink: tuple[str, list[bytes]], clock: FakeClock
) -> None:
    address, _ = smtp_sink
    async with portal(replace(server_settings, smtp=address)) as (_, api):
        started = await login(api, MAKER)
        assert started.status_code == 200
    ticket = {"ticket": started.json()["ticket"]}
    clock.advance(timedelta(seconds=31))
    async with portal(replace(server_settings, smtp=refusing_relay())) as (_, api):
        resend = await api.post("/auth/otp/email", json=ticket)
        assert resend.status_code == 503
        assert resend.json()["code"] == "mail_failed"
        # The code that could not go was dropped: asking again is not made to wait.
        again = await api.post("/auth/otp/email", json=ticket)
        assert again.status_code == 503
