"""Benchmark: an approval's round trip through PortalClient against the real server.

Starts the bundled portal on a loopback port (uvicorn in a thread, a throwaway data dir,
its clock held at a Monday 10:00 HKT so that the maintenance window never interferes),
has the maker create and submit N CT027 requests, then times the checker's
`PortalClient.act(ref, "approve", version)` one after another: the whole round trip a
checker waits for (HTTP over loopback, authorisation, the version-checked update, the
audit row, the task notices and the response's `Request`). Sessions are minted in the
store directly, so login (argon2, OTP) is not part of the figure. Prints the median,
the spread and the throughput.

Run: `.venv/bin/python bench/approve.py [--requests 200]`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from cc_tui.client.portal import PortalClient
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.context import ServerContext
from cc_tui.server.runner import start_background_server
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=HKT)


def session(context: ServerContext, user_id: str) -> str:
    with context.db.transaction() as conn:
        token, _ = create_session(conn, user_id, context.now(), context.settings.session_absolute)
    return token


async def run(url: str, context: ServerContext, count: int) -> list[float]:
    profile = membership_profile(context.db.connect(), "B01234")
    assert profile is not None
    values = example_values(get_eservice("CT027"), profile, MONDAY.date())
    maker_token = session(context, "maker@harbour.example")
    checker_token = session(context, "checker@harbour.example")
    async with (
        PortalClient(url, token=maker_token) as maker,
        PortalClient(url, token=checker_token) as checker,
    ):
        pending = []
        for _ in range(count):
            draft = await maker.create_request("CT027", values)
            pending.append(await maker.act(draft.ref, "submit", draft.version))
        await checker.act(pending[0].ref, "approve", pending[0].version)  # warm-up
        timings: list[float] = []
        for request in pending[1:]:
            start = time.perf_counter()
            approved = await checker.act(request.ref, "approve", request.version)
            timings.append((time.perf_counter() - start) * 1000)
            assert approved.status.value == "with_exchange"
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-tui-bench-") as tmp:
        settings = ServerSettings(data_dir=Path(tmp), clock=FakeClock(MONDAY))
        portal = start_background_server(settings)
        try:
            context: ServerContext = portal.context
            timings = asyncio.run(run(portal.url, context, max(args.requests, 2)))
        finally:
            portal.stop()
    timings.sort()
    median = statistics.median(timings)
    p90 = timings[int(len(timings) * 0.9) - 1]
    print(f"approve round trip through PortalClient, {len(timings)} approvals:")
    print(f"  median {median:.2f} ms, p90 {p90:.2f} ms, min {timings[0]:.2f} ms, ")
    print(f"  max {timings[-1]:.2f} ms; {1000 / statistics.mean(timings):.0f} approvals/s")


if __name__ == "__main__":
    main()
