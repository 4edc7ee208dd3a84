"""Outgoing mail: SMTP when `--smtp HOST:PORT` is given, else a Maildir outbox.

The Maildir (`<data-dir>/mail`) is real mail on disk: `mutt -f` reads it, and so does
`cc-tui mailbox`. Delivery is one atomic file per message (Maildir's tmp -> new).
"""

from __future__ import annotations

import mailbox
import smtplib
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

SENDER = "Client Connect <no-reply@clientconnect.example>"


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
    def __init__(self, path: Path) -> None:
        self.path = path
        # mailbox.Maildir(create=True) makes tmp/new/cur only when `path` is missing.
        for sub in ("tmp", "new", "cur"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(path, create=True)

    def send(self, to: str, subject: str, body: str) -> None:
        self._box.add(mailbox.MaildirMessage(_message(to, subject, body)))


class SmtpMailer:
    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--smtp takes HOST:PORT, e.g. 127.0.0.1:1025; got {address!r}.")
        self.host = host
        self.port = int(port)

    def send(self, to: str, subject: str, body: str) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(_message(to, subject, body))


def make_mailer(smtp: str | None, maildir: Path) -> Mailer:
    return SmtpMailer(smtp) if smtp else MaildirMailer(maildir)


def read_outbox(maildir: Path, to: str | None = None) -> list[EmailMessage]:
    """The outbox's messages, oldest first, optionally only those sent to `to`."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, create=False)
    messages: list[EmailMessage] = []
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        msg = message_from_bytes(raw, policy=default)
        assert isinstance(msg, EmailMessage)
        if to is None or msg["To"] == to:
            messages.append(msg)
    messages.sort(key=lambda m: (str(m["Date"]), str(m["Message-ID"])))
    return messages
