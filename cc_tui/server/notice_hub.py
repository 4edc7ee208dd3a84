"""Wake-ups for open notification streams (GET /notifications/stream).

The notices themselves are rows in the store (`store/notifications.py`), written in the
transaction of the change; the hub only says "look again". Code that has just committed
notices calls `announce()`: it wakes this process's streams at once and rings the
doorbell (`doorbell.py`) of every other server process on the same store, which wakes
theirs; so a new task reaches the open streams of every process within a millisecond or
so (bench/throughput.py measures it across two processes).

Behind the doorbell, one poller per app reads `max(id)` of the notifications table while
any stream is open (a few microseconds a look): every `FALLBACK_POLL` seconds, for
notices written without a ring; every `POLL_INTERVAL` where there is no doorbell.

A wake-up wakes only the streams of the users the new notices are for: the hub reads
whose they are, once (`recipients_since`), instead of every open stream reading its own
notices again on every change (with 200 streams open, each approval cost 200 queries).

Streams must end when the server stops: uvicorn waits for open responses before it
shuts down, and an event stream never finishes by itself. `end_streams(app)` (called
by the runner before it asks uvicorn to exit, from any thread) closes the hub, which
ends every stream's generator at once.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from cc_tui.server.db import Database
from cc_tui.server.doorbell import Doorbell, ring
from cc_tui.server.store.notifications import latest_notification_id, recipients_since

POLL_INTERVAL = 0.2
FALLBACK_POLL = 1.0


class NoticeHub:
    def __init__(self, db: Database, poll_interval: float = POLL_INTERVAL) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self.doorbell = Doorbell(db.path)
        self._doorbell_open = False
        self.closed = False
        self._subscribers: dict[asyncio.Event, str | None] = {}
        self._poller: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._latest = 0

    def subscribe(self, user_id: str | None = None) -> asyncio.Event:
        """An event set whenever new notices for `user_id` (None: for anyone) may exist,
        or the hub closes."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        event = asyncio.Event()
        if self.closed:
            event.set()
        self._subscribers[event] = user_id
        if not self._doorbell_open and not self.closed:
            self._doorbell_open = self.doorbell.open(self.look)
        if self._poller is None or self._poller.done():
            self._latest = latest_notification_id(self.db.connect())
            self._poller = loop.create_task(self._poll(), name="notice-hub")
        return event

    def unsubscribe(self, event: asyncio.Event) -> None:
        self._subscribers.pop(event, None)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def poke(self) -> None:
        """Wake every open stream of this process (call on the event loop)."""
        for event in self._subscribers:
            event.set()

    def look(self) -> None:
        """Wake the streams of the users of the notices written since the last look (call
        on the event loop): one query, however many streams are open."""
        latest = latest_notification_id(self.db.connect())
        if latest == self._latest:
            return
        users = recipients_since(self.db.connect(), self._latest, latest)
        self._latest = latest
        for event, user_id in self._subscribers.items():
            if user_id is None or user_id in users:
                event.set()

    def announce(self) -> None:
        """New notices are committed: wake their users' open streams in every server
        process on this store (call on the event loop, after the commit)."""
        self.look()
        ring(self.db.path, skip=self.doorbell.path)

    def close(self) -> None:
        """End every open stream now; new ones end at once."""
        self.closed = True
        self.poke()
        self.doorbell.close()
        if self._poller is not None:
            self._poller.cancel()

    def close_threadsafe(self) -> None:
        """`close()` from any thread (the runner stops the server from another one)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self.closed = True
            return
        self.closed = True
        with contextlib.suppress(RuntimeError):  # the loop has just stopped: nothing is open
            loop.call_soon_threadsafe(self.close)

    async def _poll(self) -> None:
        while self._subscribers and not self.closed:
            await asyncio.sleep(FALLBACK_POLL if self._doorbell_open else self.poll_interval)
            self.look()


def hub_of(app: FastAPI) -> NoticeHub:
    """The app's hub, made on first use."""
    hub: NoticeHub | None = getattr(app.state, "notice_hub", None)
    if hub is None:
        hub = NoticeHub(app.state.context.db)
        app.state.notice_hub = hub
    return hub


def end_streams(app: object) -> None:
    """End the open notification streams of `app` (a FastAPI app), from any thread."""
    state = getattr(app, "state", None)
    hub = getattr(state, "notice_hub", None) if state is not None else None
    if isinstance(hub, NoticeHub):
        hub.close_threadsafe()
