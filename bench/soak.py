"""Soak: 200 simulated TUI users of both firms against one portal process for 60 s.

Each user works as a person at the TUI does, with think times of 1 to 4 s: it arrives
within the first 20 s and logs in
(the password step, POST /auth/login with the real argon2 check; its session itself is
minted in the store, since the e-mailed code cannot be told apart between 200 sessions of
the same few demo users), keeps its notice stream open the whole time, and then reads
the section counts, pages a section, filters (status, eService, words), opens requests
and, as a checker, approves or returns one now and then (a maker makes and submits
one now and then, which is what gives the checkers' streams their tasks). Exchange
officers check what reached the exchange.

Prints, per endpoint: how many calls, p50 and p99 (ms); the errors (any 5xx, any
transport error, any 4xx but the 409 a checker gets when another was quicker, which is
the portal working); the notices received; and the server's peak memory (VmHWM).

The server is `serve_forever` in its own process on a fresh store of `--size` seeded
requests, with its connection cap raised to 1,000 (each user holds a stream and a
connection of its own: 400 connections, past the default cap of 200).

Run: `.venv/bin/python bench/soak.py [--users 200] [--seconds 60] [--size 100000]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.server.app import build_context
from cc_tui.server.runner import free_port
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session

DEMO_PASSWORD = "Demo-pass-2024"
# As PortalClient: idle connections are dropped before the portal's 5 s keep-alive ends.
LIMITS = httpx.Limits(keepalive_expiry=4.0)
# One TLS context for every simulated user's clients. httpx makes one per client
# otherwise (loading the CA store: some 40 ms of CPU each), and 600 of them stalled this
# one process's event loop for seconds at a time: the users' requests then went out
# late, their kept-alive connections were closed by the portal meanwhile (its keep-alive
# and header timeouts), and what looked like portal errors and seconds of latency were
# the simulator's. Each user still has its own clients and connections, as each TUI does.
TLS = ssl.create_default_context()
SERVER = """
import sys
from pathlib import Path
from cc_tui.server.runner import serve_forever
from cc_tui.server.settings import ServerSettings
settings = ServerSettings(data_dir=Path(sys.argv[1]), seed_requests=int(sys.argv[3]),
                          max_connections=1000)
serve_forever(settings, "127.0.0.1", int(sys.argv[2]))
"""


@dataclass(frozen=True)
class Role:
    user_id: str
    firm: str | None
    makes: bool
    checks: bool
    share: float


ROLES = (
    Role("checker@harbour.example", "B01234", makes=False, checks=True, share=0.35),
    Role("lead@harbour.example", "B01234", makes=True, checks=True, share=0.15),
    Role("maker@harbour.example", "B01234", makes=True, checks=False, share=0.20),
    Role("maker@kowloon.example", "B05678", makes=True, checks=True, share=0.20),
    Role("officer@hkex.example", None, makes=False, checks=True, share=0.10),
)
SECTIONS = ("all", "awaiting_my_check", "submitted_by_me", "history", "my_drafts")
FILTERS = (
    "status:approved",
    "eservice:CT027",
    "status:pending_checker eservice:CT027",
    "dividend",
    "buy-in !exemption",
)


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    notices: int = 0
    actions: Counter[str] = field(default_factory=Counter)


async def call(
    client: httpx.AsyncClient,
    tally: Tally,
    label: str,
    method: str,
    url: str,
    **kwargs: Any,
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        tally.errors[f"{label}: {type(error).__name__}"] += 1
        return None
    tally.times[label].append((time.perf_counter() - started) * 1000)
    if response.status_code == 409 and "/actions/" in url:
        tally.conflicts += 1  # another checker was quicker: the portal working
    elif response.status_code >= 400:
        tally.errors[f"{label}: {response.status_code} {response.text[:80]}"] += 1
    return response


async def stream(client: httpx.AsyncClient, tally: Tally, stop: asyncio.Event) -> None:
    """Keep the notice stream open (reconnecting as the TUI does) until the end."""
    while not stop.is_set():
        try:
            async with client.stream("GET", "/notifications/stream") as response:
                if response.status_code != 200:
                    tally.errors[f"stream: {response.status_code}"] += 1
                    return
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        tally.notices += 1
                    if stop.is_set():
                        return
        except httpx.HTTPError as error:
            if not stop.is_set():
                tally.errors[f"stream: {type(error).__name__}"] += 1
                await asyncio.sleep(2)


async def user(
    index: int,
    role: Role,
    token: str,
    base: str,
    values: dict[str, dict[str, object]],
    tally: Tally,
    stop: asyncio.Event,
) -> None:
    rng = random.Random(index)
    await asyncio.sleep(rng.uniform(0, 20))  # people arrive over the first twenty seconds
    async with httpx.AsyncClient(base_url=base, timeout=30, verify=TLS) as anonymous:
        await call(
            anonymous,
            tally,
            "POST /auth/login",
            "POST",
            "/auth/login",
            json={"user_id": role.user_id, "password": DEMO_PASSWORD},
        )
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(
            base_url=base, headers=headers, timeout=30, limits=LIMITS, verify=TLS
        ) as client,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=None, verify=TLS) as streamer,
    ):
        watcher = asyncio.create_task(stream(streamer, tally, stop))
        await call(client, tally, "GET /me", "GET", "/me")
        while not stop.is_set():
            await step(client, role, rng, values, tally)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), rng.uniform(1, 4))
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def step(
    client: httpx.AsyncClient,
    role: Role,
    rng: random.Random,
    values: dict[str, dict[str, object]],
    tally: Tally,
) -> None:
    """One thing a person does between two pauses."""
    roll = rng.random()
    if roll < 0.2:
        await call(client, tally, "GET /requests/sections", "GET", "/requests/sections")
        return
    if roll < 0.3 and role.makes and role.firm is not None:
        await make(client, role, values, tally)
        return
    section = "awaiting_my_check" if role.checks and roll < 0.55 else rng.choice(SECTIONS)
    params: dict[str, Any] = {"section": section, "limit": 50}
    if roll > 0.8:
        params = {"q": rng.choice(FILTERS), "limit": 50}
    label = "GET /requests?q=" if "q" in params else "GET /requests"
    page = await call(client, tally, label, "GET", "/requests", params=params)
    if page is None or page.status_code != 200:
        return
    body = page.json()
    if body["next_cursor"] and rng.random() < 0.3:
        await call(
            client,
            tally,
            "GET /requests (next page)",
            "GET",
            "/requests",
            params={**params, "cursor": body["next_cursor"]},
        )
    if not body["items"]:
        return
    ref = rng.choice(body["items"])["ref"]
    opened = await call(client, tally, "GET /requests/{ref}", "GET", f"/requests/{ref}")
    if opened is None or opened.status_code != 200:
        return
    request = opened.json()
    allowed = set(request["allowed_actions"])
    choice = None
    if section == "awaiting_my_check" and rng.random() < 0.5:
        choice = next((a for a in ("approve", "complete", "return") if a in allowed), None)
        if choice == "approve" and "return" in allowed and rng.random() < 0.25:
            choice = "return"
    if choice is not None:
        comment = "Please check the quantity." if choice == "return" else None
        await call(
            client,
            tally,
            f"POST /requests/{{ref}}/actions/{choice}",
            "POST",
            f"/requests/{ref}/actions/{choice}",
            json={"version": request["version"], "comment": comment},
        )
        tally.actions[choice] += 1


async def make(
    client: httpx.AsyncClient, role: Role, values: dict[str, dict[str, object]], tally: Tally
) -> None:
    assert role.firm is not None
    made = await call(
        client,
        tally,
        "POST /requests",
        "POST",
        "/requests",
        json={"eservice": "CT027", "fields": values[role.firm]},
    )
    if made is None or made.status_code != 201:
        return
    draft = made.json()
    await call(
        client,
        tally,
        "POST /requests/{ref}/actions/submit",
        "POST",
        f"/requests/{draft['ref']}/actions/submit",
        json={"version": draft["version"]},
    )
    tally.actions["submit"] += 1


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def soak(base: str, data_dir: Path, users: int, seconds: float) -> Tally:
    context = build_context(ServerSettings(data_dir=data_dir))
    values: dict[str, dict[str, object]] = {}
    for firm in ("B01234", "B05678"):
        profile = membership_profile(context.db.connect(), firm)
        assert profile is not None
        values[firm] = example_values(get_eservice("CT027"), profile, context.now().date())
    weights = [role.share for role in ROLES]
    roles = random.Random(7).choices(ROLES, weights, k=users)
    tokens = []
    for role in roles:
        with context.db.transaction() as conn:
            token, _ = create_session(
                conn, role.user_id, context.now(), context.settings.session_absolute
            )
        tokens.append(token)
    context.db.close()
    tally = Tally()
    stop = asyncio.Event()
    people = [
        asyncio.create_task(user(i, role, tokens[i], base, values, tally, stop))
        for i, role in enumerate(roles)
    ]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*people)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--size", type=int, default=100_000, help="requests seeded")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cc-tui-soak-") as tmp:
        data_dir = Path(tmp) / "portal"
        port = free_port()
        base = f"http://127.0.0.1:{port}{API_PREFIX}"
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-c", SERVER, str(data_dir), str(port), str(args.size)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 600
            while True:
                if server.poll() is not None:
                    sys.exit(f"the portal did not start:\n{log.read_text()[-2000:]}")
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("the portal did not answer within 600 s")
                time.sleep(0.2)
            started_mb = peak_memory_mb(server.pid)
            tally = asyncio.run(soak(base, data_dir, args.users, args.seconds))
            peak_mb = peak_memory_mb(server.pid)
        finally:
            os.kill(server.pid, signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    report(tally, args, started_mb, peak_mb)
    return 1 if tally.errors else 0


def report(tally: Tally, args: argparse.Namespace, started_mb: float, peak_mb: float) -> None:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"soak: {args.users} users for {args.seconds:g} s on a store of {args.size:,}"
        f" requests, one server process (load average {load} on {os.cpu_count()} cores)"
    )
    print(f"{'endpoint':<44} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for label, times in sorted(tally.times.items()):
        cuts = statistics.quantiles(times, n=100) if len(times) > 1 else [times[0]] * 99
        print(f"{label:<44} {len(times):6d} {cuts[49]:8.1f} {cuts[98]:8.1f}")
    calls = sum(len(t) for t in tally.times.values())
    print(f"calls {calls:,} ({calls / args.seconds:.0f}/s); actions {dict(tally.actions)}")
    print(f"409 conflicts (another checker was quicker): {tally.conflicts}")
    print(f"notices received on open streams: {tally.notices}")
    print(f"errors: {sum(tally.errors.values())}")
    for what, count in tally.errors.most_common(10):
        print(f"  {count:5d}  {what}")
    print(f"server peak memory (VmHWM): {peak_mb:.0f} MB (after start-up {started_mb:.0f} MB)")


if __name__ == "__main__":
    sys.exit(main())
