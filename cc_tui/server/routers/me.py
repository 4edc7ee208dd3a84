"""Me: who I am, my password, my OTP channel.

- A wrong current password on POST /me/password counts as a failed attempt (a stolen
  session must not become a way to guess the password); it answers 422 naming the field,
  not 401, because the session itself is fine.
- A password change ends every other session of the user, keeps this one.
- PUT /me/otp-channel to "app" needs a registered authenticator (409
  `device_not_registered` otherwise): any login can register one (POST /auth/device
  works on every live ticket), after which the channel is the app.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from cc_tui.api.auth import ChangePasswordRequest, OtpChannelRequest, User
from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.server.accounts import locked_error, new_password_error, user_view
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.errors import ApiError
from cc_tui.server.openapi import problem_responses
from cc_tui.server.security import hash_password_async, verify_password_async
from cc_tui.server.store import sessions, users
from cc_tui.server.store.users import UserRow

router = APIRouter(prefix="/me", tags=["me"])


def _current_user(context: Context, principal: CurrentPrincipal) -> UserRow:
    user = users.get_user(context.db.connect(), principal.user_id)
    if user is None:
        raise ApiError(
            401, ProblemCode.SESSION_EXPIRED, "Your account no longer exists.", "Log in again."
        )
    return user


@router.get("", responses=problem_responses(401, 403))
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
    settings = context.settings
    user = _current_user(context, principal)
    policy = new_password_error(body.new_password, user.user_id)
    if policy is not None:
        raise policy
    if not await verify_password_async(settings, user.password_hash, body.current_password):
        with context.db.transaction() as conn:
            locked = users.record_failure(conn, user.user_id, context.now(), settings.max_failures)
        if locked:
            raise locked_error(context.db.connect(), user)
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            "The current password is not correct.",
            "Type your current password again; after 5 failed attempts the account is locked.",
            [FieldError(field="current_password", message="This is not your current password.")],
        )
    if body.new_password == body.current_password:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            "The new password is the same as the current one.",
            "Choose a password you have not used here.",
            [FieldError(field="new_password", message="It must differ from the current one.")],
        )
    new_hash = await hash_password_async(settings, body.new_password)
    now = context.now()
    with context.db.transaction() as conn:
        users.set_password_hash(conn, user.user_id, new_hash, now)
        users.reset_failures(conn, user.user_id)
        sessions.revoke_other_sessions(conn, user.user_id, principal.token_hash, now)
    return Response(status_code=204)


@router.put("/otp-channel", responses=problem_responses(401, 409, 422))
async def set_otp_channel(
    body: OtpChannelRequest, context: Context, principal: CurrentPrincipal
) -> User:
    user = _current_user(context, principal)
    if body.channel == "app" and not user.device_registered:
        raise ApiError(
            409,
            ProblemCode.DEVICE_NOT_REGISTERED,
            "You have no authenticator app registered, so codes cannot come from one yet.",
            "Register your device first: at your next login choose Register device and "
            "scan the QR code; the app then becomes your channel.",
        )
    with context.db.transaction() as conn:
        users.set_otp_channel(conn, user.user_id, body.channel)
    updated = _current_user(context, principal)
    return user_view(context.db.connect(), updated, principal.participant_id)
