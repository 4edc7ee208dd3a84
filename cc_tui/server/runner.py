"""Run the portal with uvicorn: in the foreground (`cc-tui server`, one process or
`--workers N`) or in a background thread on a free loopback port (`cc-tui --demo`,
end-to-end tests).

The HTTP stack (`uvicorn_options`): uvloop and httptools when installed (they are
dependencies; asyncio and h11 where they are not, e.g. uvloop on Windows), the guards of
http_protocol.py, and no access log unless asked for: a log line per request costs more
than a whole `/me` (measured with bench/throughput.py).

With `--workers N` uvicorn's supervisor starts N processes that share the listening
socket, each with its own app on the same store (SQLite in WAL mode; every rule that
must hold across processes is a transaction in the store). The store is seeded once,
by the supervisor, before the workers start; each worker then builds its app from the
settings passed in the `CC_TUI_SERVER` environment variable (`worker_app`), and its
protocol class by name (`worker_protocol`).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, fields, replace
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from cc_tui.server.app import build_context, create_app, seed_store
from cc_tui.server.context import ServerContext
from cc_tui.server.http_protocol import MAX_HEADER_BYTES, guarded_protocol
from cc_tui.server.notice_hub import end_streams
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import identity

WORKER_SETTINGS_ENV = "CC_TUI_SERVER"
_App = TypeVar("_App")
MAX_WORKERS = 64


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_options(settings: ServerSettings, *, access_log: bool = False) -> dict[str, Any]:
    """The uvicorn options of every portal process (and of bench/hello_world.py): header
    size, keep-alive, no access log, and the protocol with the header deadline and the
    connection cap (http_protocol.py) on uvicorn's fastest parser installed."""
    return {
        "http": guarded_protocol(settings.header_timeout, settings.max_connections),
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "timeout_keep_alive": 5,
        "loop": "auto",
        "access_log": access_log,
    }


def uvicorn_config(
    settings: ServerSettings, host: str, port: int, **options: Any
) -> uvicorn.Config:
    """The one uvicorn configuration of a portal process (`uvicorn_options`)."""
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        **{**uvicorn_options(settings), **options},
    )


@dataclass
class BackgroundServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread
    portal_id: str = ""  # the portal's identity (what GET /service/status reports)

    @property
    def app(self) -> FastAPI:
        """The portal's FastAPI app (uvicorn types it as any ASGI app)."""
        app = self.server.config.app
        assert isinstance(app, FastAPI)
        return app

    @property
    def context(self) -> ServerContext:
        """The running portal's store, clock and mail (for tests and benchmarks)."""
        context = self.app.state.context
        assert isinstance(context, ServerContext)
        return context

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
    with contextlib.closing(sqlite3.connect(settings.db_path)) as conn:
        portal_id = identity.portal_id(conn)
    return BackgroundServer(f"http://{host}:{port}", server, thread, portal_id)


def serve_forever(
    settings: ServerSettings,
    host: str,
    port: int,
    *,
    workers: int = 1,
    access_log: bool = False,
) -> None:
    """Serve until Ctrl+C: open event streams get two seconds to end before uvicorn
    cancels them. `workers` > 1 runs that many processes on the one store."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be from 1 to {MAX_WORKERS}, not {workers}.")
    if workers == 1:
        config = uvicorn_config(
            settings,
            host,
            port,
            log_level="info",
            timeout_graceful_shutdown=2,
            access_log=access_log,
        )
        settle(config.app)
        uvicorn.Server(config).run()
        return
    context = build_context(settings)
    try:
        seed_store(context)
    finally:
        context.db.close()
    os.environ[WORKER_SETTINGS_ENV] = settings_to_text(replace(settings, seed_demo=False))
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=2,
        # The workers are spawned and given the config pickled: the protocol travels by
        # name (a class made by guarded_protocol cannot be pickled), see __getattr__.
        **{**uvicorn_options(settings, access_log=access_log), "http": WORKER_PROTOCOL},
    )


WORKER_PROTOCOL = f"{__name__}:worker_protocol"


def __getattr__(name: str) -> Any:
    """`worker_protocol`: the guarded protocol for a worker's settings (uvicorn imports
    it by name in each worker process)."""
    if name == "worker_protocol":
        settings = settings_from_text(os.environ[WORKER_SETTINGS_ENV])
        return guarded_protocol(settings.header_timeout, settings.max_connections)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def worker_app() -> FastAPI:
    """One worker's app (uvicorn calls this in each worker process): the settings come
    from the supervisor; the store is already seeded."""
    return settle(create_app(settings_from_text(os.environ[WORKER_SETTINGS_ENV])))


def settle(app: _App) -> _App:
    """A server process's app, made and about to serve: its OpenAPI document is built
    now, and everything made so far (modules, routes, models, the document) is moved
    out of the garbage collector's sight (`gc.freeze`), so that a full collection under
    load walks only what requests made since: it walked some 90,000 objects, a pause
    of 0.1 s or more that every open connection waited out. Only for processes that do
    nothing but serve (`serve_forever`), not for portals started inside other programs."""
    if isinstance(app, FastAPI):
        app.openapi()
    gc.collect()
    gc.freeze()
    return app


def settings_to_text(settings: ServerSettings) -> str:
    """The settings as JSON for a worker process (the clock stays: workers run on the
    system clock). Each value is tagged with its type so that it comes back as one."""
    encoded: dict[str, list[object]] = {}
    for item in fields(settings):
        if item.name == "clock":
            continue
        value = getattr(settings, item.name)
        if isinstance(value, Path):
            encoded[item.name] = ["path", str(value)]
        elif isinstance(value, timedelta):
            encoded[item.name] = ["timedelta", value.total_seconds()]
        elif isinstance(value, dt_time):
            encoded[item.name] = ["time", value.isoformat()]
        elif value is None or isinstance(value, str | int | float | bool):
            encoded[item.name] = ["value", value]
        else:
            raise TypeError(
                f"ServerSettings.{item.name} ({type(value).__name__}) cannot be passed to "
                "worker processes; teach runner.settings_to_text its type."
            )
    return json.dumps(encoded)


def settings_from_text(text: str) -> ServerSettings:
    values: dict[str, Any] = {}
    for name, (kind, value) in json.loads(text).items():
        if kind == "path":
            values[name] = Path(value)
        elif kind == "timedelta":
            values[name] = timedelta(seconds=value)
        elif kind == "time":
            values[name] = dt_time.fromisoformat(value)
        else:
            values[name] = value
    return ServerSettings(**values)
