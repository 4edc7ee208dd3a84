"""What the login and Me routers share: the user as the API shows it, and the refusals
whose words must be the same wherever they are given (lockout, bad credentials, the
password rule)."""

from __future__ import annotations

import sqlite3

from cc_tui.api.auth import DeviceRegistration, Membership, User
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain import otp
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.password import PASSWORD_RULE, password_problems
from cc_tui.domain.rights import roles_for
from cc_tui.server.errors import ApiError
from cc_tui.server.store import users
from cc_tui.server.store.users import UserRow


def user_view(conn: sqlite3.Connection, user: UserRow, acting: str | None = None) -> User:
    """The user as the API shows it; `roles` are those of the acting membership (the
    first one when none is named), and each membership carries its own."""
    memberships = [
        Membership(
            participant_id=m.participant_id,
            name=m.name,
            kind=m.kind,
            roles=roles_for(
                users.rights(conn, user.user_id, m.participant_id), user.is_exchange_officer
            ),
        )
        for m in users.memberships(conn, user.user_id)
    ]
    if acting is None and memberships:
        acting = memberships[0].participant_id
    roles = next(
        (m.roles for m in memberships if m.participant_id == acting),
        roles_for((), user.is_exchange_officer),
    )
    return User(
        user_id=user.user_id,
        name=user.name,
        roles=roles,
        memberships=memberships,
        otp_channel=user.otp_channel,
        device_registered=user.device_registered,
        language=user.language,
    )


def invalid_credentials() -> ApiError:
    """The one answer for an unknown user, a wrong password and an account without one."""
    return ApiError(
        401,
        ProblemCode.INVALID_CREDENTIALS,
        _("The user ID or password is not correct."),
        _("Check both and try again; after 5 failed attempts in a row the account is locked."),
    )


LOCKED_DETAIL = N_(
    "This account is locked after 5 failed attempts in a row, and nobody can log in to it "
    "until it is unlocked."
)
LOCKED_FIX = N_(
    "Ask your firm's delegated administrator (CCDA) to unlock it; a CCDA asks the exchange "
    "(Client Connect support)."
)


def locked_error() -> ApiError:
    """423 in the same words for every account, and for user IDs that do not exist: who
    may unlock whom is said in general, so the answer tells nothing about the account
    (a CCDA's lockout would otherwise name the exchange, and give the CCDA away)."""
    return ApiError(423, ProblemCode.ACCOUNT_LOCKED, _(LOCKED_DETAIL), _(LOCKED_FIX))


def suspended_error() -> ApiError:
    return ApiError(
        403,
        ProblemCode.FORBIDDEN,
        _("Your account is suspended."),
        _("Ask your firm's delegated administrator (CCDA) to reactivate it."),
    )


def new_password_error(password: str, user_id: str) -> ApiError | None:
    """422 with every reason the new password breaks the rule, or None when it is fine."""
    problems = password_problems(password, user_id)
    if not problems:
        return None
    return ApiError(
        422,
        ProblemCode.VALIDATION_FAILED,
        _("The new password does not meet the password rule."),
        _(PASSWORD_RULE),
        [FieldError(field="new_password", message=p, fix=_(PASSWORD_RULE)) for p in problems],
    )


def registration_of(secret: str, user_id: str) -> DeviceRegistration:
    """What an authenticator app needs: the otpauth URI (the QR code) and the key."""
    return DeviceRegistration(
        otpauth_uri=otp.otpauth_uri(secret, user_id, issuer=otp.ISSUER),
        secret=secret,
        issuer=otp.ISSUER,
        account=user_id,
    )
