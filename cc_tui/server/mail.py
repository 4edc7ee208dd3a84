"""Outgoing mail: SMTP when `--smtp HOST:PORT` is given (with `--smtp-starttls`,
`--smtp-user` and the password from an environment variable, as real relays need), else
a Maildir outbox.

The Maildir (`<data-dir>/mail`) is real mail on disk: `mutt -f` reads it, and so does
`cc-tui mailbox`. Delivery is one atomic file per message (Maildir's tmp -> new).
"""

from __future__ import annotations

import mailbox
import os
import smtplib
import socket
import ssl
import time
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cc_tui.server.settings import ServerSettings

SENDER = "Client Connect <no-reply@clientconnect.example>"
_HOST = socket.gethostname().replace("/", "\\057").replace(":", "\\072")


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


def _message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="clientconnect.example")
    message.set_content(body)
    return message


class MaildirMailer:
    """Delivers each message as Maildir does (written in tmp/, renamed into new/), but
    with owner-only modes: mail holds one-time passwords and tokens, and
    `mailbox.Maildir.add` would leave a file as the umask says (often world-readable)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        for sub in ("tmp", "new", "cur"):
            (path / sub).mkdir(mode=0o700, exist_ok=True)

    def send(self, to: str, subject: str, body: str) -> None:
        data = bytes(_message(to, subject, body))
        name = f"{time.time_ns()}.M{uuid.uuid4().hex}P{os.getpid()}.{_HOST}"
        tmp = self.path / "tmp" / name
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.path / "new" / name)


def parse_smtp_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (an IPv6 host in brackets, `[::1]:25`) as (host, port); a ValueError
    that says what is wrong and gives an example otherwise."""
    host, colon, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    example = "e.g. 127.0.0.1:1025 or mail.example.com:587"
    if not colon or not host or not port:
        raise ValueError(f"--smtp takes HOST:PORT, {example}; got {text!r}.")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"The port in --smtp {text!r} must be a number from 1 to 65535.")
    if any(ch.isspace() or ch in "/@" for ch in host):
        raise ValueError(f"{host!r} in --smtp is not a host name or address; {example}.")
    return host, int(port)


class SmtpMailer:
    """Send through a relay: STARTTLS when asked (port 587 relays want it), and a login
    when given a user (the password comes from an environment variable, never argv)."""

    def __init__(
        self,
        address: str,
        *,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port = parse_smtp_address(address)
        self.starttls = starttls
        self.user = user
        self.password = password

    def send(self, to: str, subject: str, body: str) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(_message(to, subject, body))


def make_mailer(settings: ServerSettings) -> Mailer:
    if not settings.smtp:
        return MaildirMailer(settings.mail_dir)
    return SmtpMailer(
        settings.smtp,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=settings.smtp_password,
    )


def delivered_ns(key: str) -> int:
    """When a Maildir message was delivered, from its file name: `MaildirMailer` names
    start with nanoseconds, other writers' (Python's mailbox) with seconds; 0 if neither.
    The `Date` header says the second only, and sorts by weekday name as a string."""
    stamp = key.partition(".")[0]
    if not stamp.isdigit():
        return 0
    value = int(stamp)
    return value if value >= 10**15 else value * 10**9


def read_outbox(maildir: Path, to: str | None = None) -> list[EmailMessage]:
    """The outbox's messages, in the order they were delivered (oldest first),
    optionally only those sent to `to`."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, create=False)
    found: list[tuple[int, str, EmailMessage]] = []
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        msg = message_from_bytes(raw, policy=default)
        assert isinstance(msg, EmailMessage)
        if to is None or msg["To"] == to:
            found.append((delivered_ns(key), key, msg))
    found.sort(key=lambda entry: entry[:2])
    return [msg for _, _, msg in found]
