"""Accounts: a firm's delegated administrators (CCDAs) manage its users; the exchange
manages the CCDAs.

Who may do what is `cc_tui.domain.account_rules` (segregation of duties): a CCDA
administers the business users of its acting membership and grants them business
rights only; it never changes its own account, nor another CCDA's (the exchange manages
CCDAs). The exchange officer creates and manages a firm's CCDAs and grants or removes
the CCDA right only. This router parses, finds the account, asks those rules (as
`server/account_admin.py` applies them), and writes; the set-up mail is `auth_mail`'s.
GET /admin/users answers, for each user, the actions the caller may take (`allowed`),
from the same rules. Anyone but a CCDA or the exchange gets 403 with a
sentence; a user outside what the caller administers (another firm's, say) is 404, as
if it did not exist.

Every change is one transaction with its `user_audit` row; a change that changes
nothing (unlocking an unlocked account) writes none. Suspending a user ends its
sessions at once. The POSTs honour `Idempotency-Key` as every other POST does
(`server.idempotency`): a retry gets the first answer (`Idempotent-Replayed: true`) and
changes nothing, and above all sends no second set-up e-mail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from cc_tui.api.admin import (
    AccountAuditEntry,
    AdminUser,
    CreateUserRequest,
    PatchUserRequest,
    Right,
)
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain.account_rules import AccountAction
from cc_tui.domain.forms import validate_field
from cc_tui.domain.i18n import _
from cc_tui.domain.rights import DELEGATED_ADMIN, RIGHTS, right_words
from cc_tui.server import security_mail
from cc_tui.server.account_admin import (
    EXCHANGE_WORDS,
    USER_EXISTS,
    USER_ID_FIELD,
    acting_words,
    admin_view,
    administrator,
    audit,
    check_rights,
    new_user_membership,
    refuse,
    reread,
    right_names,
    send_setup,
    target_account,
)
from cc_tui.server.auth_mail import SETUP_TTL
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.errors import ApiError
from cc_tui.server.idempotency import IdempotentCall, check_key, run_once
from cc_tui.server.openapi import problem_responses
from cc_tui.server.security_mail import SecurityEvent
from cc_tui.server.store import admin as accounts
from cc_tui.server.store import login, sessions, users
from cc_tui.server.store.idempotency import StoredAnswer

router = APIRouter(prefix="/admin", tags=["accounts"])


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
    rights = sorted(RIGHTS.values(), key=lambda r: (r.kind != "admin", r.code))
    return [
        Right(
            code=right.code,
            name=name,
            description=description,
            kind=right.kind.value,
            eservices=list(right.eservices),
            grantable=right.code in admin.grantable,
        )
        for right in rights
        for name, description in [right_words(right)]
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
            _("{message} A user ID is the person's e-mail address.").format(
                message=issues[0].message
            ),
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
    rights = check_rights(admin, body.rights, frozenset())
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
        participant_id = new_user_membership(conn, admin, body)
        if not users.create_user(conn, user_id, name, now):
            raise ApiError(
                409,
                USER_EXISTS,
                _("The user ID {user_id} is already taken on the portal.").format(user_id=user_id),
                _(
                    "Check the address. If the person already has a Client Connect account for "
                    "another firm, ask {exchange} to add your membership to it."
                ).format(exchange=_(EXCHANGE_WORDS)),
                [FieldError(field="user_id", message=_("Already taken."))],
            )
        users.add_membership(conn, user_id, participant_id)
        users.grant_rights(conn, user_id, participant_id, sorted(rights))
        setup_token.append(login.create_password_reset(conn, user_id, now, SETUP_TTL))
        found = accounts.account(conn, user_id, participant_id)
        assert found is not None
        audit(
            conn,
            admin,
            found,
            now,
            action="create",
            detail=f"Created {name} with rights: {right_names(rights) or 'none'}; "
            "set-up e-mail sent.",
        )
        return 201, admin_view(found, admin)

    answer, ran = await _run_once(
        request, context, principal, idempotency_key, body.model_dump_json(), change
    )
    if ran and setup_token:
        await send_setup(context, user_id, name, setup_token[0])
    return answer


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
        refuse(admin, target, AccountAction.SETUP_MAIL)
        if target.password_set:
            raise ApiError(
                409,
                ProblemCode.INVALID_TRANSITION,
                _("{name} has already set a password, so there is nothing to set up.").format(
                    name=target.user.name
                ),
                _("If they forgot it, they use Forgot password at the login."),
            )
        token = login.create_password_reset(conn, target.user.user_id, now, SETUP_TTL)
        sent.append((target.user.user_id, target.user.name, token))
        audit(
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
        await send_setup(context, *sent[0])
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
            refuse(admin, target, wants)
        if body.rights is not None:
            refuse(admin, target, AccountAction.RIGHTS)
            wanted = check_rights(admin, body.rights, target.rights)
        if body.status is not None and body.status != (
            "active" if target.user.active else "suspended"
        ):
            accounts.set_status(conn, subject, body.status)
            if body.status == "suspended":
                sessions.revoke_user_sessions(conn, subject, now)
            audit(
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
                parts.append(f"Granted {right_names(granted)}")
            if removed:
                parts.append(f"{'r' if granted else 'R'}emoved {right_names(removed)}")
            audit(
                conn,
                admin,
                target,
                now,
                action="rights",
                detail="; ".join(parts) + ".",
            )
        return reread(conn, target, admin)


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
        refuse(admin, target, AccountAction.UNLOCK)
        if target.user.locked:
            users.unlock(conn, target.user.user_id)
            security_mail.mail_later(
                context,
                target.user.user_id,
                SecurityEvent.UNLOCKED,
                now,
                by=acting_words(admin, principal),
            )
            audit(
                conn,
                admin,
                target,
                now,
                action="unlock",
                detail=f"Unlocked {target.user.name} after {target.user.failed_attempts} "
                "failed attempts.",
            )
        return 200, reread(conn, target, admin)

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
        refuse(admin, target, AccountAction.RESET_DEVICE)
        users.reset_device(conn, target.user.user_id)
        security_mail.mail_later(
            context,
            target.user.user_id,
            SecurityEvent.DEVICE_RESET,
            now,
            by=acting_words(admin, principal),
        )
        had = (
            "their authenticator was forgotten"
            if target.user.device_registered
            else ("no authenticator was registered")
        )
        audit(
            conn,
            admin,
            target,
            now,
            action="reset_device",
            detail=f"Reset the OTP device of {target.user.name}: {had}.",
        )
        return 200, reread(conn, target, admin)

    answer, _ = await _run_once(request, context, principal, idempotency_key, "", change)
    return answer
