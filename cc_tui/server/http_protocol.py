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

- Request line and headers together are at most `MAX_HEADER_BYTES`: h11 counts them
  itself (uvicorn's `h11_max_incomplete_event_size`, 400 past it); httptools does not,
  so the guard counts the bytes that arrive while a request's headers are awaited and
  answers 431 `too_large` past the limit.

They extend uvicorn's httptools protocol where httptools is installed (a dependency: its
parser is C, h11's is Python, a third of a small request's time under load), else its
h11 protocol; they touch only `connections`, `cycle`, `transport`, `loop` and `app`,
which both have.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Final, cast

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from cc_tui.api.problem import PROBLEM_MEDIA_TYPE, ProblemCode
from cc_tui.domain.i18n import _, speaking
from cc_tui.server.errors import ApiError, problem_response
from cc_tui.server.language import language_of_scope

RETRY_AFTER_SECONDS: Final = 2
# Request line and headers together (h11's own default, said here once).
MAX_HEADER_BYTES: Final = 16 * 1024


def busy(limit: int) -> ApiError:
    return ApiError(
        503,
        ProblemCode.BUSY,
        _(
            "The portal is serving as many connections as it takes ({limit}); "
            "this request was not handled."
        ).format(limit=limit),
        _("Try again in a few seconds (Retry-After says when); nothing was changed."),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
    )


def _raw_408(seconds: float) -> bytes:
    return _raw_problem(
        408,
        "Request Timeout",
        f"The request's headers did not arrive within {seconds:g} seconds.",
        ProblemCode.TIMED_OUT,
        "Check your connection and send the request again.",
    )


def _raw_431() -> bytes:
    return _raw_problem(
        431,
        "Request Header Fields Too Large",
        f"The request line and headers are over {MAX_HEADER_BYTES // 1024} KiB.",
        ProblemCode.TOO_LARGE,
        "Send shorter headers (a long query belongs in fewer, shorter parameters).",
    )


def _raw_problem(status: int, title: str, detail: str, code: ProblemCode, fix: str) -> bytes:
    problem = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code.value,
        "fix": fix,
    }
    body = json.dumps(problem).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {title}\r\n"
        f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def base_protocol() -> type[H11Protocol]:
    """uvicorn's httptools protocol where httptools is installed, else its h11 one."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency; h11 still works
        return H11Protocol
    return cast(type[H11Protocol], HttpToolsProtocol)


def guarded_protocol(header_timeout: float, max_connections: int) -> type[H11Protocol]:
    """uvicorn's protocol class with the header deadline, the header size cap and the
    connection cap."""
    base = base_protocol()

    class GuardedProtocol(base):  # type: ignore[valid-type,misc]
        _deadline: asyncio.TimerHandle | None = None
        _waiting_for: object = None
        _partial = False
        _header_bytes = 0

        def connection_made(self, transport: asyncio.Transport) -> None:
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
                self._header_bytes += len(data)
                if self._header_bytes > MAX_HEADER_BYTES and not self.transport.is_closing():
                    self._disarm()
                    self.transport.write(_raw_431())
                    self.transport.close()
                    return
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
            self._header_bytes = 0

        def _expire(self) -> None:
            self._deadline = None
            if self.cycle is not self._waiting_for or self.transport.is_closing():
                return  # headers came in time
            if self._partial:
                self.transport.write(_raw_408(header_timeout))
            self.transport.close()

    return GuardedProtocol


def _busy_app(limit: int) -> Any:
    # The 408 and 431 above are written before any header is read, so they are English;
    # the 503 answers a whole request, in the language its Accept-Language asks for.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        with speaking(language_of_scope(scope)):
            response = problem_response(busy(limit))
        await response(scope, receive, send)

    return app
