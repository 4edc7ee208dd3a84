"""The login mails: e-mailed one-time passwords, password-reset tokens and a new
account's set-up token.

Sending happens after the transaction that stored the code has committed, in a worker
thread (SMTP may take seconds; the event loop must not wait on it). An OTP mail carries
its code on a line of its own, `Your one-time password is NNNNNN` (API.md), which is
what `cc-tui mailbox` readers and tests look for; a mail in Chinese carries it under its
Chinese line.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

import anyio.to_thread

from cc_tui.domain.calendar import format_moment
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.password import FORGOT_TITLE, TOKEN_HOW_TO
from cc_tui.server.mail import Mailer

log = logging.getLogger("cc_tui.server.mail")

OTP_SUBJECT = N_("Your Client Connect one-time password")
RESET_SUBJECT = N_("Reset your Client Connect password")
# A set-up token lives longer than a reset token (ours): the new user may not read the
# mail within the half hour; an expired one is replaced by Forgot password.
SETUP_TTL = timedelta(days=3)
SETUP_SUBJECT = N_("Set up your Client Connect account")

# The lines tools read (API.md): in English in every mail, under the user's language's own.
OTP_LINE = "Your one-time password is {code}"
RESET_LINE = "Your password reset token is {token}"
SETUP_LINE = "Your account set-up token is {token}"


def _line(translated: str, contract: str) -> str:
    """The user's language's line, then the contract's English one when they differ."""
    return translated if translated == contract else f"{translated}\n{contract}"


def otp_body(name: str, code: str, started_at: datetime, ends_at: datetime) -> str:
    """The code lasts as long as its login: `ends_at` is the ticket's expiry. In the
    current language (the caller speaks the user's, i18n.speaking)."""
    minutes = max(1, round((ends_at - started_at).total_seconds() / 60))
    return (
        _("Dear {name},").format(name=name)
        + "\n\n"
        + _line(_("Your one-time password is {code}").format(code=code), OTP_LINE.format(code=code))
        + "\n\n"
        + _(
            "It is valid once, until {ends}: the login started at {started} lasts "
            "{minutes} minutes. Never tell it to anyone, not even the exchange."
        ).format(ends=format_moment(ends_at), started=format_moment(started_at), minutes=minutes)
        + "\n\n"
        + _(
            "If you did not try to log in, change your password and tell your firm's "
            "delegated administrator (CCDA)."
        )
        + "\n\n"
        + _("The portal recommends an authenticator app over e-mail codes: switch in your profile.")
        + "\n"
    )


def reset_body(name: str, token: str, ttl: timedelta) -> str:
    minutes = int(ttl.total_seconds() // 60)
    return (
        _("Dear {name},").format(name=name)
        + "\n\n"
        + _("Someone, we hope you, asked to reset your Client Connect password.")
        + "\n\n"
        + _line(
            _("Your password reset token is {token}").format(token=token),
            RESET_LINE.format(token=token),
        )
        + "\n\n"
        + _("It works once, within {minutes} minutes.").format(minutes=minutes)
        + " "
        + _(TOKEN_HOW_TO)
        + "\n\n"
        + _("If you did not ask, ignore this mail: your password has not changed.")
        + "\n"
    )


def setup_body(name: str, user_id: str, firm: str, token: str, ttl: timedelta) -> str:
    """The mail of a new account (POST /admin/users): its one-time set-up token. In the
    current language: the administrator's who creates the account (their request's
    Accept-Language); the new user chooses their own in the Profile."""
    days = max(1, int(ttl.total_seconds() // 86400))
    line = SETUP_LINE.format(token=token)
    translated = _("Your account set-up token is {token}").format(token=token)
    return (
        _("Dear {name},").format(name=name)
        + "\n\n"
        + _(
            "A Client Connect account has been set up for you at {firm}. Your user ID is {user_id}."
        ).format(firm=firm, user_id=user_id)
        + "\n\n"
        + _line(translated, line)
        + "\n\n"
        + _("It works once, within {days} days.").format(days=days)
        + " "
        + _(TOKEN_HOW_TO)
        + " "
        + _(
            "Then log in with your user ID and that password; one-time passwords come by "
            "e-mail until you register an authenticator app."
        )
        + "\n\n"
        + _(
            'If the token has expired, choose "{forgot}" with your user ID and '
            '"Mail me a token" for a new one.'
        ).format(forgot=_(FORGOT_TITLE))
        + "\n"
    )


async def send(mailer: Mailer, to: str, subject: str, body: str) -> bool:
    """Send one mail off the event loop; False (logged) when it could not be sent."""
    try:
        await anyio.to_thread.run_sync(mailer.send, to, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("could not send %r to %s: %s", subject, to, error)
        return False
    return True
