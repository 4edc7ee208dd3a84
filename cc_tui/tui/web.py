"""cc-tui in a browser: `cc-tui web` serves the TUI with textual-serve.

textual-serve (Textualize's aiohttp server) answers a page with xterm.js; each browser tab
that opens it starts its own `cc-tui` process under Textual's web driver (`command` below,
one process per tab, ended when the tab closes). The app is the same one a terminal runs;
what differs under the web driver is said where it happens: files go to the browser
(tui/downloads.py), copy reaches the browser's clipboard (xterm.js takes OSC 52), and a
tab keeps its session in memory only (tui/launch.py: the serving machine is not the
user's).

What this module adds to textual-serve, which trusts whoever reaches its port:
- The Host header must be an address this server is meant to be reached at (its
  public URL's, and the loopback names when bound to loopback): a page elsewhere cannot
  reach it through DNS rebinding.
- A WebSocket must come from this server's own page (its Origin): otherwise any web page
  the user visits could open a cc-tui of its own here and read its screen (cross-site
  WebSocket hijacking). Browsers always send Origin; a non-browser client without one is
  let in, as it could connect anyway.
- Pages may not be framed (clickjacking) nor sniffed; no Referer leaves them.
- At most `max_tabs` tabs at once (each is a cc-tui process), and a terminal size within
  `MAX_SIZE` (given at connection and on resize): a client cannot make the serving
  machine start processes or draw screens without end.
- What reaches `/ws` that is not the page's own is answered in words or ignored, never
  a traceback: a plain GET (a crawler, curl) is 400 saying what the address is for, and
  a message that is not one of the page's envelopes (`["stdin", text]`, `["resize",
  {width, height}]`, `["ping", x]`, `["focus"]`, `["blur"]`) is dropped. textual-serve's
  own loop raised on it, ending the tab and logging a screenful of traceback each time.
- Downloads carry their file name as RFC 6266 says (quoted, and UTF-8 in `filename*`),
  where textual-serve writes it bare: a name with a space, `;` or Chinese characters
  reaches the browser whole.
- The page does not load its font from Google (the index's one external request), so
  opening cc-tui tells no third party, and works offline.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any, Final, Literal
from urllib.parse import quote, urlsplit

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "[::1]")
MAX_SIZE: Final = (1000, 500)  # columns, rows: more than a 4K screen shows at 8 px
_EXTERNAL_FONT: Final = re.compile(r"<link[^>]*https://fonts\.googleapis\.com/[^>]*>")
_HEADERS: Final = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """Whether `host` means every address of the machine (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def port_in_use(host: str, port: int) -> OSError | None:
    """Why `host:port` cannot be listened on, or None when it can (checked by binding)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return error
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as error:
            return error
    return None


_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def public_hosts(public_url: str) -> set[str]:
    """The Host values browsers send for `public_url`: with its port, and without it
    where the port is the scheme's own (browsers leave that out of Host and Origin, so
    `https://cc.example.com:443` and `https://cc.example.com` are one address)."""
    parts = urlsplit(public_url)
    name = (parts.hostname or "").lower()
    if ":" in name:
        name = f"[{name}]"
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    port = parts.port or default
    hosts = {f"{name}:{port}"}
    if port == default:
        hosts.add(name)
    return hosts


def _within(value: Any, most: int) -> int:
    """`value` as a whole number from 1 to `most` (anything else a browser sends: 1)."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return 1
    return min(max(number, 1), most)


def _envelope(text: str) -> tuple[str | None, Any]:
    """A page message's kind and data: `[kind]` or `[kind, data]`; (None, None) for
    anything else (not JSON, not such a list)."""
    try:
        envelope = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(envelope, list) or not 1 <= len(envelope) <= 2:
        return None, None
    kind = envelope[0]
    return (kind if isinstance(kind, str) else None), (envelope[1] if len(envelope) > 1 else None)


def content_disposition(file_name: str, open_method: str) -> str:
    """RFC 6266: an ASCII fallback, and the name whole in `filename*` (RFC 8187)."""
    fallback = "".join(
        char if 0x20 <= ord(char) < 0x7F and char not in '"\\;' else "_" for char in file_name
    )
    kind = "inline" if open_method == "browser" else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


class BrowserServer(Server):
    """textual-serve with the guards above; `public_url` is where browsers reach it."""

    def __init__(
        self, command: str, host: str, port: int, public_url: str, max_tabs: int = 20
    ) -> None:
        super().__init__(command, host=host, port=port, title="cc-tui", public_url=public_url)
        self.max_tabs = max_tabs
        self._tabs = 0
        self.allowed_hosts = public_hosts(public_url)
        scheme = urlsplit(public_url).scheme.lower()
        self.allowed_origins = {f"{scheme}://{name}" for name in self.allowed_hosts}
        if is_loopback(host):
            for name in LOOPBACK_NAMES:
                self.allowed_hosts.add(f"{name}:{port}")
                self.allowed_origins.add(f"http://{name}:{port}")

    @property
    def tabs(self) -> int:
        """How many tabs are open now (each a cc-tui process)."""
        return self._tabs

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.on_response_prepare.append(self._add_headers)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.host.lower() not in self.allowed_hosts:
            return web.Response(
                status=421,
                text=f"cc-tui answers at {self.public_url}, not at this address.\n",
            )
        origin = request.headers.get("Origin")
        if (
            request.path == "/ws"
            and origin is not None
            and origin.lower().rstrip("/") not in self.allowed_origins
        ):
            return web.Response(
                status=403, text="cc-tui opens only from its own page, not from another site.\n"
            )
        return await handler(request)

    async def _add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse[Literal[True]]:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPBadRequest(
                text=f"This address is the terminal connection of cc-tui's page: open "
                f"{self.public_url} in a web browser.\n",
            )
        try:
            columns = int(request.query.get("width", "80"))
            rows = int(request.query.get("height", "24"))
        except ValueError:
            columns = rows = 0
        if not (1 <= columns <= MAX_SIZE[0] and 1 <= rows <= MAX_SIZE[1]):
            raise web.HTTPBadRequest(
                text=f"The terminal must be 1 to {MAX_SIZE[0]} columns by 1 to {MAX_SIZE[1]} "
                "rows.\n",
            )
        if self._tabs >= self.max_tabs:
            raise web.HTTPServiceUnavailable(
                text=f"cc-tui is open in {self.max_tabs} tabs already, its most: close one, "
                "or ask whoever runs `cc-tui web` for a higher --max-tabs.\n",
            )
        self._tabs += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self._tabs -= 1

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        """textual-serve's loop, taking only the page's own envelopes (anything else is
        dropped, not raised) and keeping every resize within MAX_SIZE."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            kind, data = _envelope(message.data)
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await app_service.set_terminal_size(
                    _within(data.get("width"), MAX_SIZE[0]),
                    _within(data.get("height"), MAX_SIZE[1]),
                )
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def handle_index(self, request: web.Request) -> Any:
        response = await super().handle_index(request)
        if isinstance(response, web.Response) and response.text is not None:
            response.text = _EXTERNAL_FONT.sub("", response.text)
        return response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        try:
            download = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="This download is over or was never offered.\n") from None
        response = web.StreamResponse()
        response.content_type = download.mime_type
        if download.encoding:
            response.charset = download.encoding
        response.headers["Content-Disposition"] = content_disposition(
            download.file_name, download.open_method
        )
        response.headers["Cache-Control"] = "no-store"
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(
            f"cc-tui in the browser: open {self.public_url}  (Ctrl+C stops it)", highlight=False
        )
