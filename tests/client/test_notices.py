"""The live-notice consumer against httpx.MockTransport: parsing, reconnects with
Last-Event-ID and `?since=` catch-up, backoff, and how it ends."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from cc_tui.api.requests import Notification
from cc_tui.client.errors import PortalError, SessionExpired
from cc_tui.client.notices import NoticeStream, StreamState, notification_of, read_events
from cc_tui.client.portal import PortalClient

URL = "http://portal.test"


def notice_json(notice_id: int, ref: str = "ECS00000001") -> dict[str, object]:
    return {
        "id": notice_id,
        "kind": "awaiting_my_check",
        "ref": ref,
        "status": "pending_checker",
        "at": "2026-11-23T10:00:00+08:00",
    }


def sse(*notice_ids: int, comment: bool = False) -> bytes:
    parts = [": heartbeat\n\n"] if comment else []
    for notice_id in notice_ids:
        body = json.dumps(notice_json(notice_id, f"ECS{notice_id:08d}"))
        parts.append(f"id: {notice_id}\nevent: notification\ndata: {body}\n\n")
    return "".join(parts).encode()


class Dropped(httpx.AsyncByteStream):
    """A stream body that sends some bytes, then the connection drops."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body
        raise httpx.ReadError("connection reset by peer")


class Recorder:
    def __init__(self) -> None:
        self.delays: list[float] = []
        self.states: list[StreamState] = []

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)


def portal_with(handler: Callable[[httpx.Request], httpx.Response]) -> PortalClient:
    return PortalClient(
        URL, transport=httpx.MockTransport(handler), token="tok", participant_id="B01234"
    )


async def take(stream: NoticeStream, count: int) -> list[Notification]:
    seen: list[Notification] = []
    async for notice in stream:
        seen.append(notice)
        if len(seen) == count:
            break
    return seen


async def lines_of(text: str) -> AsyncIterator[str]:
    for line in text.splitlines():
        yield line


async def test_events_are_parsed_as_the_sse_rules_say() -> None:
    text = "retry: 2000\n: ping\nid: 7\ndata: one\ndata: two\n\nevent: x\ndata:three\n\n"
    events = [event async for event in read_events(lines_of(text))]
    assert events[0] is None  # the heartbeat comment
    first, second = events[1], events[2]
    alone = [event async for event in read_events(lines_of("retry: 500\n\n"))]
    assert alone[0] is not None and alone[0].retry == 500 and notification_of(alone[0]) is None
    assert first is not None and second is not None
    assert (first.data, first.id, first.retry, first.event) == ("one\ntwo", "7", 2000, "message")
    # The id persists to later events; the retry does not.
    assert (second.data, second.id, second.event, second.retry) == ("three", "7", "x", None)


async def test_a_notice_takes_its_id_from_the_event_when_the_data_lacks_one() -> None:
    payload = notice_json(1)
    del payload["id"]
    events = [e async for e in read_events(lines_of(f"id: 42\ndata: {json.dumps(payload)}\n\n"))]
    assert events[0] is not None
    notice = notification_of(events[0])
    assert notice is not None and notice.id == 42
    garbage = [e async for e in read_events(lines_of("data: not json\n\n"))]
    assert garbage[0] is not None and notification_of(garbage[0]) is None


async def test_notices_arrive_with_the_session_headers_and_no_last_event_id_at_first() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=sse(1, 2, comment=True))

    recorder = Recorder()
    async with portal_with(handler) as portal:
        stream = NoticeStream(portal, sleep=recorder.sleep, on_state=recorder.states.append)
        notices = await take(stream, 2)
    assert [n.ref for n in notices] == ["ECS00000001", "ECS00000002"]
    request = seen[0]
    assert request.url.path == "/api/v1/notifications/stream"
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["X-Participant-ID"] == "B01234"
    assert request.headers["Accept"] == "text/event-stream"
    assert "Last-Event-ID" not in request.headers
    assert recorder.states[0] == StreamState(connected=True)
    assert stream.last_id == 2


async def test_a_dropped_stream_reconnects_with_last_event_id_and_catches_up_once() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/notifications"):
            # What came while the stream was down (2 overlaps what was already seen).
            return httpx.Response(200, json=[notice_json(2), notice_json(3)])
        streams = sum(1 for r in seen if r.url.path.endswith("/stream"))
        if streams == 1:
            return httpx.Response(200, stream=Dropped(sse(1, 2)))
        return httpx.Response(200, content=sse(3, 4))

    recorder = Recorder()
    async with portal_with(handler) as portal:
        stream = NoticeStream(
            portal, sleep=recorder.sleep, on_state=recorder.states.append, jitter=lambda: 1.0
        )
        notices = await take(stream, 4)
    assert [n.id for n in notices] == [1, 2, 3, 4]
    reconnect = [r for r in seen if r.url.path.endswith("/stream")][1]
    assert reconnect.headers["Last-Event-ID"] == "2"
    catch_up = next(r for r in seen if r.url.path.endswith("/notifications"))
    assert catch_up.url.params["since"] == "2"
    assert recorder.delays == [0.5]
    assert [s.connected for s in recorder.states] == [True, False, True]
    assert "Cannot reach the portal" in (recorder.states[1].reason or "")
    assert stream.connections == 2


async def test_backoff_doubles_while_the_portal_is_down_then_waits_its_retry_after() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls <= 5:
            raise httpx.ConnectError("refused")
        if calls == 6:
            return httpx.Response(
                503,
                json={"status": 503, "code": "maintenance", "detail": "Closed.", "title": "x"},
                headers={"Retry-After": "120", "content-type": "application/problem+json"},
            )
        return httpx.Response(200, content=sse(9))

    recorder = Recorder()
    async with portal_with(handler) as portal:
        stream = NoticeStream(portal, sleep=recorder.sleep, jitter=lambda: 1.0, max_delay=4.0)
        notices = await take(stream, 1)
    assert [n.id for n in notices] == [9]
    # Five refusals back off 0.5, 1, 2, 4, 4 s (the cap); the 503 waits its Retry-After.
    assert recorder.delays == [0.5, 1.0, 2.0, 4.0, 4.0, 120.0]


async def test_an_expired_session_ends_the_stream() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={"status": 401, "code": "session_expired", "detail": "Log in.", "title": "x"},
            headers={"content-type": "application/problem+json"},
        )

    async with portal_with(handler) as portal:
        with pytest.raises(SessionExpired):
            await take(NoticeStream(portal, sleep=Recorder().sleep), 1)


async def test_a_portal_without_live_notices_says_so_instead_of_retrying_forever() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="Not Found")

    async with portal_with(handler) as portal:
        with pytest.raises(PortalError) as raised:
            await take(NoticeStream(portal, sleep=Recorder().sleep), 1)
    assert raised.value.status == 404
