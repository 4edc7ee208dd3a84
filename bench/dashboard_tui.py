"""Benchmark: the dashboard as a user feels it, against a seeded portal of N requests.

For each store size (10,000 and 1,000,000 by default) it seeds a portal (cached under
--data-root, so a second run skips the minute 1M takes), runs it in its own process, and
drives the real TUI headless (Textual's pilot) in another process so that the client's
memory is measured alone. It prints medians of:

- filter keystroke -> table repainted: the last key of a typical filter, typed after a
  pause (so the debounce does not wait: the first key after a pause goes at once), until
  the table shows the portal's answer and the screen has refreshed;
- j -> repainted: moving the highlight (no network);
- next page: `G` at the bottom of the rows held -> the next page shown;

and the client's RSS after the first page and after paging through 100 pages (5,000
rows), which should be the same for both sizes: the client holds a window of at most
four pages, never the list.

Run: `.venv/bin/python bench/dashboard_tui.py [--sizes 10000 1000000] [--data-root DIR]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

USER = "lead@harbour.example"
SEED = 2024
FILTERS = (
    "status:pending_checker",
    "eservice:CT027",
    "!status:draft",
    "trading",
    "maker:maker@harbour.example",
    "ref:ECS0001",
)
PAGES = 100
GOAL_MS = 100.0


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The portal, in its own process


def seed(data_dir: Path, count: int) -> None:
    from cc_tui.server.app import build_context
    from cc_tui.server.clock import HKT
    from cc_tui.server.seed import seed_demo
    from cc_tui.server.seed_requests import seed_requests
    from cc_tui.server.settings import ServerSettings

    context = build_context(ServerSettings(data_dir=data_dir))
    seed_demo(context)
    seed_requests(context.db, count, SEED, datetime(2026, 11, 23, 10, 0, tzinfo=HKT))
    context.db.close()


def serve(data_dir: Path, port: int) -> None:
    import uvicorn

    from cc_tui.server.app import create_app
    from cc_tui.server.settings import ServerSettings

    app = create_app(ServerSettings(data_dir=data_dir))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def session_token(data_dir: Path) -> str:
    from cc_tui.server.clock import HKT
    from cc_tui.server.settings import ServerSettings
    from cc_tui.server.store.sessions import create_session

    conn = sqlite3.connect(ServerSettings(data_dir=data_dir).db_path, isolation_level=None)
    try:
        from datetime import timedelta

        token, _ = create_session(conn, USER, datetime.now(HKT), timedelta(hours=1))
    finally:
        conn.close()
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the portal did not start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the portal took over 60 s to start")


# The client, in its own process


async def drive(url: str, token: str, state_dir: Path) -> dict[str, Any]:
    """Run the app headless and time keys as a terminal would send them: a key event
    posted to the app, then wait for the change and for the screen's next refresh (not
    the pilot's idle waits, which sleep in 20 ms steps)."""
    from textual import events

    from cc_tui.tui.app import PortalApp
    from cc_tui.tui.credentials import TokenStore
    from cc_tui.tui.screens.dashboard import DashboardScreen
    from cc_tui.tui.state import remember_user_id

    store = TokenStore(memory_only=True)
    store.save(url, USER, token)
    remember_user_id(state_dir, url, USER)
    app = PortalApp(url, token_store=store, state_dir=state_dir)
    figures: dict[str, Any] = {}

    async def until(condition: Any, timeout: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise SystemExit("the dashboard did not answer in time")
            await asyncio.sleep(0.0002)

    async def key(name: str, character: str | None, condition: Any) -> float:
        """Milliseconds from the key to the screen refreshed with its effect."""
        started = time.perf_counter()
        app.post_message(events.Key(name, character))
        await until(condition)
        await app.screen.wait_for_refresh()
        return (time.perf_counter() - started) * 1000

    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, DashboardScreen))
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(lambda: bool(screen.window.pages) and not screen.fetching)
        await pilot.press("6")  # All: the biggest section
        await until(lambda: screen.window.total > 0 and not screen.fetching)
        await pilot.pause()
        figures["total"] = screen.window.describe()
        figures["rss_first_page_mb"] = rss_mb()

        table = screen.table
        moves = []
        for _ in range(30):
            row = table.cursor_row
            moves.append(await key("j", "j", lambda r=row: table.cursor_row == r + 1))
        figures["j_ms"] = statistics.median(moves)

        keystrokes = []
        bar = screen.filter_bar
        for _ in range(3):
            for text in FILTERS:
                await pilot.press("slash")
                bar.set_text(text[:-1])
                await asyncio.sleep(screen.debounce * 1.5)  # a pause: no debounce wait
                last = text[-1]
                keystrokes.append(
                    await key(
                        last if last.isalnum() else "underscore" if last == "_" else last,
                        last,
                        lambda t=text: screen.view.applied == t and not screen.fetching,
                    )
                )
                await pilot.press("escape")
        figures["filter_keystroke_ms"] = statistics.median(keystrokes)
        figures["filter_keystroke_max_ms"] = max(keystrokes)
        portal = await app.client()
        trips = []
        for _ in range(3):
            for text in FILTERS:
                started = time.perf_counter()
                await portal.list_requests("all", text, "-updated", None, 50)
                trips.append((time.perf_counter() - started) * 1000)
        figures["filter_round_trip_ms"] = statistics.median(trips)

        await pilot.press("slash")
        bar.set_text("")
        await pilot.press("enter")
        await until(lambda: screen.view.applied == "" and not screen.fetching)
        await pilot.pause()
        pages = []
        rss_samples = []
        for number in range(PAGES):
            if number % 20 == 0:
                rss_samples.append(round(rss_mb(), 1))
            window = screen.window
            reach = window.first_row + window.row_count
            if window.next_cursor is None:
                break
            pages.append(
                await key(
                    "G",
                    "G",
                    lambda r=reach: (
                        screen.window.first_row + screen.window.row_count > r
                        and not screen.fetching
                    ),
                )
            )
        figures["pages_paged"] = len(pages)
        figures["next_page_ms"] = statistics.median(pages)
        figures["rows_held"] = screen.window.row_count
        figures["position"] = screen.window.describe()
        figures["rss_after_paging_mb"] = rss_mb()
        figures["rss_every_20_pages_mb"] = rss_samples
        figures["rss_peak_mb"] = peak_mb()
        app.exit()
    return figures


def run_size(count: int, data_root: Path) -> dict[str, Any]:
    data_dir = data_root / f"dashboard-{count}"
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--seed-only", str(count), str(data_dir)], check=True)
    seeded_s = time.perf_counter() - started
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(data_dir), str(port)])
    try:
        wait_for_port(port, server)
        token = session_token(data_dir)
        with tempfile.TemporaryDirectory() as state:
            output = subprocess.run(
                [sys.executable, __file__, "--client", f"http://127.0.0.1:{port}", token, state],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    finally:
        server.terminate()
        server.wait(10)
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    figures["seed_or_reuse_s"] = seeded_s
    return figures


def report(count: int, figures: dict[str, Any]) -> None:
    keystroke = figures["filter_keystroke_ms"]
    verdict = "meets" if keystroke <= GOAL_MS else "misses"
    print(
        f"\n{count:,} requests (seeding or reusing the store: {figures['seed_or_reuse_s']:.1f} s)"
    )
    print(f"  section All: {figures['total']}")
    print(
        f"  filter keystroke -> repainted: median {keystroke:.1f} ms, "
        f"max {figures['filter_keystroke_max_ms']:.1f} ms ({verdict} the {GOAL_MS:.0f} ms goal)"
    )
    print(
        f"  (of which the portal call alone, from the client: median "
        f"{figures['filter_round_trip_ms']:.1f} ms)"
    )
    print(f"  j -> repainted: median {figures['j_ms']:.1f} ms")
    print(
        f"  next page (G): median {figures['next_page_ms']:.1f} ms over "
        f"{figures['pages_paged']} pages; now {figures['position']}, "
        f"{figures['rows_held']} rows held"
    )
    print(
        f"  client RSS: {figures['rss_first_page_mb']:.1f} MB after the first page, "
        f"{figures['rss_after_paging_mb']:.1f} MB after paging, "
        f"peak {figures['rss_peak_mb']:.1f} MB"
    )
    samples = ", ".join(f"{mb:.1f}" for mb in figures["rss_every_20_pages_mb"])
    print(f"  client RSS every 20 pages: {samples} MB")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--seed-only":
        seed(Path(sys.argv[3]), int(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        figures = asyncio.run(drive(sys.argv[2], sys.argv[3], Path(sys.argv[4])))
        print(json.dumps(figures))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument(
        "--data-root",
        type=Path,
        default=Path(tempfile.gettempdir()) / "cc-tui-bench",
        help="where seeded stores are kept between runs",
    )
    args = parser.parse_args()
    results = {count: run_size(count, args.data_root) for count in args.sizes}
    for count, figures in results.items():
        report(count, figures)
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        growth = large["rss_after_paging_mb"] - small["rss_after_paging_mb"]
        print(f"\nclient RSS from {sizes[0]:,} to {sizes[-1]:,} requests: {growth:+.1f} MB")


if __name__ == "__main__":
    main()
