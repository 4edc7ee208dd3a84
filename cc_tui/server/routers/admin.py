"""Accounts: a firm's delegated administrators (CCDAs) manage its users; the exchange
manages the CCDAs.

Who may do what is `cc_tui.domain.account_rules` (segregation of duties): a CCDA
administers the business users of its acting membership and grants them business
rights only; it never changes its own account, nor another CCDA's (the exchange manages
CCDAs). The exchange officer creates and manages a firm's CCDAs and grants or removes
the CCDA right only. This router parses, finds the account, asks those rules, and
writes. GET /admin/users answers, for each user, the actions the caller may take
(`allowed`), from the same rules. Anyone but a CCDA or the exchange gets 403 with a
sentence; a user outside what the caller administers (another firm's, say) is 404, as
if it did not exist.

Every change is one transaction with its `user_audit` row; a change that changes
nothing (unlocking an unlocked account) writes none. Suspending a user ends its
sessions at once. The POSTs honour `Idempotency-Key` as every other POST does
(`server.idempotency`): a retry gets the first answer (`Idempotent-Replayed: true`) and
changes nothing, and above all sends no second set-up e-mail.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request, Response

from cc_tui.api.admin import (
    AccountAuditEntry,
    AdminUser,
    CreateUserRequest,
    PatchUserRequest,
    Right,
)
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain import account_rules
from cc_tui.domain.account_rules import AccountAction, Actor, Refusal
from cc_tui.domain.forms import FieldType, FormField, validate_field
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.naming import is_participant_id
from cc_tui.domain.password import FORGOT_TITLE, TOKEN_HOW_TO
from cc_tui.domain.rights import DELEGATED_ADMIN, RIGHTS, roles_for, unknown_rights
from cc_tui.server import auth_mail, security_mail
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.errors import ApiError
from cc_tui.server.idempotency import IdempotentCall, check_key, run_once
from cc_tui.server.openapi import problem_responses
from cc_tui.server.security_mail import SecurityEvent
from cc_tui.server.store import admin as accounts
from cc_tui.server.store import login, sessions, users
from cc_tui.server.store.admin import AccountRow
from cc_tui.server.store.idempotency import StoredAnswer

log = logging.getLogger("cc_tui.server.admin")

router = APIRouter(prefix="/admin", tags=["accounts"])

# A set-up token lives longer than a reset token (ours): the new user may not read the
# mail within the half hour; an expired one is replaced by Forgot password.
SETUP_TTL = timedelta(days=3)
SETUP_SUBJECT = N_("Set up your Client Connect account")
SETUP_LINE = "Your account set-up token is {token}"
USER_EXISTS = "user_exists"

# A user ID is an e-mail address, checked by the forms' own e-mail rule.
USER_ID_FIELD = FormField(
    name="user_id", label="User ID", type=FieldType.EMAIL, example="kim.lee@harbour.example"
)
_EXCHANGE = "the exchange (Client Connect support)"

ActorRole = Literal["ccda", "exchange_officer"]


def setup_body(name: str, user_id: str, firm: str, token: str, ttl: timedelta) -> str:
    """In the current language: the administrator's who creates the account (their
    request's Accept-Language); the new user chooses their own in the Profile."""
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
        + (line if translated == line else f"{translated}\n{line}")
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
    acting = f" for {principal.participant_id}" if principal.participant_id else ""
    raise ApiError(
        403,
        ProblemCode.FORBIDDEN,
        f"Only a delegated administrator (CCDA) manages accounts, and you are not one{acting}.",
        _("Ask your firm's CCDA to create users, change rights, unlock or reset devices."),
    )


def _not_found(user_id: str) -> ApiError:
    return ApiError(
        404,
        ProblemCode.NOT_FOUND,
        f"There is no user {user_id} among the accounts you administer.",
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
    errors = [FieldError(field="rights", message=f"Not yours to change: {c}.") for c in codes]
    if not errors and refused.field is not None:
        errors = [FieldError(field=refused.field, message=_("Not yours to change."))]
    return ApiError(403, ProblemCode.FORBIDDEN, refused.detail, refused.fix, errors or None)


def _refuse(admin: Administrator, target: AccountRow, action: AccountAction) -> None:
    """403 unless the rules let this administrator take `action` on `target`."""
    refused = account_rules.refusal(admin.actor, _subject(target), action)
    if refused is not None:
        raise _forbidden(refused)


def _acting(admin: Administrator, principal: Principal) -> str:
    """Who acted, as a security notice names them."""
    if admin.is_exchange:
        return f"{principal.name} of the exchange (Client Connect support)"
    return f"{principal.name}, your firm's delegated administrator (CCDA),"


# Views ------------------------------------------------------------------------------------


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


def _reread(conn: sqlite3.Connection, account: AccountRow, admin: Administrator) -> AdminUser:
    fresh = accounts.account(conn, account.user.user_id, account.participant_id)
    assert fresh is not None
    return admin_view(fresh, admin)


def _right_names(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes))


def _audit(
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


# Idempotency ------------------------------------------------------------------------------


async def _run_once(
    request: Request,
    context: ServerContext,
    principal: Principal,
    key: str | None,
    body: str,
    change: Callable[[sqlite3.Connection], tuple[int, AdminUser]],
) -> tuple[Response, bool]:
    """`change` run once per key (`idempotency.run_once`); the answer, and whether the
    change ran now (not a replay), for the mail that follows only a change made now."""
    call = IdempotentCall.of(request, principal.user_id, check_key(key), body)

    def keyed(conn: sqlite3.Connection) -> tuple[StoredAnswer, None]:
        status, view = change(conn)
        return StoredAnswer(status=status, body=view.model_dump_json()), None

    ran = run_once(context.db, context.now(), call, keyed)
    if isinstance(ran, Response):
        return ran, False
    return ran.response(), True


IdempotencyKey = Annotated[str | None, Header(max_length=200)]


# Endpoints --------------------------------------------------------------------------------


@router.get("/rights", responses=problem_responses(401, 403))
async def get_rights(principal: CurrentPrincipal) -> list[Right]:
    """The catalogue of rights; `grantable` marks those this caller may grant or remove."""
    admin = administrator(principal)
    return [
        Right(
            code=right.code,
            name=right.name,
            description=right.description,
            kind=right.kind.value,
            eservices=list(right.eservices),
            grantable=right.code in admin.grantable,
        )
        for right in sorted(RIGHTS.values(), key=lambda r: (r.kind != "admin", r.code))
    ]


@router.get("/users", responses=problem_responses(401, 403))
async def get_users(context: Context, principal: CurrentPrincipal) -> list[AdminUser]:
    """A CCDA: every user of the acting membership. The exchange: every firm's CCDAs."""
    admin = administrator(principal)
    conn = context.db.connect()
    if admin.participant_id is not None:
        rows = accounts.membership_accounts(conn, admin.participant_id)
    else:
        rows = accounts.ccda_accounts(conn)
    return [admin_view(row, admin) for row in rows]


@router.get("/users/{user_id}", responses=problem_responses(401, 403, 404))
async def get_user(user_id: str, context: Context, principal: CurrentPrincipal) -> AdminUser:
    admin = administrator(principal)
    return admin_view(target_account(context.db.connect(), admin, user_id), admin)


@router.get("/users/{user_id}/audit", responses=problem_responses(401, 403, 404))
async def get_user_audit(
    user_id: str, context: Context, principal: CurrentPrincipal
) -> list[AccountAuditEntry]:
    """The account's changes, newest first (a CCDA sees those made for its membership)."""
    admin = administrator(principal)
    conn = context.db.connect()
    target = target_account(conn, admin, user_id)
    scope = None if admin.is_exchange else admin.participant_id
    return [
        AccountAuditEntry(
            at=row.at,
            actor=row.actor,
            actor_role="ccda" if row.actor_role == "ccda" else "exchange_officer",
            participant_id=row.participant_id,
            user_id=row.user_id,
            action=row.action,
            detail=row.detail,
        )
        for row in accounts.history(conn, target.user.user_id, scope)
    ]


def _new_user_membership(
    conn: sqlite3.Connection, admin: Administrator, body: CreateUserRequest
) -> str:
    """The membership a new user joins: the CCDA's own; the one the exchange names."""
    if admin.participant_id is not None:
        named = body.participant_id
        if named is not None and named != admin.participant_id:
            raise ApiError(
                422,
                ProblemCode.VALIDATION_FAILED,
                f"You act for {admin.participant_id}, so you create users for it, not for {named}.",
                f"Switch to {named} first if you administer it too, or leave the membership out.",
                [FieldError(field="participant_id", message=_("Not your acting membership."))],
            )
        return admin.participant_id
    named = (body.participant_id or "").strip().upper()
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
            f"There is no membership {named}.",
            _("Give the participant ID of an existing membership, as B01234."),
            [FieldError(field="participant_id", message=_("Unknown membership."))],
        )
    return named


def _check_rights(
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
            f"Not rights of the portal: {_right_names(unknown)}.",
            _("Choose rights from the catalogue (GET /admin/rights, the Accounts screen's list)."),
            [FieldError(field="rights", message=f"Unknown right {code}.") for code in unknown],
        )
    refused = account_rules.rights_refusal(admin.actor, held, wanted)
    if refused is not None:
        raise _forbidden(*refused)
    return wanted


@router.post(
    "/users",
    status_code=201,
    response_model=AdminUser,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_user(
    body: CreateUserRequest,
    request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Create a user with no password, for the acting membership, and e-mail it a one-time
    set-up token (it sets a password with POST /auth/password/reset)."""
    admin = administrator(principal)
    user_id = users.normalise_user_id(body.user_id)
    name = " ".join(body.name.split())
    issues = validate_field(USER_ID_FIELD, user_id)
    if issues:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            f"{issues[0].message} A user ID is the person's e-mail address.",
            issues[0].fix,
            [FieldError(field="user_id", message=issues[0].message, fix=issues[0].fix)],
        )
    if not name:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("The name is empty."),
            _("Type the person's name as colleagues know it."),
            [FieldError(field="name", message=_("This field is empty."))],
        )
    rights = _check_rights(admin, body.rights, frozenset())
    if admin.is_exchange and DELEGATED_ADMIN not in rights:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _(
                "The exchange creates a firm's delegated administrators: the new user needs the "
                "CCDA right."
            ),
            _("Include CC_DelegatedAdmin in rights; the firm's CCDA creates its business users."),
            [FieldError(field="rights", message=_("Include CC_DelegatedAdmin."))],
        )
    now = context.now()
    setup_token: list[str] = []

    def change(conn: sqlite3.Connection) -> tuple[int, AdminUser]:
        participant_id = _new_user_membership(conn, admin, body)
        if not users.create_user(conn, user_id, name, now):
            raise ApiError(
                409,
                USER_EXISTS,
                f"The user ID {user_id} is already taken on the portal.",
                "Check the address. If the person already has a Client Connect account "
                f"for another firm, ask {_EXCHANGE} to add your membership to it.",
                [FieldError(field="user_id", message=_("Already taken."))],
            )
        users.add_membership(conn, user_id, participant_id)
        users.grant_rights(conn, user_id, participant_id, sorted(rights))
        setup_token.append(login.create_password_reset(conn, user_id, now, SETUP_TTL))
        found = accounts.account(conn, user_id, participant_id)
        assert found is not None
        _audit(
            conn,
            admin,
            found,
            now,
            action="create",
            detail=f"Created {name} with rights: {_right_names(rights) or 'none'}; "
            "set-up e-mail sent.",
        )
        return 201, admin_view(found, admin)

    answer, ran = await _run_once(
        request, context, principal, idempotency_key, body.model_dump_json(), change
    )
    if ran and setup_token:
        await _send_setup(context, user_id, name, setup_token[0])
    return answer


async def _send_setup(context: ServerContext, user_id: str, name: str, token: str) -> None:
    conn = context.db.connect()
    membership = users.memberships(conn, user_id)
    firm = membership[0].name if membership else "the exchange"
    body = setup_body(name, user_id, firm, token, SETUP_TTL)
    if not await auth_mail.send(context.mailer, user_id, _(SETUP_SUBJECT), body):
        log.warning("the set-up mail to %s was not sent; it can be sent again", user_id)


@router.post(
    "/users/{user_id}/setup-mail",
    response_model=AdminUser,
    responses=problem_responses(401, 403, 404, 409),
)
async def resend_setup_mail(
    user_id: str,
    request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Send a new set-up token to a user who has not set a password yet (the older token
    stops working)."""
    admin = administrator(principal)
    now = context.now()
    sent: list[tuple[str, str, str]] = []

    def change(conn: sqlite3.Connection) -> tuple[int, AdminUser]:
        target = target_account(conn, admin, user_id)
        _refuse(admin, target, AccountAction.SETUP_MAIL)
        if target.password_set:
            raise ApiError(
                409,
                ProblemCode.INVALID_TRANSITION,
                f"{target.user.name} has already set a password, so there is nothing to set up.",
                _("If they forgot it, they use Forgot password at the login."),
            )
        token = login.create_password_reset(conn, target.user.user_id, now, SETUP_TTL)
        sent.append((target.user.user_id, target.user.name, token))
        _audit(
            conn,
            admin,
            target,
            now,
            action="setup_mail",
            detail="Set-up e-mail sent again; the older token no longer works.",
        )
        return 200, admin_view(target, admin)

    answer, ran = await _run_once(request, context, principal, idempotency_key, "", change)
    if ran and sent:
        await _send_setup(context, *sent[0])
    return answer


@router.patch("/users/{user_id}", responses=problem_responses(401, 403, 404, 422))
async def patch_user(
    user_id: str, body: PatchUserRequest, context: Context, principal: CurrentPrincipal
) -> AdminUser:
    """Change a user's status, rights or both, all or nothing. Suspending ends the user's
    sessions; the same status again changes nothing."""
    admin = administrator(principal)
    if body.status is None and body.rights is None:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("The change names nothing to change."),
            _("Send status (active or suspended), rights (the whole new list), or both."),
        )
    now = context.now()
    with context.db.transaction() as conn:
        target = target_account(conn, admin, user_id)
        name = target.user.name
        subject = target.user.user_id
        # Every part of the change is checked before anything is written.
        if body.status is not None:
            wants = (
                AccountAction.SUSPEND if body.status == "suspended" else AccountAction.REACTIVATE
            )
            _refuse(admin, target, wants)
        if body.rights is not None:
            _refuse(admin, target, AccountAction.RIGHTS)
            wanted = _check_rights(admin, body.rights, target.rights)
        if body.status is not None and body.status != (
            "active" if target.user.active else "suspended"
        ):
            accounts.set_status(conn, subject, body.status)
            if body.status == "suspended":
                sessions.revoke_user_sessions(conn, subject, now)
            _audit(
                conn,
                admin,
                target,
                now,
                action="suspend" if body.status == "suspended" else "reactivate",
                detail=(
                    f"Suspended {name}; every session ended."
                    if body.status == "suspended"
                    else f"Reactivated {name}."
                ),
            )
        if body.rights is not None and wanted != target.rights:
            accounts.replace_rights(conn, subject, target.participant_id, wanted)
            granted = wanted - target.rights
            removed = target.rights - wanted
            parts: list[str] = []
            if granted:
                parts.append(f"Granted {_right_names(granted)}")
            if removed:
                parts.append(f"{'r' if granted else 'R'}emoved {_right_names(removed)}")
            _audit(
                conn,
                admin,
                target,
                now,
                action="rights",
                detail="; ".join(parts) + ".",
            )
        return _reread(conn, target, admin)


@router.post(
    "/users/{user_id}/unlock",
    response_model=AdminUser,
    responses=problem_responses(401, 403, 404),
)
async def unlock_user(
    user_id: str,
    request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Unlock an account locked by failed attempts and clear its count. A CCDA unlocks
    its firm's business users, the exchange a CCDA. An unlocked account is left as is."""
    admin = administrator(principal)
    now = context.now()

    def change(conn: sqlite3.Connection) -> tuple[int, AdminUser]:
        target = target_account(conn, admin, user_id)
        _refuse(admin, target, AccountAction.UNLOCK)
        if target.user.locked:
            users.unlock(conn, target.user.user_id)
            security_mail.mail_later(
                context,
                target.user.user_id,
                SecurityEvent.UNLOCKED,
                now,
                by=_acting(admin, principal),
            )
            _audit(
                conn,
                admin,
                target,
                now,
                action="unlock",
                detail=f"Unlocked {target.user.name} after {target.user.failed_attempts} "
                "failed attempts.",
            )
        return 200, _reread(conn, target, admin)

    answer, _ = await _run_once(request, context, principal, idempotency_key, "", change)
    return answer


@router.post(
    "/users/{user_id}/reset-device",
    response_model=AdminUser,
    responses=problem_responses(401, 403, 404),
)
async def reset_device(
    user_id: str,
    request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Forget the user's authenticator: its next login by app registers a new one."""
    admin = administrator(principal)
    now = context.now()

    def change(conn: sqlite3.Connection) -> tuple[int, AdminUser]:
        target = target_account(conn, admin, user_id)
        _refuse(admin, target, AccountAction.RESET_DEVICE)
        users.reset_device(conn, target.user.user_id)
        security_mail.mail_later(
            context,
            target.user.user_id,
            SecurityEvent.DEVICE_RESET,
            now,
            by=_acting(admin, principal),
        )
        had = (
            "their authenticator was forgotten"
            if target.user.device_registered
            else ("no authenticator was registered")
        )
        _audit(
            conn,
            admin,
            target,
            now,
            action="reset_device",
            detail=f"Reset the OTP device of {target.user.name}: {had}.",
        )
        return 200, _reread(conn, target, admin)

    answer, _ = await _run_once(request, context, principal, idempotency_key, "", change)
    return answer
