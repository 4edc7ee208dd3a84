"""FastAPI dependencies: the server context, and the Principal behind a bearer token (and
the store's `Viewer` for it: who reads requests)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from cc_tui.api.problem import ProblemCode
from cc_tui.domain.i18n import N_, _, duration_words
from cc_tui.domain.naming import is_participant_id, normalise_participant_id
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.errors import ApiError
from cc_tui.server.store import sessions, users
from cc_tui.server.store.memo import remembered
from cc_tui.server.store.requests import Viewer


async def get_context(request: Request) -> ServerContext:
    # async: a plain `def` dependency runs in the thread pool, a thread hop per request.
    context: ServerContext = request.app.state.context
    return context


Context = Annotated[ServerContext, Depends(get_context)]

_LOGIN_FIX = N_("Log in again; anything you typed is kept.")


async def get_principal(
    context: Context,
    authorization: Annotated[str | None, Header()] = None,
    x_participant_id: Annotated[str | None, Header()] = None,
) -> Principal:
    return principal_of(context, authorization, x_participant_id)


def principal_of(
    context: ServerContext, authorization: str | None, x_participant_id: str | None
) -> Principal:
    """Who is asking, from the two headers (`get_principal`, and fast_route.py's lane,
    which reads the headers itself): 401 without a live session of an active user, 403
    for a membership not held.

    Worked out once per store change for the same two headers (memo.py: a logout, a
    touch, a lock or a change of rights is a commit, so none is missed); whether the
    session is still live, which the clock alone can change, is asked every time."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(
            401, ProblemCode.NOT_LOGGED_IN, _("You are not logged in."), _("Log in first.")
        )
    conn = context.db.connect()
    now = context.now()
    # Only a principal is kept: a refusal raises, and is worked out (in the asker's
    # language) each time.
    session, principal = remembered(
        conn,
        ("principal", authorization, x_participant_id),
        lambda: _principal(context, conn, now, authorization[7:].strip(), x_participant_id),
    )
    if not sessions.session_is_live(session, now, context.settings.session_idle):
        raise _session_ended(context)
    sessions.touch_session(conn, session, now)
    return principal


def _session_ended(context: ServerContext) -> ApiError:
    return ApiError(
        401,
        ProblemCode.SESSION_EXPIRED,
        # The rules in force (`--session-idle`, `--session-max`), not the defaults.
        _("Your session has ended (logged out, idle for {idle}, or {age} old).").format(
            idle=duration_words(context.settings.session_idle),
            age=duration_words(context.settings.session_absolute),
        ),
        _(_LOGIN_FIX),
    )


def _principal(
    context: ServerContext,
    conn: sqlite3.Connection,
    now: datetime,
    token: str,
    x_participant_id: str | None,
) -> tuple[sessions.SessionRow, Principal]:
    session = sessions.find_session(conn, token)
    if session is None or not sessions.session_is_live(session, now, context.settings.session_idle):
        raise _session_ended(context)
    user = users.get_user(conn, session.user_id)
    if user is None or not user.active or user.locked:
        raise ApiError(
            401,
            ProblemCode.SESSION_EXPIRED,
            _("Your account is suspended or locked, so your session has ended."),
            _("Ask your firm's delegated administrator (CCDA) to reactivate or unlock it."),
        )
    memberships = tuple(m.participant_id for m in users.memberships(conn, user.user_id))
    acting: str | None = memberships[0] if memberships else None
    if x_participant_id is not None and x_participant_id.strip():
        acting = acting_membership(x_participant_id, memberships)
    rights = frozenset(users.rights(conn, user.user_id, acting)) if acting else frozenset()
    return session, Principal(
        user_id=user.user_id,
        name=user.name,
        participant_id=acting,
        memberships=memberships,
        rights=rights,
        is_exchange_officer=user.is_exchange_officer,
        token_hash=session.token_hash,
    )


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def session_still_live(context: ServerContext, token_hash: str) -> bool:
    """Whether the session behind an open stream may go on: not logged out, revoked
    (password change or reset, suspension) or expired, and its user neither suspended
    nor locked. What `get_principal` checks on every call, for a call that lasts."""
    conn = context.db.connect()
    session = sessions.session_by_hash(conn, token_hash)
    if session is None or not sessions.session_is_live(
        session, context.now(), context.settings.session_idle
    ):
        return False
    user = users.get_user(conn, session.user_id)
    return user is not None and user.active and not user.locked


def acting_membership(header: str, memberships: tuple[str, ...]) -> str:
    """The membership named in X-Participant-ID, if the user holds it (as held now, not at
    login: one taken away since is refused at once); else 403 `forbidden`, before anything
    is read or changed. Only a well-formed ID is repeated in the answer."""
    named = normalise_participant_id(header[:64])
    if named in memberships:
        return named
    held = ", ".join(memberships) or _("none")
    if not is_participant_id(named):
        raise ApiError(
            403,
            ProblemCode.FORBIDDEN,
            _(
                "The X-Participant-ID header is not a participant ID (a letter and five digits, "
                "as B01234)."
            ),
            _(
                "Send one of your memberships ({held}), or leave the header out to act for "
                "your first."
            ).format(held=held),
        )
    raise ApiError(
        403,
        ProblemCode.FORBIDDEN,
        _("You do not act for participant {named}: it is not one of your memberships.").format(
            named=named
        ),
        _(
            "Switch to one of your own memberships ({held}); if you should act for {named}, "
            "ask its delegated administrator (CCDA)."
        ).format(held=held, named=named),
    )


def viewer_of(principal: Principal) -> Viewer:
    """The Principal as a reader of requests: what `store.requests` checks visibility with."""
    return Viewer(
        user_id=principal.user_id,
        participant_id=principal.participant_id,
        is_exchange_officer=principal.is_exchange_officer,
        rights=principal.rights,
    )
