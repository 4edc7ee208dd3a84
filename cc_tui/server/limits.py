"""Bounded work per request: a pure ASGI middleware in front of everything else.

Before routing, authentication or any parsing, `RequestLimits`:
- refuses a body declared (Content-Length) or found (chunked, counted as it arrives) to be
  over `max_body_bytes` with 413 `too_large`, reading at most that much of it;
- refuses JSON nested deeper than `max_json_depth` with 400 `malformed` (Python's json
  module recurses, so a body of 100,000 `[` would otherwise end in a RecursionError);
- times a body out with 408 `timed_out` when no byte of it arrives for `body_timeout`
  seconds (a trickling upload holds a connection and a worker's memory);
- passes the body it buffered on to the app, which then never reads past the limit.

Routes that stream their body themselves (`streams_body`: the multipart upload, which
counts bytes into the file store and stops at the file limit) get only the timeout. When
such a route answers before it read the whole body (a refused name, a 401), the rest of
the body is read and dropped before the answer goes out, up to `max_drain_bytes`: a
client is still sending then, and closing a socket with unread bytes makes the kernel
reset the connection, which throws away the answer the client was about to read (it
would see "unreachable" instead of the refusal). Past that bound, or when the body
stalls, the answer goes out at once with `Connection: close`.

Why a hand-written middleware: Starlette's RequestBodyLimitMiddleware (FastAPI's
`max_body_size`) counts bytes as the app reads them, but the depth check needs the body
before json.loads sees it, and the body deadline needs to wrap `receive`; one pass that
buffers at most the limit does all three, answering in the app's problem+json shape.
What uvicorn can bound, it bounds (runner.py: header size, keep-alive); what it cannot
(slow headers, a clear 503 past the connection cap) lives in `http_protocol.py`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cc_tui.api.problem import ProblemCode
from cc_tui.domain.files import size_in_words
from cc_tui.domain.i18n import _
from cc_tui.server.errors import ApiError, problem_response

MULTIPART: Final = "multipart/form-data"
_JSON_TOKENS: Final = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 32
    body_timeout: float = 30.0
    # How much of a streamed body is read and dropped so an early answer reaches the
    # client (see the module's docstring); the upload's own request limit in the app.
    max_drain_bytes: int = 0


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        ProblemCode.TOO_LARGE,
        _(
            "The request body is larger than {size}, the portal's limit; "
            "none of it was read or stored."
        ).format(size=size_in_words(limit)),
        _(
            "Send less at once: a request's fields and comments fit well within the limit; "
            "attach documents through the upload endpoint instead."
        ),
        headers={"Connection": "close"},
    )


def too_deep(limit: int) -> ApiError:
    return ApiError(
        400,
        ProblemCode.MALFORMED,
        _("The JSON body is nested deeper than {limit} levels.").format(limit=limit),
        _("Send the object the API documents; no request of the portal nests that deep."),
    )


def timed_out(seconds: float) -> ApiError:
    return ApiError(
        408,
        ProblemCode.TIMED_OUT,
        _(
            "No part of the request body arrived for {seconds} seconds, so the portal "
            "stopped waiting; nothing was changed."
        ).format(seconds=f"{seconds:g}"),
        _("Check your connection and send the request again."),
        headers={"Connection": "close"},
    )


def json_depth_over(body: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit` (brackets inside
    strings do not count). Cheap for ordinary bodies: it only scans when there are more
    brackets than the limit at all."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def streaming_matcher(openapi: Callable[[], dict[str, Any]]) -> Callable[[Scope], bool]:
    """Which requests go to an operation that streams its body: those the app's OpenAPI
    document says take multipart/form-data (the upload). Read from the document on first
    use, since the document is where every route's body is declared."""
    streamed: list[tuple[str, re.Pattern[str]]] | None = None

    def matches(scope: Scope) -> bool:
        nonlocal streamed
        if streamed is None:
            streamed = [
                (method.upper(), _path_pattern(path))
                for path, operations in openapi().get("paths", {}).items()
                for method, operation in operations.items()
                if MULTIPART in operation.get("requestBody", {}).get("content", {})
            ]
        path = scope.get("path", "")
        method = scope.get("method", "")
        return any(m == method and pattern.fullmatch(path) for m, pattern in streamed)

    return matches


def _path_pattern(template: str) -> re.Pattern[str]:
    """`/api/v1/requests/{ref}/attachments` as a pattern (a parameter is one segment)."""
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _body_headers(scope: Scope) -> tuple[str | None, bool]:
    """The request's Content-Length (as sent), and whether it has Transfer-Encoding."""
    length: str | None = None
    encoded = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = value.decode("latin-1")
        elif name == b"transfer-encoding":
            encoded = True
    return length, encoded


class RequestLimits:
    """The pure ASGI middleware (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        limits: Limits,
        streamed: Callable[[Scope], bool] = lambda _: False,
    ) -> None:
        self.app = app
        self.limits = limits
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.streamed(scope):
            await self._stream(scope, receive, send)
            return
        limit = self.limits.max_body_bytes
        declared, encoded = _body_headers(scope)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(too_large(limit), scope, receive, send)
            return
        if not encoded and (declared is None or declared == "0"):
            # No body (HTTP/1.1 sends one only with a length or a transfer coding): nothing
            # to count, time or check, and no wait (most requests are GETs like this).
            await self.app(scope, receive, send)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        if json_depth_over(body, self.limits.max_json_depth):
            await self._refuse(too_deep(self.limits.max_json_depth), scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None when it was refused (answered) or the client left."""
        limit = self.limits.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.limits.body_timeout)
            except TimeoutError:
                await self._refuse(timed_out(self.limits.body_timeout), scope, receive, send)
                return None
            if message["type"] != "http.request":
                return None  # http.disconnect: nobody is left to answer
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(too_large(limit), scope, receive, send)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a streamed body through with the timeout: `receive` gives up after
        `body_timeout` seconds without a chunk (only while the body lasts: later calls
        wait for a disconnect, as they should). An answer sent before the body was read
        to its end (a 401, a 422) first drains the rest, within `max_drain_bytes`, so
        the client can read it; past that it closes the connection, so the server does
        not go on reading a body nobody wants."""
        body_done = False
        seconds = self.limits.body_timeout

        async def timed() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), seconds)
            except TimeoutError:
                raise timed_out(seconds) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def drained() -> bool:
            """Read and drop the rest of the body; whether it ended within the bound."""
            declared, _ = _body_headers(scope)
            bound = self.limits.max_drain_bytes
            if declared is not None and (not declared.isdigit() or int(declared) > bound):
                return False
            size = 0
            while not body_done and size <= bound:
                try:
                    message = await timed()
                except ApiError:
                    return False
                if message["type"] != "http.request":
                    return False
                size += len(message.get("body", b""))
            return body_done and size <= bound

        async def answering(message: Message) -> None:
            early = message["type"] == "http.response.start" and not body_done
            if early and not await drained():
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, timed, answering)

    @staticmethod
    async def _refuse(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(error)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that gives the buffered body once, then the client's own messages
    (a disconnect, which event streams wait for)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
