"""Login: password, then a one-time password, carried between the steps by a ticket.

Decisions (DOMAIN.md's rules, and ours where it is silent):
- Unknown user, wrong password and an account with no password yet get one answer,
  401 `invalid_credentials`, at the same cost (an argon2 verify against a dummy hash).
- Failed password and OTP attempts count together; the 5th in a row locks (that answer
  is already 423). Only a completed login (or a CCDA's unlock, or a password reset)
  clears the count: a right password alone does not, or knowing the password would
  buy unlimited OTP guesses, 4 per ticket. A locked account gets 423 whatever it sends,
  and nothing about it changes.
- The ticket (256 random bits, stored hashed) lasts `settings.ticket_ttl` from the
  password step and grants only the steps below; a completed login uses it up.
- For a login by e-mail, POST /auth/login itself sends the first code, so it is on its
  way while the OTP screen opens; POST /auth/otp/email sends another (at most one a
  30 s per ticket, 429 with Retry-After), which invalidates the older one and leaves the
  failure count alone.
- `device_registration` is "required" or "offered" as the user's record says (a CCDA or
  the firm decides; checker@harbour.example is "required"), and "offered" for an app
  user with no authenticator at all. POST /auth/device works ONLY on a ticket the
  password step marked "offered" or "required" (403 otherwise, saying to register from
  the Profile): a second factor is changed only with a second factor, so knowing the
  password alone never registers a device. It keeps the new secret pending on the
  ticket; POST /auth/otp then checks the code against the NEW secret only, and the new
  secret replaces the old only when it verifies (after which the user's record owes
  nothing, so the next login offers nothing). A code from the old device is refused
  from the moment registration starts.
- POST /auth/device/skip, only where registration is "offered" (403 where "required"
  or where nothing was offered), drops any pending registration and answers 204: the
  login goes on with the old authenticator, or, when the user has none, by e-mail, and
  the skip sends that code.
- A used ticket forgets its pending secret and its e-mail code at once; an expired one
  is never read again and housekeeping clears both (`login.forget_expired_secrets`).
- A set-up or reset token typed as a password is recognised by its shape (the password
  rule refuses that shape, so no password has it): 401 `token_not_password` pointing to
  the screen where a token goes, and no failure counted. Unknown users get the same
  answer, so it tells nothing about who exists.
- When the e-mail code cannot be sent (the relay refuses or is down), the login answers
  503 `mail_failed` rather than a ticket whose code never comes; nothing is counted.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Request, Response

from cc_tui.api.auth import (
    DeviceRegistration,
    ForgotPasswordRequest,
    LoginRequest,
    LoginResponse,
    OtpRequest,
    ResetPasswordRequest,
    Session,
    TicketRequest,
)
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain import otp, password
from cc_tui.domain.i18n import _, speaking
from cc_tui.server import auth_mail, security_mail
from cc_tui.server.accounts import (
    invalid_credentials,
    locked_error,
    new_password_error,
    registration_of,
    suspended_error,
    user_view,
)
from cc_tui.server.context import ServerContext
from cc_tui.server.deps import Context
from cc_tui.server.errors import ApiError
from cc_tui.server.openapi import problem_responses
from cc_tui.server.security import hash_password_async, needs_rehash, verify_password_async
from cc_tui.server.security_mail import SecurityEvent
from cc_tui.server.store import lockout, login, sessions, users
from cc_tui.server.store.login import Ticket
from cc_tui.server.store.users import DeviceNeed, OtpChannel, UserRow

router = APIRouter(prefix="/auth", tags=["login"])


# Refusals ------------------------------------------------------------------------------


def _ticket_expired(context: ServerContext) -> ApiError:
    minutes = max(1, int(context.settings.ticket_ttl.total_seconds() // 60))
    return ApiError(
        401,
        ProblemCode.TICKET_EXPIRED,
        _(
            "Your login took longer than {minutes} minutes, or was already completed, so this "
            "step is no longer open."
        ).format(minutes=minutes),
        _("Start again with your user ID and password."),
    )


def _register_now() -> ApiError:
    return ApiError(
        403,
        ProblemCode.FORBIDDEN,
        _("Your firm requires you to register your device now."),
        _(
            "Choose Register device, scan the QR code with your authenticator app, then enter "
            "the 6-digit code it shows."
        ),
    )


def _code_error(code: str) -> ApiError:
    return ApiError(
        422,
        ProblemCode.VALIDATION_FAILED,
        _("A one-time password is 6 digits."),
        _("Type the 6 digits from the e-mail or your authenticator app."),
        [
            FieldError(
                field="code",
                message=_("{code} is not 6 digits.").format(code=repr(code.strip()[:12])),
            )
        ],
    )


def _token_not_password() -> ApiError:
    return ApiError(
        401,
        ProblemCode.TOKEN_NOT_PASSWORD,
        _("That is a set-up or reset token, not a password; it was not counted as a failed login."),
        _(password.TOKEN_HOW_TO),
    )


def _mail_failed() -> ApiError:
    return ApiError(
        503,
        ProblemCode.MAIL_FAILED,
        _("The portal could not send your one-time password by e-mail just now."),
        _(
            "Try again in a minute. If it keeps failing, the portal's mail relay is down: tell "
            "its operator (the portal's log names the relay and its error)."
        ),
        headers={"Retry-After": "60"},
    )


# Shared steps ----------------------------------------------------------------------------


def device_need(user: UserRow) -> DeviceNeed:
    """What the password step tells the client about device registration."""
    if user.otp_channel != "app":
        return "none"
    if user.device_registration != "none":
        return user.device_registration
    return "none" if user.device_registered else "offered"


def _open_ticket(context: ServerContext, ticket: str) -> tuple[Ticket, UserRow]:
    """The live ticket and its user, or the refusal: expired, locked or suspended."""
    conn = context.db.connect()
    row = login.live_ticket(conn, ticket, context.now())
    if row is None:
        raise _ticket_expired(context)
    user = users.get_user(conn, row.user_id)
    if user is None:
        raise _ticket_expired(context)
    if user.locked:
        raise locked_error()
    if not user.active:
        raise suspended_error()
    return row, user


async def _send_email_code(context: ServerContext, ticket: Ticket, user: UserRow) -> bool:
    """Store a fresh code for this ticket (the older one stops working), then mail it.
    If the mail cannot go, the code is dropped so the user may ask again at once."""
    code = otp.new_email_code()
    now = context.now()
    # The code ends with its login: one lifetime, `settings.ticket_ttl`, for both.
    with context.db.transaction() as conn:
        login.store_email_code(conn, ticket.ticket_hash, code, now, ticket.expires_at - now)
    with speaking(user.language):
        body = auth_mail.otp_body(user.name, code, ticket.created_at, ticket.expires_at)
        subject = _(auth_mail.OTP_SUBJECT)
    sent = await auth_mail.send(context.mailer, user.user_id, subject, body)
    if not sent:
        with context.db.transaction() as conn:
            login.forget_email_send(conn, ticket.ticket_hash)
    return sent


def _retry_after(context: ServerContext, ticket: Ticket) -> int:
    """Seconds until this ticket may have another e-mail code (0: now)."""
    if ticket.email_code_sent_at is None:
        return 0
    wait = ticket.email_code_sent_at + context.settings.email_code_interval - context.now()
    return max(0, math.ceil(wait.total_seconds()))


# Endpoints -------------------------------------------------------------------------------


def client_address(request: Request) -> str:
    """Who is calling, for the throttle: the peer's address (no proxy is trusted)."""
    return request.client.host if request.client is not None else "unknown"


def _throttle(context: ServerContext, client: str) -> None:
    """429 with Retry-After once `login_throttle` logins from this address have failed
    within `login_throttle_window`, whatever user IDs they named."""
    settings = context.settings
    now = context.now()
    failures = lockout.client_failures_since(
        context.db.connect(), client, now - settings.login_throttle_window
    )
    if len(failures) < settings.login_throttle:
        return
    # The attempt may go again once enough failures have left the window.
    frees_at = failures[len(failures) - settings.login_throttle] + settings.login_throttle_window
    wait = max(1, math.ceil((frees_at - now).total_seconds()))
    window = int(settings.login_throttle_window.total_seconds())
    raise ApiError(
        429,
        ProblemCode.RATE_LIMITED,
        _("Too many failed logins from your address: {count} in the last {window} seconds.").format(
            count=len(failures), window=window
        ),
        _(
            "Wait {wait} seconds, then try again with the right user ID and password; Forgot "
            "password sets a new one."
        ).format(wait=wait),
        headers={"Retry-After": str(wait)},
    )


def _count_failure(context: ServerContext, client: str, user_id: str, known: bool) -> bool:
    """Count a failed password against the account (or the unknown user ID, the same
    way) and against the client address; True when the account is now locked."""
    settings = context.settings
    now = context.now()
    with context.db.transaction() as tx:
        lockout.record_client_failure(tx, client, now)
        if known:
            return users.record_failure(tx, user_id, now, settings.max_failures)
        return lockout.record_unknown_failure(tx, user_id, now, settings.max_failures)


def _count_failure_of_locked(context: ServerContext, client: str) -> None:
    """An attempt on a locked account (or a locked unknown ID) counts for the throttle."""
    with context.db.transaction() as tx:
        lockout.record_client_failure(tx, client, context.now())


@router.post("/login", responses=problem_responses(401, 403, 422, 423, 429, 503))
async def post_login(body: LoginRequest, request: Request, context: Context) -> LoginResponse:
    """Check the password; on success start a ticket (and, by e-mail, send the first code)."""
    settings = context.settings
    client = client_address(request)
    _throttle(context, client)
    conn = context.db.connect()
    user = users.get_user(conn, body.user_id)
    # Both lookups run for every attempt, so a known and an unknown ID cost the same.
    unknown_locked = lockout.unknown_locked(conn, body.user_id)
    if user.locked if user is not None else unknown_locked:
        _count_failure_of_locked(context, client)
        raise locked_error()
    if password.looks_like_token(body.password):
        raise _token_not_password()
    stored = user.password_hash if user is not None else None
    if not await verify_password_async(settings, stored, body.password):
        now_locked = _count_failure(context, client, body.user_id, user is not None)
        if now_locked:
            if user is not None:
                security_mail.mail_later(context, user.user_id, SecurityEvent.LOCKED, context.now())
            raise locked_error()
        raise invalid_credentials()
    assert user is not None and stored is not None
    fresh_hash = (
        await hash_password_async(settings, body.password)
        if needs_rehash(settings, stored)
        else None
    )
    need = device_need(user)
    with context.db.transaction() as tx:
        # Re-read: another attempt may have locked the account while argon2 ran.
        current = users.get_user(tx, user.user_id)
        if current is None:
            raise invalid_credentials()
        if current.locked:
            raise locked_error()
        if not current.active:
            raise suspended_error()
        now = context.now()
        if fresh_hash is not None:
            users.set_password_hash(tx, user.user_id, fresh_hash, now)
        ticket, row = login.create_ticket(
            tx, user.user_id, now, settings.ticket_ttl, user.otp_channel, need
        )
    if row.channel == "email" and not await _send_email_code(context, row, user):
        raise _mail_failed()
    return LoginResponse(
        ticket=ticket,
        otp_channel=user.otp_channel,
        device_registration=need,
        device_registered=user.device_registered,
        code_ttl_seconds=int(settings.ticket_ttl.total_seconds()),
    )


@router.post(
    "/otp/email",
    status_code=202,
    response_class=Response,
    responses=problem_responses(401, 403, 422, 423, 429, 503),
)
async def post_otp_email(body: TicketRequest, context: Context) -> Response:
    """Send a fresh e-mail code for this login (the older one stops working)."""
    ticket, user = _open_ticket(context, body.ticket)
    if ticket.channel != "email":
        raise ApiError(
            403,
            ProblemCode.FORBIDDEN,
            _("This login's code comes from your authenticator app, not by e-mail."),
            _(
                "Enter the 6-digit code your app shows; if you lost the device, ask your "
                "firm's delegated administrator (CCDA) to reset it."
            ),
        )
    wait = _retry_after(context, ticket)
    if wait > 0:
        raise ApiError(
            429,
            ProblemCode.RATE_LIMITED,
            _("A code was sent less than {seconds} seconds ago.").format(
                seconds=int(context.settings.email_code_interval.total_seconds())
            ),
            _(
                "Wait {wait} seconds, then ask again; meanwhile the last code sent still works."
            ).format(wait=wait),
            headers={"Retry-After": str(wait)},
        )
    if not await _send_email_code(context, ticket, user):
        raise _mail_failed()
    return Response(status_code=202)


def _register_from_profile() -> ApiError:
    return ApiError(
        403,
        ProblemCode.FORBIDDEN,
        _(
            "This login offers no device registration: an authenticator is registered or "
            "replaced only by someone who can already log in with the second factor."
        ),
        _(
            "Log in with your one-time password, then register or replace your authenticator "
            "app from your Profile (F2); if you lost your device, ask your firm's delegated "
            "administrator (CCDA) to reset it."
        ),
    )


@router.post("/device", responses=problem_responses(401, 403, 422, 423))
async def post_device(body: TicketRequest, context: Context) -> DeviceRegistration:
    """Start registering an authenticator on a login the portal marked "offered" or
    "required": a new secret, pending on this ticket. With POST /me/device, the only
    responses that ever carry a secret."""
    ticket, user = _open_ticket(context, body.ticket)
    if ticket.device_need not in ("offered", "required"):
        raise _register_from_profile()
    secret = otp.new_totp_secret()
    with context.db.transaction() as conn:
        login.start_device_registration(conn, ticket.ticket_hash, secret)
    return registration_of(secret, user.user_id)


@router.post(
    "/device/skip",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 422, 423, 503),
)
async def post_device_skip(body: TicketRequest, context: Context) -> Response:
    """Skip an offered registration: go on with the old authenticator, or by e-mail when
    there is none (this call then sends the code)."""
    ticket, user = _open_ticket(context, body.ticket)
    if ticket.device_need == "required":
        raise _register_now()
    if ticket.device_need != "offered":
        raise ApiError(
            403,
            ProblemCode.FORBIDDEN,
            _("This login has no device registration to skip."),
            _("Enter your one-time password."),
        )
    channel: OtpChannel = "app" if user.device_registered else "email"
    with context.db.transaction() as conn:
        login.skip_device_registration(conn, ticket.ticket_hash, channel)
    has_code = login.email_code_live(ticket, context.now())
    if (
        channel == "email"
        and not has_code
        and _retry_after(context, ticket) == 0
        and not await _send_email_code(context, ticket, user)
    ):
        raise _mail_failed()
    return Response(status_code=204)


@router.post("/otp", responses=problem_responses(401, 403, 422, 423))
async def post_otp(body: OtpRequest, context: Context) -> Session:
    """Check the one-time password; on success the ticket is used up and a session starts."""
    settings = context.settings
    with context.db.transaction() as conn:
        # An expired ticket or a locked account answers the same, whatever code is sent.
        ticket, user = _open_ticket(context, body.ticket)
        code = otp.normalise_code(body.code)
        if code is None:
            raise _code_error(body.code)
        now = context.now()
        registering = ticket.pending_totp_secret
        if registering is not None:
            check = otp.verify_totp(registering, code, now, None)
        elif ticket.channel == "email":
            good = login.email_code_matches(ticket, code, now)
            check = otp.OtpResult(otp.OtpCheck.OK if good else otp.OtpCheck.INVALID, None)
        elif ticket.device_need == "required":
            raise _register_now()
        elif user.totp_secret is None:
            raise ApiError(
                403,
                ProblemCode.FORBIDDEN,
                _("You have no authenticator app registered yet."),
                _("Choose Register device, or skip this step to get a code by e-mail."),
            )
        else:
            check = otp.verify_totp(user.totp_secret, code, now, user.totp_last_step)
        if check.ok:
            if registering is not None:
                assert check.step is not None
                users.register_device(conn, user.user_id, registering, check.step)
                event = (
                    SecurityEvent.DEVICE_REPLACED
                    if user.device_registered
                    else SecurityEvent.DEVICE_REGISTERED
                )
                security_mail.mail_later(context, user.user_id, event, now)
            elif check.step is not None:
                users.record_totp_step(conn, user.user_id, check.step)
            login.use_ticket(conn, ticket.ticket_hash, now)
            users.reset_failures(conn, user.user_id)
            token, expires_at = sessions.create_session(
                conn, user.user_id, now, settings.session_absolute
            )
            signed_in = users.get_user(conn, user.user_id)
            assert signed_in is not None
            return Session(token=token, expires_at=expires_at, user=user_view(conn, signed_in))
        # A failure is counted and committed before it is answered.
        if users.record_failure(conn, user.user_id, now, settings.max_failures):
            security_mail.mail_later(context, user.user_id, SecurityEvent.LOCKED, now)
            failure = locked_error()
        elif check.check is otp.OtpCheck.REUSED:
            failure = ApiError(
                401,
                ProblemCode.OTP_REUSED,
                _("That code has already been used; each code works once."),
                _("Wait for your app to show a new code (at most 30 seconds), then enter it."),
            )
        else:
            failure = _otp_invalid(ticket)
    raise failure


def _otp_invalid(ticket: Ticket) -> ApiError:
    if ticket.pending_totp_secret is not None:
        fix = _(
            "Enter the code from the device you just registered (the new entry in your "
            "app); codes from an older registration no longer work."
        )
    elif ticket.channel == "email":
        fix = _("Enter the code from the newest e-mail, or ask for a new code.")
    else:
        fix = _("Enter the code your authenticator app shows now.")
    return ApiError(
        401,
        ProblemCode.OTP_INVALID,
        _("That one-time password is not correct, or has expired."),
        fix + " " + _("After 5 failed attempts in a row the account is locked."),
    )


@router.post("/logout", status_code=204, response_class=Response)
async def post_logout(
    context: Context, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Revoke the session at once. Always 204: a session already ended stays ended."""
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        with context.db.transaction() as conn:
            session = sessions.find_session(conn, token)
            if session is not None:
                sessions.revoke_session(conn, session.token_hash, context.now())
    return Response(status_code=204)


@router.post(
    "/password/forgot", status_code=202, response_class=Response, responses=problem_responses(422)
)
async def post_password_forgot(
    body: ForgotPasswordRequest, context: Context, background: BackgroundTasks
) -> Response:
    """Mail a one-time reset token to a known, active user. Always 202, known user or
    not, and in the same time: the handler only schedules the work, which runs after the
    answer has gone (looking the user up, the token, the mail), so neither the answer
    nor its timing says whether the user exists. At most one mail a 30 s per user
    (later asks within that are ignored)."""
    background.add_task(_send_reset, context, body.user_id)
    return Response(status_code=202)


async def _send_reset(context: ServerContext, user_id: str) -> None:
    settings = context.settings
    user = users.get_user(context.db.connect(), user_id)
    if user is None or not user.active:
        return
    now = context.now()
    with context.db.transaction() as conn:
        last = login.last_password_reset_at(conn, user.user_id)
        if last is not None and now - last < settings.email_code_interval:
            return
        token = login.create_password_reset(conn, user.user_id, now, settings.password_reset_ttl)
    with speaking(user.language):
        body_text = auth_mail.reset_body(user.name, token, settings.password_reset_ttl)
        subject = _(auth_mail.RESET_SUBJECT)
    await auth_mail.send(context.mailer, user.user_id, subject, body_text)


def _reset_expired() -> ApiError:
    return ApiError(
        422,
        ProblemCode.VALIDATION_FAILED,
        _("This reset token has expired or was already used."),
        _("Ask for a new one with Forgot password; a token works once, within 30 minutes."),
        [FieldError(field="token", message=_("Expired, used or unknown."))],
    )


@router.post(
    "/password/reset", status_code=204, response_class=Response, responses=problem_responses(422)
)
async def post_password_reset(body: ResetPasswordRequest, context: Context) -> Response:
    """Set a new password with a reset token. Ends every session of the user; clears the
    failure count but does not unlock (that stays the CCDA's act)."""
    conn = context.db.connect()
    user_id = login.live_password_reset(conn, body.token, context.now())
    if user_id is None:
        raise _reset_expired()
    policy = new_password_error(body.new_password, user_id)
    if policy is not None:
        raise policy
    new_hash = await hash_password_async(context.settings, body.new_password)
    with context.db.transaction() as tx:
        now = context.now()
        if login.live_password_reset(tx, body.token, now) != user_id:
            raise _reset_expired()
        login.use_password_reset(tx, body.token, now)
        users.set_password_hash(tx, user_id, new_hash, now)
        users.reset_failures(tx, user_id)
        sessions.revoke_user_sessions(tx, user_id, now)
    security_mail.mail_later(context, user_id, SecurityEvent.PASSWORD_RESET, now)
    return Response(status_code=204)
