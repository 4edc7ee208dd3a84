"""The login mails: e-mailed one-time passwords and password-reset tokens.

Sending happens after the transaction that stored the code has committed, in a worker
thread (SMTP may take seconds; the event loop must not wait on it). An OTP mail carries
its code on a line of its own, `Your one-time password is NNNNNN` (API.md), which is
what `cc-tui mailbox` readers and tests look for.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

import anyio.to_thread

from cc_tui.domain.calendar import format_moment
from cc_tui.domain.password import TOKEN_HOW_TO
from cc_tui.server.mail import Mailer

log = logging.getLogger("cc_tui.server.mail")

OTP_SUBJECT = "Your Client Connect one-time password"
RESET_SUBJECT = "Reset your Client Connect password"
OTP_LINE = "Your one-time password is {code}"
RESET_LINE = "Your password reset token is {token}"


def otp_body(name: str, code: str, started_at: datetime, ends_at: datetime) -> str:
    """The code lasts as long as its login: `ends_at` is the ticket's expiry."""
    minutes = max(1, round((ends_at - started_at).total_seconds() / 60))
    return (
        f"Dear {name},\n\n"
        f"{OTP_LINE.format(code=code)}\n\n"
        f"It is valid once, until {format_moment(ends_at)}: the login started at "
        f"{format_moment(started_at)} lasts {minutes} minutes. Never tell it to anyone, "
        "not even the exchange.\n\n"
        "If you did not try to log in, change your password and tell your firm's "
        "delegated administrator (CCDA).\n\n"
        "The portal recommends an authenticator app over e-mail codes: switch in your "
        "profile.\n"
    )


def reset_body(name: str, token: str, ttl: timedelta) -> str:
    minutes = int(ttl.total_seconds() // 60)
    return (
        f"Dear {name},\n\n"
        "Someone, we hope you, asked to reset your Client Connect password.\n\n"
        f"{RESET_LINE.format(token=token)}\n\n"
        f"It works once, within {minutes} minutes. {TOKEN_HOW_TO}\n\n"
        "If you did not ask, ignore this mail: your password has not changed.\n"
    )


async def send(mailer: Mailer, to: str, subject: str, body: str) -> bool:
    """Send one mail off the event loop; False (logged) when it could not be sent."""
    try:
        await anyio.to_thread.run_sync(mailer.send, to, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("could not send %r to %s: %s", subject, to, error)
        return False
    return True
