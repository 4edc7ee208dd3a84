"""The mock portal's FastAPI app factory.

`create_app(settings)` builds a self-contained app: its own database, mailer and clock,
so that tests can run many portals side by side and move their clocks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from cc_tui import __version__
from cc_tui.api import API_PREFIX
from cc_tui.domain.files import MAX_FILE_BYTES
from cc_tui.server.context import ServerContext
from cc_tui.server.db import Database
from cc_tui.server.errors import install_handlers
from cc_tui.server.files import MULTIPART_OVERHEAD_BYTES
from cc_tui.server.jobs import housekeeping_loop
from cc_tui.server.language import AcceptLanguage
from cc_tui.server.limits import Limits, RequestLimits, streaming_matcher
from cc_tui.server.mail import make_mailer
from cc_tui.server.no_store import NoStore
from cc_tui.server.openapi import install as install_openapi
from cc_tui.server.routers import (
    admin,
    attachments,
    auth,
    documents,
    eservices,
    events,
    me,
    notifications,
    request_actions,
    requests,
    service,
)
from cc_tui.server.seed import seed_demo, seed_requests_if_available
from cc_tui.server.seed_library import seed_library
from cc_tui.server.settings import ServerSettings


def build_context(settings: ServerSettings) -> ServerContext:
    # The data directory holds the database, the mail and the attachments: owner only.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    return ServerContext(
        settings=settings,
        db=Database(settings.db_path),
        mailer=make_mailer(settings),
    )


def seed_store(context: ServerContext) -> None:
    """The demo firms, users, library and (when asked) requests that are missing."""
    if context.settings.seed_demo:
        seed_demo(context)
        seed_library(context)
        # The requests seeder (cc_tui.server.seed_requests) runs when it exists.
        if context.settings.seed_requests:
            seed_requests_if_available(context)


def create_app(settings: ServerSettings) -> FastAPI:
    context = build_context(settings)
    seed_store(context)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The OpenAPI document is built before the first request, not by it: the limits'
        # middleware reads it on every request's way in (which operations stream), and
        # building it takes some 0.6 s, which the first requests waited out.
        app.openapi()
        # The abort job and idempotency-key expiry (jobs.py), every few minutes.
        housekeeping = asyncio.create_task(housekeeping_loop(context), name="housekeeping")
        yield
        hub = getattr(app.state, "notice_hub", None)
        if hub is not None:
            hub.close()  # its doorbell too
        housekeeping.cancel()
        with suppress(asyncio.CancelledError):
            await housekeeping
        await context.drain()
        context.db.close()

    app = FastAPI(
        title="Client Connect (mock portal)",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = context
    install_handlers(app)
    # Routing tries the routes in order, at some microseconds each: the reads every
    # dashboard refresh makes are matched first. Their routers are included again below,
    # in the documented order (the OpenAPI document lists paths as included).
    for router in (requests.router, me.router):
        app.include_router(router, prefix=API_PREFIX, include_in_schema=False)
    for router in (
        service.router,
        auth.router,
        me.router,
        eservices.router,
        requests.router,
        request_actions.router,
        notifications.router,
        attachments.router,
        events.router,
        documents.router,
        admin.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    install_openapi(app)
    # Outside routing and authentication: an oversized or trickling body is refused
    # before any of that work is done (limits.py).
    app.add_middleware(
        RequestLimits,
        limits=Limits(
            settings.max_body_bytes,
            settings.max_json_depth,
            settings.body_timeout,
            max_drain_bytes=MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES,
        ),
        streamed=streaming_matcher(app.openapi),
    )
    # Before routing: the words of every answer, refusals included, follow Accept-Language.
    app.add_middleware(AcceptLanguage)
    # Outermost: every answer, the limits' refusals included, says no-store.
    app.add_middleware(NoStore)
    return app
