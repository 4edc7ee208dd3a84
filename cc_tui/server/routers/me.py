"""Me: who I am, my password, my OTP channel.

- A wrong current password on POST /me/password counts as a failed attempt (a stolen
  session must not become a way to guess the password); it answers 422 naming the field,
  not 401, because the session itself is fine.
- A password change ends every other session of the user, keeps this one.
- PUT /me/language {language} stores the user's language (en or zh-Hant; zh-HK, zh-TW
  and zh-MO are taken as zh-Hant); anything else is 422 saying which two there are.
- PUT /me/otp-channel to "app" needs a registered authenticator (409
  `device_not_registered` otherwise, saying to register one from the Profile).
- An authenticator is registered or replaced from the Profile with a session AND the
  current password again: POST /me/device {current_password} answers the new secret
  (pending, for this session only, for as long as a login ticket lives); POST
  /me/device/confirm {code} with a code from the NEW secret makes it the user's and
  switches the channel to the app. A code from the old device, or a confirm from
  another session, changes nothing. A wrong current password counts as a failed
  attempt, as on POST /me/password.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from cc_tui.api.auth import (
    ChangePasswordRequest,
    DeviceConfirmRequest,
    DeviceEnrolRequest,
    DeviceRegistration,
    LanguageRequest,
    OtpChannelRequest,
    User,
)
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain import otp
from cc_tui.domain.i18n import _, language_of
from cc_tui.server import security_mail
from cc_tui.server.accounts import (
    locked_error,
    new_password_error,
    registration_of,
    user_view,
)
from cc_tui.server.context import ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.errors import ApiError
from cc_tui.server.fast_route import FastRoute, fast_lane, no_parameters
from cc_tui.server.openapi import problem_responses
from cc_tui.server.security import hash_password_async, verify_password_async
from cc_tui.server.security_mail import SecurityEvent
from cc_tui.server.store import devices, sessions, users
from cc_tui.server.store.users import UserRow

# GET /me takes fast_route.py's lane (every TUI start and refresh asks).
router = APIRouter(prefix="/me", tags=["me"], route_class=FastRoute)


def _current_user(context: Context, principal: CurrentPrincipal) -> UserRow:
    user = users.get_user(context.db.connect(), principal.user_id)
    if user is None:
        raise ApiError(
            401,
            ProblemCode.SESSION_EXPIRED,
            _("Your account no longer exists."),
            _("Log in again."),
        )
    return user


async def _check_current_password(context: ServerContext, user: UserRow, password: str) -> None:
    """422 naming `current_password` when it is wrong; the failure counts toward the
    lockout (423 on the 5th), so a stolen session is no way to guess the password."""
    settings = context.settings
    if await verify_password_async(settings, user.password_hash, password):
        return
    with context.db.transaction() as conn:
        locked = users.record_failure(conn, user.user_id, context.now(), settings.max_failures)
    if locked:
        security_mail.mail_later(context, user.user_id, SecurityEvent.LOCKED, context.now())
        raise locked_error()
    raise ApiError(
        422,
        ProblemCode.VALIDATION_FAILED,
        _("The current password is not correct."),
        _("Type your current password again; after 5 failed attempts the account is locked."),
        [FieldError(field="current_password", message=_("This is not your current password."))],
    )


@router.get("", responses=problem_responses(401, 403))
@fast_lane(no_parameters)
async def get_me(context: Context, principal: CurrentPrincipal) -> User:
    user = _current_user(context, principal)
    return user_view(context.db.connect(), user, principal.participant_id)


@router.post(
    "/password",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 422, 423),
)
async def change_password(
    body: ChangePasswordRequest, context: Context, principal: CurrentPrincipal
) -> Response:
    user = _current_user(context, principal)
    policy = new_password_error(body.new_password, user.user_id)
    if policy is not None:
        raise policy
    await _check_current_password(context, user, body.current_password)
    if body.new_password == body.current_password:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("The new password is the same as the current one."),
            _("Choose a password you have not used here."),
            [FieldError(field="new_password", message=_("It must differ from the current one."))],
        )
    new_hash = await hash_password_async(context.settings, body.new_password)
    now = context.now()
    with context.db.transaction() as conn:
        users.set_password_hash(conn, user.user_id, new_hash, now)
        users.reset_failures(conn, user.user_id)
        sessions.revoke_other_sessions(conn, user.user_id, principal.token_hash, now)
    security_mail.mail_later(context, user.user_id, SecurityEvent.PASSWORD_CHANGED, now)
    return Response(status_code=204)


@router.put("/language", responses=problem_responses(401, 422))
async def set_language(
    body: LanguageRequest, context: Context, principal: CurrentPrincipal
) -> User:
    """The user's language: the TUI's after login (unless --lang) and their mails'."""
    user = _current_user(context, principal)
    language = language_of(body.language)
    if language is None:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("The portal speaks English and Traditional Chinese only."),
            _("Choose en (English) or zh-Hant (繁體中文)."),
            [FieldError(field="language", message=_("Not a language of the portal."))],
        )
    with context.db.transaction() as conn:
        users.set_language(conn, user.user_id, language)
    updated = _current_user(context, principal)
    return user_view(context.db.connect(), updated, principal.participant_id)


@router.put("/otp-channel", responses=problem_responses(401, 409, 422))
async def set_otp_channel(
    body: OtpChannelRequest, context: Context, principal: CurrentPrincipal
) -> User:
    user = _current_user(context, principal)
    if body.channel == "app" and not user.device_registered:
        raise ApiError(
            409,
            ProblemCode.DEVICE_NOT_REGISTERED,
            _("You have no authenticator app registered, so codes cannot come from one yet."),
            _(
                "Register an authenticator app first, from your Profile (Register app): "
                "scan the QR code and type the code it shows; the app then becomes your channel."
            ),
        )
    with context.db.transaction() as conn:
        users.set_otp_channel(conn, user.user_id, body.channel)
    if body.channel != user.otp_channel:
        security_mail.mail_later(
            context,
            user.user_id,
            SecurityEvent.CHANNEL_CHANGED,
            context.now(),
            channel=body.channel,
        )
    updated = _current_user(context, principal)
    return user_view(context.db.connect(), updated, principal.participant_id)


@router.post("/device", responses=problem_responses(401, 403, 422, 423))
async def start_device(
    body: DeviceEnrolRequest, context: Context, principal: CurrentPrincipal
) -> DeviceRegistration:
    """Start registering (or replacing) an authenticator: the current password again,
    then a new secret, pending for this session until POST /me/device/confirm."""
    user = _current_user(context, principal)
    await _check_current_password(context, user, body.current_password)
    secret = otp.new_totp_secret()
    with context.db.transaction() as conn:
        devices.start_enrolment(
            conn,
            user.user_id,
            principal.token_hash,
            secret,
            context.now(),
            context.settings.ticket_ttl,
        )
    return registration_of(secret, user.user_id)


def _no_enrolment(context: ServerContext) -> ApiError:
    minutes = max(1, int(context.settings.ticket_ttl.total_seconds() // 60))
    return ApiError(
        409,
        ProblemCode.INVALID_TRANSITION,
        _(
            "No authenticator registration of this session is waiting for a code: none was "
            "started, it was confirmed already, or it is over {minutes} minutes old."
        ).format(minutes=minutes),
        _(
            "Start again from your Profile (Register app) and enter your password; the new "
            "QR code replaces the old one in your app."
        ),
    )


@router.post(
    "/device/confirm",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 409, 422),
)
async def confirm_device(
    body: DeviceConfirmRequest, context: Context, principal: CurrentPrincipal
) -> Response:
    """The first code from the new authenticator: it replaces the old one and the
    channel becomes the app."""
    user = _current_user(context, principal)
    code = otp.normalise_code(body.code)
    if code is None:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("A one-time password is 6 digits."),
            _("Type the 6 digits your authenticator app shows for the new entry."),
            [
                FieldError(
                    field="code",
                    message=_("{code} is not 6 digits.").format(code=repr(body.code.strip()[:12])),
                )
            ],
        )
    now = context.now()
    with context.db.transaction() as conn:
        enrolment = devices.live_enrolment(conn, user.user_id, principal.token_hash, now)
        if enrolment is None:
            raise _no_enrolment(context)
        check = otp.verify_totp(enrolment.secret, code, now, None)
        if not check.ok or check.step is None:
            raise _wrong_new_code()
        users.register_device(conn, user.user_id, enrolment.secret, check.step)
        devices.end_enrolment(conn, user.user_id)
    event = (
        SecurityEvent.DEVICE_REPLACED if user.device_registered else SecurityEvent.DEVICE_REGISTERED
    )
    security_mail.mail_later(context, user.user_id, event, now)
    return Response(status_code=204)


def _wrong_new_code() -> ApiError:
    return ApiError(
        422,
        ProblemCode.VALIDATION_FAILED,
        _("That code is not one the new authenticator shows now."),
        _(
            "Type the code of the entry you just added (codes from an older registration do "
            "not count); if it changed meanwhile, type the new one."
        ),
        [FieldError(field="code", message=_("Not a current code of the new authenticator."))],
    )
