"""`Cache-Control: no-store` on every response (API.md; issue 9, point 7).

Portal answers carry personal data, tokens and one-time secrets; no browser, proxy or
HTTP cache may keep any of them. A pure ASGI middleware, outermost, so every answer
gets the header: the routers', the errors', the body limits' refusals, downloads and
event streams alike. A response that already says `no-store` (with `private`, say)
keeps its own words.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = b"no-store"


class NoStore:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control" or NO_STORE in value.lower()
                ]
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", NO_STORE))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)
