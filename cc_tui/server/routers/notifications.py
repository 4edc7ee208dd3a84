"""New tasks for the logged-in user: a server-sent event stream, and the same as a list.

- `GET /notifications/stream`: `text/event-stream`; each notice is one event,
  `id: <notice id>` and `data: <Notification JSON>`. It starts after the `Last-Event-ID`
  the client sends (the standard reconnection), else after `?since=`, else from now.
  A comment line every `HEARTBEAT_S` keeps proxies and dead-peer detection honest, and
  `retry:` tells the client to reconnect after two seconds. The stream ends when the
  client goes away or the server shuts down (see `notice_hub`), and within
  `SESSION_CHECK_S` of its session ending for any reason (logout, expiry, suspension or
  lock, a password change or reset: `deps.session_still_live`), so a session ends
  everywhere at once; the client's reconnect then meets 401.
- `GET /notifications?since=`: the notices after `since` (a notice id, or an ISO 8601
  time), oldest first: how a client catches up after a dropped stream.

The store is read on the event loop (a query by (user_id, id) is microseconds); the
hub wakes the stream when the notifications table grows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import Notification
from cc_tui.domain.i18n import _
from cc_tui.server.clock import HKT
from cc_tui.server.db import Database
from cc_tui.server.deps import Context, CurrentPrincipal, session_still_live
from cc_tui.server.errors import ApiError
from cc_tui.server.notice_hub import NoticeHub, hub_of
from cc_tui.server.openapi import problem_responses
from cc_tui.server.store.notifications import (
    MAX_PAGE,
    latest_notification_id,
    list_notifications,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])

HEARTBEAT_S = 15.0
# How often an open stream checks that its session may go on: a logout, an expiry, a
# suspension or lock, a password change or reset ends the stream within this.
SESSION_CHECK_S = 0.5
RETRY_MS = 2000


# The largest id SQLite stores: a larger "id" is no notice id (and SQLite would refuse
# to compare with it: OverflowError, a 500 and, in a stream, a broken stream).
MAX_NOTICE_ID = 2**63 - 1


def _notice_id(text: str) -> int | None:
    """`text` as a notice id: ASCII digits only (str.isdigit takes "²" and "١", which
    int() refuses), within what SQLite stores; else None."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_NOTICE_ID else None


def _since(value: str | None) -> tuple[int, datetime | None]:
    """`since` as (after this id, at or after this time)."""
    if value is None or value == "":
        return 0, None
    if value.isascii() and value.isdigit():
        notice_id = _notice_id(value)
        if notice_id is None:
            raise ApiError(
                400,
                ProblemCode.MALFORMED,
                _("since={value} is larger than any notice id.").format(value=repr(value[:40])),
                _("Send the id of the last notice you have (since=42) or an ISO 8601 time."),
            )
        return notice_id, None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(
            400,
            ProblemCode.MALFORMED,
            _("since={value} is neither a notice id nor a time.").format(value=repr(value[:40])),
            _("Send the id of the last notice you have (since=42) or an ISO 8601 time."),
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HKT)
    return 0, moment


def _last_event_id(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    notice_id = _notice_id(value.strip())
    if notice_id is None:
        raise ApiError(
            400,
            ProblemCode.MALFORMED,
            _("The Last-Event-ID header is not a notice id."),
            _("Reconnect without it, or with the id of the last event received."),
        )
    return notice_id


@router.get("", responses=problem_responses(400, 401))
async def notifications(
    context: Context,
    principal: CurrentPrincipal,
    since: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> list[Notification]:
    """This user's notices after `since` (an id or a time), oldest first."""
    after_id, after_time = _since(since)
    notices = list_notifications(
        context.db.connect(), principal.user_id, after_id, after_time, limit
    )
    return [notice.model() for notice in notices]


async def _events(
    request: Request,
    hub: NoticeHub,
    db: Database,
    user_id: str,
    after_id: int,
    since: datetime | None,
    live: Callable[[], bool],
) -> AsyncIterator[str]:
    wake = hub.subscribe(user_id)
    try:
        yield f"retry: {RETRY_MS}\n: stream of new tasks for {user_id}\n\n"
        beat_at = time.monotonic() + HEARTBEAT_S
        check_at = time.monotonic() + SESSION_CHECK_S
        while not hub.closed:
            if time.monotonic() >= check_at:
                if not live():
                    # The client's reconnect meets 401 session_expired and says so.
                    yield ": your session has ended\n\n"
                    return
                check_at = time.monotonic() + SESSION_CHECK_S
            wake.clear()
            notices = list_notifications(db.connect(), user_id, after_id, since)
            for notice in notices:
                after_id = notice.id
                yield f"id: {notice.id}\ndata: {notice.model().model_dump_json()}\n\n"
            if notices:
                continue
            if await request.is_disconnected():
                return
            timeout = beat_at - time.monotonic()
            if timeout <= 0:
                yield ": keep-alive\n\n"
                beat_at = time.monotonic() + HEARTBEAT_S
                continue
            try:
                await asyncio.wait_for(wake.wait(), min(timeout, check_at - time.monotonic()))
            except TimeoutError:
                continue
    finally:
        hub.unsubscribe(wake)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-sent events: `id: <notice id>`, `data: <Notification>`",
        },
        **problem_responses(400, 401),
    },
)
async def notification_stream(
    request: Request,
    context: Context,
    principal: CurrentPrincipal,
    since: Annotated[str | None, Query(max_length=64)] = None,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> StreamingResponse:
    """New tasks as they arrive; resumes after `Last-Event-ID` or `since`."""
    resume = _last_event_id(last_event_id)
    after_time: datetime | None = None
    if resume is not None:
        after_id = resume
    elif since is not None:
        after_id, after_time = _since(since)
    else:
        after_id = latest_notification_id(context.db.connect(), principal.user_id)
    hub = hub_of(request.app)
    return StreamingResponse(
        _events(
            request,
            hub,
            context.db,
            principal.user_id,
            after_id,
            after_time,
            lambda: session_still_live(context, principal.token_hash),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
