"""`cc-tui web`: its words on the command line, and the guards it puts around
textual-serve (tui/web.py), tried from outside as a hostile page or proxy would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO
from urllib.parse import unquote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from cc_tui.client.transfer import download_name
from cc_tui.server.runner import free_port
from cc_tui.tui.web import BrowserServer, _within, content_disposition, is_loopback
from tests.cli.test_cli import cc_tui
from tests.waiting import await_until

Client = TestClient[web.Request, web.Application]


def test_web_help_names_every_option_with_its_default() -> None:
    done = cc_tui("web", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for said in (
        "--host HOST the address to listen on (default: 127.0.0.1)",
        "--port PORT the port to listen on (default: 8000)",
        "--demo",
        "--server URL",
        "--public-url URL",
        "browser",
    ):
        assert said in text
    assert "web" in cc_tui("--help").stdout


def test_a_port_in_use_is_said_in_words() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cc_tui("web", "--port", str(port), "--server", "http://127.0.0.1:9")
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "give another with --port" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--host", "0.0.0.0"], "give --public-url"),
        (["--public-url", "ftp://x"], "is not a web address of a server"),
        (["--public-url", "http://x/cc"], "(no path)"),
        (["--demo", "--server", "http://x"], "not allowed with argument"),
    ],
)
def test_bad_web_options_are_usage_errors(args: list[str], said: str) -> None:
    done = cc_tui("web", *args, "--port", str(free_port()))
    assert done.returncode == 2
    assert said in done.stderr
    assert "usage: cc-tui web" in done.stderr


def test_listening_beyond_loopback_is_said_as_a_warning() -> None:
    port = free_port()
    args = ["web", "--host", "0.0.0.0", "--port", str(port), "--server", "http://127.0.0.1:9"]
    process = subprocess.Popen(
        [sys.executable, "-m", "cc_tui", *args, "--public-url", f"http://127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        # Its own word that it serves (printed as it starts up) is the signal to stop it.
        with ThreadPoolExecutor(1) as reader:
            said = reader.submit(_line_with, process.stdout, "open http://").result(timeout=30)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "WARNING: listening on 0.0.0.0, not on this machine only" in err
    assert f"open http://127.0.0.1:{port}" in said + out


def _line_with(stream: IO[str], words: str) -> str:
    """The first line of `stream` that holds `words` ("" at its end)."""
    for line in stream:
        if words in line:
            return line
    return ""


def test_loopback_is_told_from_other_addresses() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "::1", "[::1]", "localhost", "127.1.2.3"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.4", "::", "example.com"]))


@contextlib.asynccontextmanager
async def serving(max_tabs: int = 20) -> AsyncIterator[tuple[Client, int, BrowserServer]]:
    """A BrowserServer on loopback whose tabs run `true` (a process that ends at once)."""
    port = free_port()
    server = BrowserServer("true", "127.0.0.1", port, f"http://127.0.0.1:{port}", max_tabs)
    app = await server._make_app()
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client, port, server


@pytest.fixture
async def served() -> AsyncIterator[tuple[Client, int]]:
    async with serving() as (client, port, _):
        yield client, port


async def test_the_page_is_served_with_no_third_party_and_no_framing(
    served: tuple[Client, int],
) -> None:
    client, port = served
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        response = await client.get("/", headers={"Host": host})
        assert response.status == 200
        page = await response.text()
        assert f"ws://127.0.0.1:{port}/ws" in page
        assert "googleapis" not in page
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_a_foreign_host_name_is_refused(
    served: tuple[Client, int],
) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 reaches the port, but with its
    own name in Host."""
    client, port = served
    for path in ("/", "/ws", "/download/x"):
        response = await client.get(path, headers={"Host": f"evil.example:{port}"})
        assert response.status == 421
        assert "cc-tui answers at" in await response.text()


async def test_a_websocket_from_another_site_is_refused(
    served: tuple[Client, int],
) -> None:
    """Cross-site WebSocket hijacking: a page elsewhere opens this server's /ws."""
    client, port = served
    for origin in ("http://evil.example", f"http://127.0.0.1:{port + 1}", "null"):
        with pytest.raises(Exception, match="403"):
            await client.ws_connect("/ws", headers={"Origin": origin})


async def test_an_unknown_download_is_not_found(
    served: tuple[Client, int],
) -> None:
    client, _ = served
    response = await client.get("/download/0123456789abcdef")
    assert response.status == 404


@pytest.mark.parametrize(
    "name",
    ["ECS00001842 audit trail.pdf", 'a;b"c\\d.pdf', "審計記錄 ECS1.pdf", "plain.xlsx"],
)
def test_a_download_carries_its_whole_name(name: str) -> None:
    """RFC 6266: browsers take `filename*` (RFC 8187, UTF-8); the quoted ASCII `filename`
    is for those that cannot, and is a safe name itself."""
    header = content_disposition(name, "download")
    assert header.isascii()
    kind, fallback, encoded = (part.strip() for part in header.split("; "))
    assert kind == "attachment"
    assert encoded.startswith("filename*=UTF-8''")
    assert unquote(encoded.removeprefix("filename*=UTF-8''"), errors="strict") == name
    assert fallback.startswith('filename="') and fallback.endswith('"')
    assert download_name(fallback, "x") == fallback[10:-1]  # nothing unsafe in it


async def test_an_absurd_terminal_size_is_refused(served: tuple[Client, int]) -> None:
    """A screen of 100,000 columns would have the serving machine draw without end."""
    client, _ = served
    for query in ("width=100000&height=24", "width=80&height=0", "width=eighty&height=24"):
        with pytest.raises(Exception, match="400"):
            await client.ws_connect(f"/ws?{query}")
    assert (_within(10**9, 1000), _within("x", 500), _within(None, 500)) == (1000, 1, 1)
    assert _within(-5, 1000) == 1 and _within(120.7, 1000) == 120


async def test_tabs_beyond_the_most_wait_for_one_to_close() -> None:
    async with serving(max_tabs=1) as (client, _, server):
        first = await client.ws_connect("/ws?width=80&height=24")
        with pytest.raises(Exception, match="503"):
            await client.ws_connect("/ws?width=80&height=24")
        await first.close()
        # The server ends the closed tab's process, and then counts the tab closed.
        await await_until(lambda: server.tabs == 0, "the closed tab is counted closed")
        again = await client.ws_connect("/ws?width=80&height=24")
        await again.close()
