"""uvicorn's HTTP/1.1 protocol with the two guards it lacks: a deadline for request
headers, and a connection cap that answers a clear problem+json 503.

- uvicorn times out only the idle time *between* requests (`timeout_keep_alive`, reset
  on every byte received): a client that opens a connection and sends nothing, or
  trickles its headers a byte at a time, holds the connection for ever (uvicorn issue
  #157 lists `--timeout-request-start` as not done). Here every wait for a request's
  headers, on a new connection or a kept-alive one, has `header_timeout` seconds; past
  it the connection gets 408 `timed_out` (when some of a request had arrived) and is
  closed. Bodies are timed by the ASGI middleware (limits.py), which sees them.
- uvicorn's own `limit_concurrency` answers `text/plain` "Service Unavailable". Here a
  connection beyond `max_connections` is served by a small app that answers every
  request on it with 503 `busy` (problem+json, `Retry-After`, `Connection: close`).

They extend uvicorn's h11 protocol (the one installed without extras); they touch only
`connections`, `cycle`, `transport` and `app`, which its httptools protocol has too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Final

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from cc_tui.api.problem import PROBLEM_MEDIA_TYPE, ProblemCode
from cc_tui.server.errors import ApiError, problem_response

RETRY_AFTER_SECONDS: Final = 2


def busy(limit: int) -> ApiError:
    return ApiError(
        503,
        ProblemCode.BUSY,
        f"The portal is serving as many connections as it takes ({limit}); "
        "this request was not handled.",
        "Try again in a few seconds (Retry-After says when); nothing was changed.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
    )


def _raw_408(seconds: float) -> bytes:
    problem = {
        "type": "about:blank",
        "title": "Request timeout",
        "status": 408,
        "detail": f"The request's headers did not arrive within {seconds:g} seconds.",
        "code": ProblemCode.TIMED_OUT.value,
        "fix": "Check your connection and send the request again.",
    }
    body = json.dumps(problem).encode("utf-8")
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def guarded_protocol(header_timeout: float, max_connections: int) -> type[H11Protocol]:
    """An H11Protocol class with the header deadline and the connection cap."""

    class GuardedProtocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _waiting_for: object = None
        _partial = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                self.app = _busy_app(max_connections)
            self._arm()

        def data_received(self, data: bytes) -> None:
            between_requests = self.cycle is None or self.cycle.response_complete
            super().data_received(data)
            if self.cycle is not self._waiting_for:
                self._waiting_for = self.cycle
                self._disarm()  # a new request's headers are in
            elif between_requests:
                self._partial = True
                if self._deadline is None:
                    self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._waiting_for = self.cycle
            self._deadline = self.loop.call_later(header_timeout, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            self._partial = False

        def _expire(self) -> None:
            self._deadline = None
            if self.cycle is not self._waiting_for or self.transport.is_closing():
                return  # headers came in time
            if self._partial:
                self.transport.write(_raw_408(header_timeout))
            self.transport.close()

    return GuardedProtocol


def _busy_app(limit: int) -> Any:
    response = problem_response(busy(limit))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await response(scope, receive, send)

    return app
