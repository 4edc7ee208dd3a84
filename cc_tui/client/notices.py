"""Live notices: the portal's `/notifications/stream` (server-sent events) as an endless
async iterator of `Notification`, for the whole logged-in session.

    async for notice in NoticeStream(portal, on_state=show):
        ...

Design:
- One connection at a time through `PortalClient.open_stream`. When it drops (network,
  portal restart, a read idle for `idle_timeout` with no heartbeat) the stream reconnects
  after a backoff that doubles from `initial_delay` to `max_delay`, with jitter so that a
  restarted portal is not met by every client in the same instant. A 503 or 429 waits at
  least its `Retry-After`. The backoff resets once a connection delivers anything.
- Nothing is missed across a drop: a reconnect sends `Last-Event-ID` (the last notice
  seen) and, once the new stream is open, also asks `GET /notifications?since=` for what
  came in between. Notice ids rise, so anything at or below the last id seen is a
  duplicate from the overlap and is dropped: each notice is yielded once.
- The first connection sends no `Last-Event-ID`: a fresh session starts from now (the
  dashboard reads the counts itself), and old notices are not toasted again.
- A 401 ends the iteration with `SessionExpired` (log in again); any other 4xx is a
  `PortalError` (this portal has no live notices); the caller decides what to show.
  Connection state changes are reported through `on_state` (for a "live" indicator).
- The SSE parser (`read_events`) follows the WHATWG rules: `data:` lines join with
  newlines, `id:` persists, `:` lines are comments (heartbeats), a blank line dispatches.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from cc_tui.api.requests import Notification
from cc_tui.client.errors import PortalError, PortalUnreachable
from cc_tui.client.http import whole_number
from cc_tui.client.portal import PortalClient

STREAM_PATH = "/notifications/stream"
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: its type, data, the last event id, and `retry` (ms)."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


@dataclass(frozen=True)
class StreamState:
    """Whether notices are arriving live; when not, why and when the next try is."""

    connected: bool
    retry_in: float | None = None
    reason: str | None = None


async def read_events(lines: AsyncIterator[str]) -> AsyncIterator[ServerSentEvent | None]:
    """Parse an event stream. Yields each event, and None for every comment line (a
    heartbeat: proof the connection is alive even when nothing happens)."""
    data: list[str] = []
    event = ""
    last_id: str | None = None
    retry: int | None = None
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or retry is not None:  # a lone `retry:` still tells the client
                yield ServerSentEvent("\n".join(data), event or "message", last_id, retry)
            data, event, retry = [], "", None
            continue
        if line.startswith(":"):
            yield None
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and (milliseconds := whole_number(value, 9)) is not None:
            retry = milliseconds


def notification_of(event: ServerSentEvent) -> Notification | None:
    """The notice an event carries, or None for heartbeats and events of other kinds."""
    try:
        payload = json.loads(event.data)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    event_id = None if event.id is None else whole_number(event.id)
    if "id" not in payload and event_id is not None:
        payload["id"] = event_id
    try:
        return Notification.model_validate(payload)
    except ValidationError:
        return None


class NoticeStream:
    """This user's new tasks as they happen; iterate it for as long as the session lasts."""

    def __init__(
        self,
        portal: PortalClient,
        *,
        last_id: int | None = None,
        initial_delay: float = 0.5,
        max_delay: float = 30.0,
        idle_timeout: float | None = 75.0,
        on_state: Callable[[StreamState], None] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._portal = portal
        self._last_id = last_id
        self._initial_delay = initial_delay
        self._max_delay = max_delay
        self._idle_timeout = idle_timeout
        self._on_state = on_state
        self._sleep = sleep
        self._jitter = jitter
        self._failures = 0
        self._server_retry: float | None = None
        self.connections = 0

    @property
    def last_id(self) -> int | None:
        """The id of the last notice yielded (what a reconnect catches up from)."""
        return self._last_id

    def __aiter__(self) -> AsyncIterator[Notification]:
        return self._run()

    async def _run(self) -> AsyncIterator[Notification]:
        while True:
            retry_after: float | None = None
            try:
                async for notice in self._connect_once():
                    yield notice
                reason = "The portal closed the notice stream."
            except PortalUnreachable as error:
                reason = error.message
            except PortalError as error:
                if error.status < 500 and error.status not in RETRYABLE_STATUSES:
                    raise
                reason, retry_after = error.message, error.retry_after
            self._failures += 1
            delay = self._delay(retry_after)
            self._report(StreamState(connected=False, retry_in=delay, reason=reason))
            await self._sleep(delay)

    def _delay(self, retry_after: float | None) -> float:
        base = self._server_retry if self._server_retry is not None else self._initial_delay
        backoff: float = min(self._max_delay, base * 2.0 ** (self._failures - 1))
        delay = backoff * (0.5 + self._jitter() / 2)
        return max(delay, retry_after or 0.0)

    async def _connect_once(self) -> AsyncIterator[Notification]:
        headers = {} if self._last_id is None else {"Last-Event-ID": str(self._last_id)}
        async with self._portal.open_stream(
            STREAM_PATH, headers=headers, read_timeout=self._idle_timeout
        ) as response:
            self.connections += 1
            self._report(StreamState(connected=True))
            if self._last_id is not None:
                for missed in await self._portal.notifications(since=self._last_id):
                    if self._is_new(missed):
                        yield missed
            try:
                async for event in read_events(response.aiter_lines()):
                    self._failures = 0
                    if event is None:
                        continue
                    if event.retry is not None:
                        self._server_retry = event.retry / 1000
                    notice = notification_of(event)
                    if notice is not None and self._is_new(notice):
                        yield notice
            except httpx.TimeoutException as error:
                raise PortalUnreachable(self._portal.base_url, "idle", timed_out=True) from error
            except httpx.TransportError as error:
                raise PortalUnreachable(self._portal.base_url, type(error).__name__) from error

    def _is_new(self, notice: Notification) -> bool:
        if self._last_id is not None and notice.id <= self._last_id:
            return False
        self._last_id = notice.id
        return True

    def _report(self, state: StreamState) -> None:
        if self._on_state is not None:
            self._on_state(state)
