"""The password rule, one place for the server (which enforces it) and the TUI (which can
check as the user types).

Length matters more than character classes (NIST SP 800-63B), so the rule is short: at
least 12 characters, with letters and digits, not the user ID itself. The upper bound
only keeps hashing cheap to refuse.
"""

from __future__ import annotations

import re
import secrets

from cc_tui.domain.i18n import N_, _

PASSWORD_MIN = 12
PASSWORD_MAX = 256

# In English; `_(PASSWORD_RULE)` where it is shown.
PASSWORD_RULE = N_(
    "Use at least 12 characters, with both letters and digits, and not your user ID."
)
assert str(PASSWORD_MIN) in PASSWORD_RULE


def password_problems(password: str, user_id: str = "") -> list[str]:
    """Every reason `password` breaks the rule, in words; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < PASSWORD_MIN:
        problems.append(
            _("The password has {length} characters; it needs at least {least}.").format(
                length=len(password), least=PASSWORD_MIN
            )
        )
    if len(password) > PASSWORD_MAX:
        problems.append(
            _("The password is longer than {most} characters.").format(most=PASSWORD_MAX)
        )
    if not any(ch.isalpha() for ch in password):
        problems.append(_("The password needs at least one letter."))
    if not any(ch.isdigit() for ch in password):
        problems.append(_("The password needs at least one digit."))
    if user_id and password.strip().lower() == user_id.strip().lower():
        problems.append(_("The password must not be your user ID."))
    if looks_like_token(password):
        problems.append(
            _("The password must not look like a set-up or reset token ({prefix}…).").format(
                prefix=TOKEN_PREFIX
            )
        )
    return problems


# Set-up and reset tokens have a shape no password may have (the rule above refuses it),
# so a token typed into the password field is recognised without a doubt: it is never a
# password, never counts toward a lockout, and the user is pointed to the screen where a
# token goes. The prefix is what a person sees first in the mail; the 43 characters after
# it are 256 random bits, URL-safe base64.
TOKEN_PREFIX = "cct-"
_TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}")

# Where a token goes, in the words of the login screen and of the mails that carry one.
FORGOT_TITLE = N_("Forgot password or first login")
TOKEN_SCREEN_TITLE = N_("Set your password with a token")
TOKEN_HOW_TO = N_(
    'On the login screen choose "Forgot password or first login" (ctrl+f), then "I have '
    'a token", and paste the token there with your new password, twice.'
)
assert FORGOT_TITLE in TOKEN_HOW_TO


def new_token() -> str:
    """A fresh set-up or reset token, in the shape `looks_like_token` recognises."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(text: str) -> bool:
    """Whether `text` (spaces around it aside, as a paste may bring) is token-shaped."""
    return bool(_TOKEN_SHAPE.fullmatch(text.strip()))
