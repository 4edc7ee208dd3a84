"""Benchmark: the portal under load, side by side with a FastAPI hello-world.

Seeds (or reuses, as bench/dashboard.py does) a store of 1,000,000 requests, starts
`cc-tui server` on it and `bench/hello_world.py` (the same uvicorn stack and options),
one worker each, and drives both with wrk at 32 connections: `/me`, the section counts,
the first page of "all" and of "awaiting my check", a status + eService filter, a word
search, the next page by cursor and one request (`GET /requests/{ref}`). For each it
prints req/s, p50, p99 and the ratio of its req/s to hello-world's.

The machine is shared, so every figure is a median of `--runs` rounds, and each round
measures hello-world first and then every endpoint, so that a ratio compares figures
taken minutes apart at most; the ratio printed is the median of the rounds' ratios.
With `--workers 1,2` (the default) it does it all again on 2 worker processes and prints
the scaling (2-worker req/s over 1-worker req/s) per endpoint. Last, it runs two portal
processes on the store and measures how long a new task takes to reach the checker's
open notice stream in each (the maker submits through the first): the goal is a median
under 100 ms in every process.

Goals (issue 14), on one worker at 1,000,000 requests: every list and detail variant
>= 25% of hello-world with p99 <= 50 ms; `/me` and the section counts >= 40%.

Needs wrk (Debian: `apt-get install -y wrk`).

Run: `.venv/bin/python bench/throughput.py [--runs 3] [--duration 10] [--workers 1,2]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import MembershipProfile, example_values, get_eservice
from cc_tui.server.clock import SystemClock
from cc_tui.server.runner import free_port
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from dashboard import CHECKER, LEAD, MAKER, seed_store  # noqa: E402

HELLO = "hello-world"


@dataclass(frozen=True)
class Target:
    """One endpoint under load: its label, who asks, its goal, and its path (with query;
    `{ref}` and `{cursor}` are filled in once the server runs)."""

    label: str
    user: str
    goal_ratio: float
    goal_p99_ms: float | None
    path: str


def _list(**params: str) -> str:
    return "/requests?" + urlencode({**params, "limit": "50"}).replace("%7B", "{").replace(
        "%7D", "}"
    )


TARGETS = (
    Target("/me", CHECKER, 0.40, None, "/me"),
    Target("/requests/sections", LEAD, 0.40, None, "/requests/sections"),
    Target("first page: all", LEAD, 0.25, 50, _list(section="all")),
    Target("first page: awaiting my check", CHECKER, 0.25, 50, _list(section="awaiting_my_check")),
    Target("status + eService filter", LEAD, 0.25, 50, _list(q="status:approved eservice:CT027")),
    Target("word search", LEAD, 0.25, 50, _list(q="dividend")),
    Target("next page by cursor", LEAD, 0.25, 50, _list(section="all", cursor="{cursor}")),
    Target("GET /requests/{ref}", LEAD, 0.25, 50, "/requests/{ref}"),
)


@dataclass(frozen=True)
class Figure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def first_cursor(base: str, token: str) -> str:
    """The cursor of the second page of "all", read from the first page."""
    first = httpx.get(
        base + "/requests",
        params={"section": "all", "limit": 50},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    first.raise_for_status()
    cursor: str = first.json()["next_cursor"]
    return cursor


# wrk ------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if found is None:
        raise ValueError(f"wrk printed a latency this script cannot read: {text!r}")
    return float(found[1]) * _UNITS[found[2]]


def parse_wrk(output: str) -> Figure:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if rps is None or p50 is None or p99 is None:
        raise RuntimeError(f"wrk's output could not be read:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx[1])
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Figure(float(rps[1]), _ms(p50[1]), _ms(p99[1]), errors)


def wrk(url: str, token: str | None, connections: int, duration: float) -> Figure:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def need_wrk() -> None:
    if shutil.which("wrk") is None:
        sys.exit(
            "bench/throughput.py needs wrk, the HTTP load generator, and it is not on PATH.\n"
            "Install it (Debian/Ubuntu): apt-get install -y wrk   (or: sudo apt-get install wrk)"
        )


# Servers ---------------------------------------------------------------------------------


@contextmanager
def running(command: Sequence[str], health_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process and wait until it answers; stop it (Ctrl+C) on the way out."""
    process = subprocess.Popen(
        list(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"{command[0]} exited at start:\n{error[-2000:]}")
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command)} did not answer within 300 s")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def portal_command(data_dir: Path, port: int, workers: int) -> list[str]:
    command = [sys.executable, "-m", "cc_tui", "server", "--data-dir", str(data_dir)]
    command += ["--port", str(port)]
    return command + (["--workers", str(workers)] if workers != 1 else [])


def hello_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        str(BENCH / "hello_world.py"),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


# The run ---------------------------------------------------------------------------------


def measure(
    data_dir: Path, tokens: dict[str, str], ref: str, workers: int, args: argparse.Namespace
) -> dict[str, list[Figure]]:
    """`args.runs` rounds: hello-world, then each endpoint; figures by label."""
    portal_port, hello_port = free_port(), free_port()
    portal = f"http://127.0.0.1:{portal_port}{API_PREFIX}"
    hello = f"http://127.0.0.1:{hello_port}/"
    found: dict[str, list[Figure]] = {}
    with (
        running(portal_command(data_dir, portal_port, workers), portal + "/health"),
        running(hello_command(hello_port, workers), hello),
    ):
        cursor = quote(first_cursor(portal, tokens[LEAD]), safe="")
        chosen = [t for t in TARGETS if not args.only or any(o in t.label for o in args.only)]
        # Warm up: the store's pages into the cache, every worker's first requests.
        wrk(hello, None, args.connections, 2)
        for target in chosen:
            wrk(portal + fill(target, ref, cursor), tokens[target.user], args.connections, 2)
        for run in range(args.runs):
            print(f"  {workers} worker(s), round {run + 1} of {args.runs}", file=sys.stderr)
            found.setdefault(HELLO, []).append(wrk(hello, None, args.connections, args.duration))
            for target in chosen:
                url = portal + fill(target, ref, cursor)
                figure = wrk(url, tokens[target.user], args.connections, args.duration)
                found.setdefault(target.label, []).append(figure)
    return found


def fill(target: Target, ref: str, cursor: str) -> str:
    return target.path.replace("{ref}", ref).replace("{cursor}", cursor)


def ratio_medians(found: dict[str, list[Figure]]) -> dict[str, float]:
    """Each label's median over the rounds of (its req/s / hello-world's in that round)."""
    hello = found[HELLO]
    return {
        label: statistics.median(f.rps / h.rps for f, h in zip(figures, hello, strict=True))
        for label, figures in found.items()
    }


def report(found: dict[str, list[Figure]], workers: int, runs: int) -> list[str]:
    """Print the table of one worker count; returns what misses its goal."""
    ratios = ratio_medians(found)
    goals = {t.label: t for t in TARGETS}
    print(f"\n{workers} worker(s), 32 connections, medians of {runs} rounds")
    head = ("endpoint", "req/s", "p50 ms", "p99 ms", "ratio", "errors")
    print("{:<32} {:>8} {:>8} {:>8} {:>7} {:>7}  goal".format(*head))
    misses: list[str] = []
    for label, figures in found.items():
        rps = statistics.median(f.rps for f in figures)
        p50 = statistics.median(f.p50_ms for f in figures)
        p99 = statistics.median(f.p99_ms for f in figures)
        errors = sum(f.errors for f in figures)
        verdict = ""
        target = goals.get(label)
        if target is not None and workers == 1:
            ok = ratios[label] >= target.goal_ratio and (
                target.goal_p99_ms is None or p99 <= target.goal_p99_ms
            )
            goal = f">= {target.goal_ratio:.0%}" + (
                f", p99 <= {target.goal_p99_ms:.0f} ms" if target.goal_p99_ms else ""
            )
            verdict = f"{'meets' if ok else 'MISSES'} {goal}"
            if not ok:
                misses.append(label)
        if errors:
            misses.append(f"{label} (errors)")
        ratio = ratios[label]
        print(
            f"{label[:32]:<32} {rps:8.0f} {p50:8.2f} {p99:8.2f} {ratio:7.1%} {errors:7d}  {verdict}"
        )
    return misses


def sessions(data_dir: Path, size: int) -> tuple[dict[str, str], str]:
    """Session tokens minted in the store for the users asking, and a request to open."""
    context, seeded = seed_store(data_dir, size)
    print(f"store: {seeded}", flush=True)
    try:
        tokens: dict[str, str] = {}
        for user in (CHECKER, LEAD, MAKER):
            with context.db.transaction() as conn:
                tokens[user], _ = create_session(
                    conn, user, context.now(), context.settings.session_absolute
                )
        ref_id = (
            context.db.connect()
            .execute(
                "SELECT min(id) FROM requests WHERE participant_id = 'B01234'"
                " AND id >= (SELECT max(id) / 2 FROM requests)"
            )
            .fetchone()[0]
        )
        profile = membership_profile(context.db.connect(), "B01234")
        assert profile is not None
        PROFILE.append(profile)
    finally:
        context.db.close()
    return tokens, f"ECS{ref_id:08d}"


PROFILE: list[MembershipProfile] = []  # B01234's, for the notice figure's forms


def form_values() -> dict[str, object]:
    """A valid CT027 form of B01234 as of now (made when the tasks are, since its dates
    follow the day, and a run may cross midnight in Hong Kong)."""
    return example_values(get_eservice("CT027"), PROFILE[0], SystemClock().now().date())


def notice_latency(data_dir: Path, tokens: dict[str, str], count: int) -> None:
    """Two portal processes on the store; the checker's stream open on each; the maker
    submits `count` requests through the first. Prints, per process, the median and
    worst time from the submit's start to the task's event on the stream."""
    ports = (free_port(), free_port())
    bases = [f"http://127.0.0.1:{port}{API_PREFIX}" for port in ports]
    with (
        running(portal_command(data_dir, ports[0], 1), bases[0] + "/health"),
        running(portal_command(data_dir, ports[1], 1), bases[1] + "/health"),
    ):
        delays = asyncio.run(_notice_delays(bases, tokens, count))
    print(f"\nnew task -> event on an open stream, {count} tasks made in process 1:")
    for name, found in zip(("process 1 (made it)", "process 2"), delays, strict=True):
        if found:
            print(
                f"  {name:<20} median {statistics.median(found):6.1f} ms,"
                f" max {max(found):6.1f} ms ({len(found)} of {count})"
            )
        else:
            print(f"  {name:<20} no event arrived")


async def _notice_delays(bases: list[str], tokens: dict[str, str], count: int) -> list[list[float]]:
    checker = {"Authorization": f"Bearer {tokens[CHECKER]}"}
    maker = {"Authorization": f"Bearer {tokens[MAKER]}"}
    submitted: dict[str, float] = {}
    delays: list[list[float]] = [[], []]
    opened = [asyncio.Event(), asyncio.Event()]

    async def watch(index: int, client: httpx.AsyncClient) -> None:
        async with client.stream("GET", "/notifications/stream", headers=checker) as stream:
            lines = stream.aiter_lines()
            async for line in lines:
                if line == "":
                    break  # the opening block: subscribed
            opened[index].set()
            async for line in lines:
                if line.startswith("data:"):
                    ref = json.loads(line[5:])["ref"]
                    if ref in submitted:
                        delays[index].append((time.perf_counter() - submitted[ref]) * 1000)
                        if len(delays[index]) == count:
                            return

    async with (
        httpx.AsyncClient(base_url=bases[0], timeout=30) as first,
        httpx.AsyncClient(base_url=bases[1], timeout=30) as second,
    ):
        watchers = [asyncio.create_task(watch(i, c)) for i, c in enumerate((first, second))]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 30)
        for _ in range(count):
            made = await first.post(
                "/requests", json={"eservice": "CT027", "fields": form_values()}, headers=maker
            )
            if made.status_code != 201:
                print(f"  could not make a request: {made.status_code} {made.text[:200]}")
                break
            draft = made.json()
            submitted[draft["ref"]] = time.perf_counter()
            sent = await first.post(
                f"/requests/{draft['ref']}/actions/submit",
                json={"version": draft["version"]},
                headers=maker,
            )
            if sent.status_code != 200:
                print(f"  could not submit: {sent.status_code} {sent.text[:200]}")
                break
            await asyncio.sleep(0.2)  # one task at a time
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*watchers), 10)
        for watcher in watchers:
            watcher.cancel()
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1_000_000, help="requests in the store")
    parser.add_argument("--runs", type=int, default=3, help="rounds (figures are medians)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per figure")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2")
    parser.add_argument(
        "--notices", type=int, default=20, help="tasks made for the notice figure (0: none)"
    )
    parser.add_argument(
        "--only",
        type=lambda text: [part for part in text.split(",") if part],
        default=[],
        help="only endpoints whose label holds one of these (comma-separated)",
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        default=Path(tempfile.gettempdir()) / "cc-tui-bench",
        help="where the seeded stores are kept (and reused; shared with bench/dashboard.py)",
    )
    args = parser.parse_args(argv)
    need_wrk()
    data_dir = args.data_root / f"dashboard-{args.size}"
    tokens, ref = sessions(data_dir, args.size)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores before the run", flush=True)
    results: dict[int, dict[str, list[Figure]]] = {}
    misses: list[str] = []
    for workers in (int(w) for w in args.workers.split(",") if w.strip()):
        results[workers] = measure(data_dir, tokens, ref, workers, args)
        misses += report(results[workers], workers, args.runs)
    if 1 in results and len(results) > 1:
        print("\nscaling (req/s with N workers / with 1), medians")
        for workers, found in results.items():
            if workers == 1:
                continue
            for label, figures in found.items():
                one = statistics.median(f.rps for f in results[1][label])
                many = statistics.median(f.rps for f in figures)
                print(f"{label[:32]:<32} 1 -> {workers}: {many / one:5.2f}x")
    if args.notices:
        notice_latency(data_dir, tokens, args.notices)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nload average {load} after the run")
    if misses:
        print("misses: " + "; ".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
