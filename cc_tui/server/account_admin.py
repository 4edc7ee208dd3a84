"""Account administration's rules as the portal applies them: who the administrator is
(a CCDA of its acting membership, or the exchange), which accounts it reaches (others are
404, as if they did not exist), what `domain.account_rules` refuses (403, in its words),
the rights asked for (422 unknown, 403 not grantable), the membership a new user joins,
the account as the API shows it with the actions the caller may take (`allowed`), and the
`user_audit` row of each change. `routers/admin.py` parses, calls these, and writes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cc_tui.api.admin import AdminUser, CreateUserRequest
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain import account_rules
from cc_tui.domain.account_rules import AccountAction, Actor, Refusal
from cc_tui.domain.forms import FieldType, FormField
from cc_tui.domain.i18n import _
from cc_tui.domain.naming import is_participant_id
from cc_tui.domain.rights import DELEGATED_ADMIN, roles_for, unknown_rights
from cc_tui.server import auth_mail
from cc_tui.server.auth_mail import SETUP_SUBJECT, SETUP_TTL, setup_body
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.errors import ApiError
from cc_tui.server.store import admin as accounts
from cc_tui.server.store import users
from cc_tui.server.store.admin import AccountRow

log = logging.getLogger("cc_tui.server.admin")

USER_EXISTS = "user_exists"
# A user ID is an e-mail address, checked by the forms' own e-mail rule.
USER_ID_FIELD = FormField(
    name="user_id", label="User ID", type=FieldType.EMAIL, example="kim.lee@harbour.example"
)
EXCHANGE_WORDS = account_rules.EXCHANGE  # English, marked: `_()` where it is said

ActorRole = Literal["ccda", "exchange_officer"]


# Who is acting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Administrator:
    """The caller as an administrator: a CCDA of `participant_id`, or the exchange."""

    user_id: str
    role: ActorRole
    participant_id: str | None

    @property
    def is_exchange(self) -> bool:
        return self.role == "exchange_officer"

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.is_exchange, self.participant_id)

    @property
    def grantable(self) -> frozenset[str]:
        return account_rules.grantable(self.actor)


def administrator(principal: Principal) -> Administrator:
    """The caller as a CCDA of its acting membership, or as the exchange; else 403."""
    if principal.participant_id is not None and principal.has_right(DELEGATED_ADMIN):
        return Administrator(principal.user_id, "ccda", principal.participant_id)
    if principal.is_exchange_officer:
        return Administrator(principal.user_id, "exchange_officer", None)
    raise ApiError(
        403,
        ProblemCode.FORBIDDEN,
        _(
            "Only a delegated administrator (CCDA) manages accounts, and you are not one for "
            "{participant_id}."
        ).format(participant_id=principal.participant_id)
        if principal.participant_id
        else _("Only a delegated administrator (CCDA) manages accounts, and you are not one."),
        _("Ask your firm's CCDA to create users, change rights, unlock or reset devices."),
    )


def _not_found(user_id: str) -> ApiError:
    return ApiError(
        404,
        ProblemCode.NOT_FOUND,
        _("There is no user {user_id} among the accounts you administer.").format(user_id=user_id),
        _(
            "Check the user ID (the person's e-mail address); your list shows every account "
            "you administer."
        ),
    )


def target_account(conn: sqlite3.Connection, admin: Administrator, user_id: str) -> AccountRow:
    """The account `user_id` as this administrator sees it; 404 outside its reach."""
    user_id = users.normalise_user_id(user_id)
    if admin.participant_id is not None:
        found = accounts.account(conn, user_id, admin.participant_id)
    else:
        membership = accounts.ccda_membership(conn, user_id)
        found = None if membership is None else accounts.account(conn, user_id, membership)
    if found is None:
        raise _not_found(user_id)
    return found


def _subject(target: AccountRow) -> account_rules.Account:
    user = target.user
    return account_rules.Account(
        user_id=user.user_id,
        name=user.name,
        is_ccda=target.is_ccda,
        active=user.active,
        locked=user.locked,
        password_set=target.password_set,
    )


def _forbidden(refused: Refusal, codes: Iterable[str] = ()) -> ApiError:
    errors = [
        FieldError(field="rights", message=_("Not yours to change: {right}.").format(right=c))
        for c in codes
    ]
    if not errors and refused.field is not None:
        errors = [FieldError(field=refused.field, message=_("Not yours to change."))]
    return ApiError(403, ProblemCode.FORBIDDEN, refused.detail, refused.fix, errors or None)


def refuse(admin: Administrator, target: AccountRow, action: AccountAction) -> None:
    """403 unless the rules let this administrator take `action` on `target`."""
    refused = account_rules.refusal(admin.actor, _subject(target), action)
    if refused is not None:
        raise _forbidden(refused)


def acting_words(admin: Administrator, principal: Principal) -> Callable[[], str]:
    """Who acted, as a security notice names them: asked in the recipient's language."""
    name = principal.name
    if admin.is_exchange:
        return lambda: _("{name} of the exchange (Client Connect support)").format(name=name)
    return lambda: _("{name}, your firm's delegated administrator (CCDA),").format(name=name)


# Views and changes -------------------------------------------------------------------------


def admin_view(account: AccountRow, admin: Administrator) -> AdminUser:
    user = account.user
    return AdminUser(
        allowed=[a.value for a in account_rules.allowed(admin.actor, _subject(account))],
        user_id=user.user_id,
        name=user.name,
        rights=sorted(account.rights),
        status="active" if user.active else "suspended",
        locked=user.locked,
        otp_channel=user.otp_channel,
        device_registered=user.device_registered,
        participant_id=account.participant_id,
        roles=roles_for(account.rights, user.is_exchange_officer),
        password_set=account.password_set,
        device_registration=user.device_registration,
    )


def reread(conn: sqlite3.Connection, account: AccountRow, admin: Administrator) -> AdminUser:
    fresh = accounts.account(conn, account.user.user_id, account.participant_id)
    assert fresh is not None
    return admin_view(fresh, admin)


def right_names(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes))


def audit(
    conn: sqlite3.Connection,
    admin: Administrator,
    target: AccountRow,
    now: datetime,
    *,
    action: str,
    detail: str,
) -> None:
    """The `user_audit` row of a change `admin` made to `target`'s account."""
    accounts.record(
        conn,
        at=now,
        actor=admin.user_id,
        actor_role=admin.role,
        participant_id=target.participant_id,
        user_id=target.user.user_id,
        action=action,
        detail=detail,
    )


def new_user_membership(
    conn: sqlite3.Connection, admin: Administrator, body: CreateUserRequest
) -> str:
    """The membership a new user joins: the CCDA's own; the one the exchange names
    (either spelt in any case, with spaces around)."""
    named = (body.participant_id or "").strip().upper()
    if admin.participant_id is not None:
        if named and named != admin.participant_id:
            raise ApiError(
                422,
                ProblemCode.VALIDATION_FAILED,
                _(
                    "You act for {participant_id}, so you create users for it, not for {named}."
                ).format(participant_id=admin.participant_id, named=named),
                _(
                    "Switch to {named} first if you administer it too, or leave the membership out."
                ).format(named=named),
                [FieldError(field="participant_id", message=_("Not your acting membership."))],
            )
        return admin.participant_id
    if not named:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _(
                "The exchange creates a firm's delegated administrators, so name the firm's "
                "membership."
            ),
            _("Give participant_id, as B01234."),
            [FieldError(field="participant_id", message=_("Required from the exchange."))],
        )
    if not is_participant_id(named) or not accounts.membership_exists(conn, named):
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("There is no membership {named}.").format(named=named),
            _("Give the participant ID of an existing membership, as B01234."),
            [FieldError(field="participant_id", message=_("Unknown membership."))],
        )
    return named


def check_rights(
    admin: Administrator,
    requested: Iterable[str],
    held: frozenset[str],
) -> frozenset[str]:
    """The rights asked for, refused when unknown (422) or when the change reaches a right
    this administrator may not grant or remove (403, naming it and whose it is)."""
    wanted = frozenset(requested)
    unknown = unknown_rights(wanted)
    if unknown:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("Not rights of the portal: {rights}.").format(rights=right_names(unknown)),
            _("Choose rights from the catalogue (GET /admin/rights, the Accounts screen's list)."),
            [
                FieldError(field="rights", message=_("Unknown right {code}.").format(code=code))
                for code in unknown
            ],
        )
    refused = account_rules.rights_refusal(admin.actor, held, wanted)
    if refused is not None:
        raise _forbidden(*refused)
    return wanted


async def send_setup(context: ServerContext, user_id: str, name: str, token: str) -> None:
    conn = context.db.connect()
    membership = users.memberships(conn, user_id)
    firm = membership[0].name if membership else "the exchange"
    body = setup_body(name, user_id, firm, token, SETUP_TTL)
    if not await auth_mail.send(context.mailer, user_id, _(SETUP_SUBJECT), body):
        log.warning("the set-up mail to %s was not sent; it can be sent again", user_id)
