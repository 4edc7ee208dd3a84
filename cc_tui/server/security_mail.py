"""Security notices: a mail to the user whenever something about how they log in changes.

Issue 9: an authenticator registered, replaced or reset by a CCDA; the OTP channel
changed; the password changed or reset; the account locked and unlocked. Each mail
says what happened, when (HKT, with the date), and what to do if it was not them.

The mail goes after the answer (`ServerContext.later`), so it never changes how long an
answer takes (a lockout must answer as fast for a real account, which gets a mail, as
for an unknown one, which does not), and a mail that cannot be sent is logged, never an
error for the caller: the change itself has happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cc_tui.domain.calendar import to_hkt
from cc_tui.domain.i18n import N_, _, speaking
from cc_tui.server import auth_mail
from cc_tui.server.context import ServerContext
from cc_tui.server.store import users

SUBJECT_PREFIX = N_("Client Connect security notice: {subject}")
# Who to tell: the same words as the 423 answer's.
TELL = N_(
    "tell your firm's delegated administrator (CCDA) at once; a CCDA tells the exchange "
    "(Client Connect support)."
)


class SecurityEvent(StrEnum):
    DEVICE_REGISTERED = "device_registered"
    DEVICE_REPLACED = "device_replaced"
    DEVICE_RESET = "device_reset"
    CHANNEL_CHANGED = "channel_changed"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    LOCKED = "locked"
    UNLOCKED = "unlocked"


@dataclass(frozen=True)
class Notice:
    subject: str
    happened: str
    if_not_you: str


def when(moment: datetime) -> str:
    """ "Mon 23 Nov 2026, 10:00 HKT": a notice names the day, not only the time."""
    here = to_hkt(moment)
    return f"{here:%a %d %b %Y, %H:%M} HKT"


CHANNEL_WORDS = {"email": N_("by e-mail"), "app": N_("from your authenticator app")}


def notice(event: SecurityEvent, at: datetime, *, by: str = "", channel: str = "") -> Notice:
    """The words of one notice, in the current language; `by` names who acted when it was
    not the user (a CCDA, the exchange), `channel` the new OTP channel."""
    moment = when(at)
    tell = _(TELL)
    if event is SecurityEvent.DEVICE_REGISTERED:
        return Notice(
            _("authenticator app registered"),
            _(
                "An authenticator app was registered for your account on {moment}. "
                "One-time passwords now come from it."
            ).format(moment=moment),
            _(
                "If you did not register it, someone knows your password and has your second "
                "factor: change your password and {tell}"
            ).format(tell=tell),
        )
    if event is SecurityEvent.DEVICE_REPLACED:
        return Notice(
            _("authenticator app replaced"),
            _(
                "Your authenticator app was replaced on {moment}: codes now come from the newly "
                "registered one, and the one registered before no longer works."
            ).format(moment=moment),
            _(
                "If you did not replace it, someone knows your password and had your second "
                "factor: change your password and {tell}"
            ).format(tell=tell),
        )
    if event is SecurityEvent.DEVICE_RESET:
        return Notice(
            _("authenticator app reset"),
            _(
                "{by} reset your authenticator app on {moment}: it no longer works here, and "
                "your next login by app registers a new one."
            ).format(by=by, moment=moment),
            _("If you did not ask for this, {tell}").format(tell=tell),
        )
    if event is SecurityEvent.CHANNEL_CHANGED:
        words = CHANNEL_WORDS.get(channel)
        return Notice(
            _("one-time password channel changed"),
            _("From {moment}, your one-time passwords come {channel}.").format(
                moment=moment, channel=_(words) if words else channel
            ),
            _(
                "If you did not change this, someone is logged in as you: change your password "
                "and {tell}"
            ).format(tell=tell),
        )
    if event is SecurityEvent.PASSWORD_CHANGED:
        return Notice(
            _("password changed"),
            _("Your password was changed on {moment}, and your other sessions were ended.").format(
                moment=moment
            ),
            _(
                "If you did not change it, use Forgot password at the login to set a new one "
                "and {tell}"
            ).format(tell=tell),
        )
    if event is SecurityEvent.PASSWORD_RESET:
        return Notice(
            _("password set"),
            _(
                "Your password was set with a reset or set-up token on {moment}, and every "
                "session of yours was ended."
            ).format(moment=moment),
            _(
                "If you did not do this, someone can read your mail: use Forgot password at "
                "the login to set a new one and {tell}"
            ).format(tell=tell),
        )
    if event is SecurityEvent.LOCKED:
        return Notice(
            _("account locked"),
            _(
                "Your account was locked on {moment} after 5 failed password or one-time "
                "password attempts in a row. Nobody can log in as you until it is unlocked: "
                "ask your firm's delegated administrator (CCDA); a CCDA asks the exchange."
            ).format(moment=moment),
            _(
                "If these attempts were not yours, someone is guessing at your account: once "
                "it is unlocked, change your password and {tell}"
            ).format(tell=tell),
        )
    return Notice(
        _("account unlocked"),
        _("{by} unlocked your account on {moment}; you can log in again.").format(
            by=by, moment=moment
        ),
        _("If you did not ask for this, {tell}").format(tell=tell),
    )


def body(name: str, found: Notice) -> str:
    return (
        _("Dear {name},").format(name=name)
        + f"\n\n{found.happened}\n\n{found.if_not_you}\n\n"
        + _(
            "This is a notice only: there is nothing to do if it was you. Client Connect never "
            "asks for your password or one-time passwords by mail."
        )
        + "\n"
    )


def mail_later(
    context: ServerContext,
    user_id: str,
    event: SecurityEvent,
    at: datetime,
    *,
    by: str | Callable[[], str] = "",
    channel: str = "",
) -> None:
    """Mail the notice of `event` to `user_id` after the answer (nothing for an unknown
    user: lockouts of IDs that do not exist are counted, but nobody is there to tell)."""
    user = users.get_user(context.db.connect(), user_id)
    if user is None:
        return
    with speaking(user.language):
        # Who acted, said in the recipient's language (a callable is asked here).
        found = notice(event, at, by=by() if callable(by) else by, channel=channel)
        text = body(user.name, found)
        subject = _(SUBJECT_PREFIX).format(subject=found.subject)
    context.later(_send(context, user.user_id, subject, text))


async def _send(context: ServerContext, to: str, subject: str, text: str) -> None:
    await auth_mail.send(context.mailer, to, subject, text)
