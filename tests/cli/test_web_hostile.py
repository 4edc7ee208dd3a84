"""`cc-tui web`'s /ws tried as a careless or hostile client would (tui/web.py): what is
not the page's own is answered in words or dropped, never a traceback that ends the tab.

The tabs run `head -c 1`: a process that lives until the first byte reaches its stdin
(the quit packet textual-serve sends as the tab closes), so a tab stays open while the
test talks to it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from cc_tui.server.runner import free_port
from cc_tui.tui.web import BrowserServer, _envelope

Client = TestClient[web.Request, web.Application]

NOT_THE_PAGES = [
    "not json",
    "[]",
    '{"a": 1}',
    '"resize"',
    '["resize"]',
    '["resize", 5]',
    '["resize", {"width": "wide", "height": NaN}]',
    '["resize", {"width": 1e400, "height": -3}]',
    "[5, 6]",
    '["stdin"]',
    '["stdin", 5]',
    '["focus", 1, 2, 3]',
    '["no such kind", {}]',
]


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[Client]:
    port = free_port()
    server = BrowserServer("head -c 1 >/dev/null", "127.0.0.1", port, f"http://127.0.0.1:{port}")
    app = await server._make_app()
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client


async def test_a_plain_get_of_the_terminal_connection_is_told_what_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serving() as client:
        response = await client.get("/ws?width=80&height=24")
        assert response.status == 400
        said = await response.text()
        assert "open http://127.0.0.1:" in said and "in a web browser" in said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_messages_not_the_pages_own_are_dropped_and_the_tab_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serving() as client:
        tab = await client.ws_connect("/ws?width=80&height=24")
        for text in NOT_THE_PAGES:
            await tab.send_str(text)
        await tab.send_str('["ping", "still there?"]')
        answer = await tab.receive(timeout=10)
        assert answer.type == WSMsgType.TEXT, answer
        assert answer.json() == ["pong", "still there?"]
        await tab.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_envelope_is_a_kind_and_maybe_data() -> None:
    assert _envelope('["stdin", "x"]') == ("stdin", "x")
    assert _envelope('["focus"]') == ("focus", None)
    for text in [*NOT_THE_PAGES[:5], "[5, 6]", '["a", 1, 2]']:
        assert _envelope(text)[0] in (None, "resize"), text
