"""Run the portal with uvicorn: in the foreground (`cc-tui server`) or in a background
thread on a free loopback port (`cc-tui --demo`, end-to-end tests)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn

from cc_tui.server.app import create_app
from cc_tui.server.http_protocol import guarded_protocol
from cc_tui.server.notice_hub import end_streams
from cc_tui.server.settings import ServerSettings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


# Request line and headers together (h11's own default, said here once): past it, 400.
MAX_HEADER_BYTES = 16 * 1024


def uvicorn_config(
    settings: ServerSettings, host: str, port: int, **options: Any
) -> uvicorn.Config:
    """The one uvicorn configuration of the portal: header size, keep-alive and the
    protocol with the header deadline and the connection cap (http_protocol.py)."""
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        http=guarded_protocol(settings.header_timeout, settings.max_connections),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_keep_alive=5,
        **options,
    )


@dataclass
class BackgroundServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        # Open event streams never finish by themselves, and uvicorn waits for them.
        end_streams(self.server.config.app)
        self.server.should_exit = True
        self.thread.join(timeout)


def start_background_server(
    settings: ServerSettings, host: str = "127.0.0.1", port: int | None = None
) -> BackgroundServer:
    """Start the portal in a daemon thread and return once it accepts connections."""
    port = port or free_port(host)
    config = uvicorn_config(settings, host, port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="cc-tui-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"The demo portal did not start on {host}:{port}.")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"The demo portal took over 30 s to start on {host}:{port}.")
        time.sleep(0.01)
    return BackgroundServer(url=f"http://{host}:{port}", server=server, thread=thread)


def serve_forever(settings: ServerSettings, host: str, port: int) -> None:
    # Ctrl+C: open event streams get two seconds to end before uvicorn cancels them.
    config = uvicorn_config(settings, host, port, log_level="info", timeout_graceful_shutdown=2)
    uvicorn.Server(config).run()
