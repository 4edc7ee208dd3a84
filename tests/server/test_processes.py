"""Two server processes on one data directory (as `cc-tui server --workers 2` runs): every
rule that holds in one process holds across them.

Each portal here is a real `serve_forever` in its own Python process on its own loopback
port, on the same store, with the fixtures' Monday clock (frozen) and cheap argon2; the
first seeds the store before the second starts. Sessions are minted in the store by the
test, as the other server tests do.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cc_tui.api import API_PREFIX
from cc_tui.server.app import build_context
from cc_tui.server.context import ServerContext
from cc_tui.server.runner import free_port
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.sessions import create_session
from tests.conftest import DEMO_PASSWORD
from tests.server.request_helpers import CHECKER, LEAD, MAKER
from tests.waiting import wait_for_portal

# A portal process: the fixtures' clock and argon2 cost; the hub's fallback poll and the
# streams' heartbeat (each looks at the store) set to an hour, so that only the doorbell
# can bring a notice from the other process in time.
SERVER = """
import sys
from datetime import datetime
from pathlib import Path

from cc_tui.server import notice_hub
from cc_tui.server.routers import notifications
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import serve_forever
from cc_tui.server.settings import ServerSettings

notice_hub.FALLBACK_POLL = 3600.0
notifications.HEARTBEAT_S = 3600.0
settings = ServerSettings(
    data_dir=Path(sys.argv[1]),
    clock=FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=HKT)),
    argon2_time_cost=1,
    argon2_memory_cost=8192,
    seed_demo=sys.argv[3] == "seed",
)
serve_forever(settings, "127.0.0.1", int(sys.argv[2]))
"""


@dataclass
class Portals:
    urls: tuple[str, str]
    context: ServerContext

    def headers(self, user_id: str) -> dict[str, str]:
        with self.context.db.transaction() as conn:
            token, _ = create_session(
                conn, user_id, self.context.now(), self.context.settings.session_absolute
            )
        return {"Authorization": f"Bearer {token}"}

    def count(self, sql: str, *args: object) -> int:
        return int(self.context.db.connect().execute(sql, args).fetchone()[0])

    @asynccontextmanager
    async def clients(self) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
        async with (
            httpx.AsyncClient(base_url=self.urls[0], timeout=30) as first,
            httpx.AsyncClient(base_url=self.urls[1], timeout=30) as second,
        ):
            yield first, second


def start(data_dir: Path, log: Path, seed: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-c", SERVER, str(data_dir), str(port), "seed" if seed else "-"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}{API_PREFIX}"
    try:
        wait_for_portal(url, process)
    except AssertionError:
        process.kill()
        raise AssertionError(f"a portal process did not start:\n{log.read_text()}") from None
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def portals(tmp_path: Path, server_settings: ServerSettings) -> Iterator[Portals]:
    data_dir = server_settings.data_dir
    log = tmp_path / "portals.log"
    first, first_url = start(data_dir, log, seed=True)
    try:
        second, second_url = start(data_dir, log, seed=False)
    except BaseException:
        stop(first)
        raise
    context = build_context(server_settings)
    try:
        yield Portals((first_url, second_url), context)
    finally:
        context.db.close()
        stop(first)
        stop(second)


async def submitted(portals: Portals, client: httpx.AsyncClient) -> dict[str, Any]:
    """A CT027 request made and submitted by the maker through `client`."""
    from cc_tui.domain.forms import example_values, get_eservice
    from cc_tui.server.store.profiles import membership_profile

    profile = membership_profile(portals.context.db.connect(), "B01234")
    assert profile is not None
    values = example_values(get_eservice("CT027"), profile, portals.context.now().date())
    maker = portals.headers(MAKER)
    created = await client.post(
        "/requests", json={"eservice": "CT027", "fields": values}, headers=maker
    )
    assert created.status_code == 201, created.text
    body = created.json()
    sent = await client.post(
        f"/requests/{body['ref']}/actions/submit", json={"version": body["version"]}, headers=maker
    )
    assert sent.status_code == 200, sent.text
    result: dict[str, Any] = sent.json()
    return result


async def test_one_approval_wins_across_two_processes(portals: Portals) -> None:
    async with portals.clients() as (first, second):
        request = await submitted(portals, first)
        checkers = [portals.headers(CHECKER if i % 2 else LEAD) for i in range(20)]
        answers = await asyncio.gather(
            *(
                (first if i % 2 else second).post(
                    f"/requests/{request['ref']}/actions/approve",
                    json={"version": request["version"]},
                    headers=headers,
                )
                for i, headers in enumerate(checkers)
            )
        )
    outcomes = Counter(
        (a.status_code, "ok" if a.status_code == 200 else a.json()["code"]) for a in answers
    )
    assert outcomes == {(200, "ok"): 1, (409, "version_conflict"): 19}
    assert (
        portals.count(
            "SELECT count(*) FROM request_audit a JOIN requests r ON r.id = a.request_id"
            " WHERE r.ref = ? AND a.action = 'approve'",
            request["ref"],
        )
        == 1
    )


async def test_an_idempotency_key_holds_across_two_processes(portals: Portals) -> None:
    maker = portals.headers(MAKER) | {"Idempotency-Key": "create-across"}
    body = {"eservice": "CT027", "fields": {"remarks": "once"}}
    async with portals.clients() as (first, second):
        answers = await asyncio.gather(
            *((first, second)[i % 2].post("/requests", json=body, headers=maker) for i in range(10))
        )
        later = await second.post("/requests", json=body, headers=maker)
    assert {a.status_code for a in answers} == {201}
    assert later.status_code == 201
    assert later.headers["idempotent-replayed"] == "true"
    assert len({a.json()["ref"] for a in [*answers, later]}) == 1
    assert portals.count("SELECT count(*) FROM requests") == 1


async def test_failed_logins_count_together_across_two_processes(portals: Portals) -> None:
    wrong = {"user_id": MAKER, "password": "Wrong-pass-2024"}
    async with portals.clients() as (first, second):
        answers = [
            (await (first, second)[i % 2].post("/auth/login", json=wrong)).status_code
            for i in range(5)
        ]
        right = await first.post("/auth/login", json={"user_id": MAKER, "password": DEMO_PASSWORD})
    assert answers == [401, 401, 401, 401, 423]
    assert right.status_code == 423
    assert portals.count("SELECT failed_attempts FROM users WHERE user_id = ?", MAKER) == 5


async def test_a_new_task_reaches_the_streams_of_both_processes(portals: Portals) -> None:
    """The checker's streams on both processes get the task the maker's submit in the
    first process made; the second's hub polls only hourly here, so its doorbell rang."""
    checker = portals.headers(CHECKER)

    async def first_event(client: httpx.AsyncClient, opened: asyncio.Event) -> str:
        async with client.stream("GET", "/notifications/stream", headers=checker) as stream:
            lines = stream.aiter_lines()
            async for line in lines:
                if line == "":
                    break  # subscribed
            opened.set()
            async for line in lines:
                if line.startswith("data:"):
                    return line
        raise AssertionError("the stream ended without an event")

    async with portals.clients() as (first, second):
        opened = [asyncio.Event(), asyncio.Event()]
        watchers = [
            asyncio.create_task(first_event(client, event))
            for client, event in zip((first, second), opened, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 30)
        request = await submitted(portals, first)
        events = await asyncio.wait_for(asyncio.gather(*watchers), 30)
    assert all(request["ref"] in event for event in events)
