"""Each request is answered in the language its Accept-Language asks for (issue 15).

A pure ASGI middleware sets the context's language (cc_tui/domain/i18n.py) before
routing, so problems (`detail`, `fix`, `title`), eService definitions and every other
translated word of the answer follow it: `en`, `zh-Hant` (and zh-HK, zh-TW, zh-MO),
anything else or nothing at all English, never an error.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cc_tui.domain.i18n import Language, negotiate, speaking


class AcceptLanguage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with speaking(language_of_scope(scope)):
            await self.app(scope, receive, send)


def language_of_scope(scope: Scope) -> Language:
    """The language a request's Accept-Language asks for (also read again by the
    handler of an unexpected error, which runs outside this middleware)."""
    header = next((value for name, value in scope["headers"] if name == b"accept-language"), None)
    return negotiate(header.decode("latin-1") if header is not None else None)
