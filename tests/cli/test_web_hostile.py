"""`cc-tui web`'s /ws tried as a careless or hostile client would (tui/web.py): what is
not the page's own is answered in words or dropped, never a traceback that ends the tab.

The tabs run a stand-in for cc-tui: it says it is ready as a Textual app does, then lives
until the first byte reaches its stdin (the quit packet textual-serve sends as the tab
closes), so a tab stays open while the test talks to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
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
async def serving(public_url: str | None = None) -> AsyncIterator[Client]:
    """A BrowserServer on loopback; on the way out, every tab's process has ended (so none
    is left for the event loop's end to find)."""
    port = free_port()
    server = BrowserServer(
        "echo __GANGLION__; head -c 1 >/dev/null",
        "127.0.0.1",
        port,
        public_url or f"http://127.0.0.1:{port}",
    )
    app = await server._make_app()
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client
        for _ in range(2000):
            if server._tabs == 0:
                break
            await asyncio.sleep(0.005)  # a bounded poll: the closed tab's process ends
        assert server._tabs == 0
        gc.collect()  # the ended processes' transports, while their event loop still runs


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


@pytest.mark.parametrize(
    ("public_url", "host", "origin"),
    [
        ("https://cc.example.com:443", "cc.example.com", "https://cc.example.com"),
        ("http://cc.example.com:80", "cc.example.com", "http://cc.example.com"),
        ("https://cc.example.com", "cc.example.com:443", "https://cc.example.com:443"),
        ("https://CC.Example.com", "cc.example.com", "https://cc.example.com"),
    ],
)
async def test_a_public_url_naming_its_default_port_still_lets_browsers_in(
    public_url: str, host: str, origin: str
) -> None:
    """Browsers leave the scheme's own port out of Host and Origin: whoever writes it
    into --public-url (https://cc.example.com:443) must not lock every browser out."""
    async with serving(public_url) as client:
        page = await client.get("/", headers={"Host": host})
        assert page.status == 200, await page.text()
        tab = await client.ws_connect(
            "/ws?width=80&height=24", headers={"Host": host, "Origin": origin}
        )
        await tab.close()
        other = await client.get("/", headers={"Host": "cc.example.com:8443"})
        assert other.status == 421
