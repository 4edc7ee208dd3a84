"""Benchmark: POST /auth/password/forgot answers in the same time for known and unknown
user IDs (issue 9, point 4).

Starts the bundled portal on a loopback port (uvicorn in a thread, a throwaway data dir,
the system clock, real argon2 costs, mail to the Maildir), then asks for a reset 50
times for known users (the five demo users with a password, in turn, so some asks
create a token and send a mail and the rest fall within the 30 s limit) and 50 times
for user IDs that do not exist, interleaved (which goes first alternates), after 10
warm-up asks. Each time is the
whole round trip over HTTP on loopback. Prints both medians, their difference, and
both as a ratio to GET /health's median measured in the same run (the reference).

Run: `.venv/bin/python bench/forgot_timing.py [--count 50]`
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from cc_tui.api import API_PREFIX
from cc_tui.server.runner import start_background_server
from cc_tui.server.settings import ServerSettings

KNOWN = [
    "maker@harbour.example",
    "checker@harbour.example",
    "lead@harbour.example",
    "admin@harbour.example",
    "maker@kowloon.example",
]


def timed(client: httpx.Client, method: str, path: str, body: object | None = None) -> float:
    start = time.perf_counter()
    response = client.request(method, path, json=body)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 202), response.text
    return elapsed


def run(url: str, count: int) -> tuple[list[float], list[float], list[float]]:
    known: list[float] = []
    unknown: list[float] = []
    health: list[float] = []
    with httpx.Client(base_url=url + API_PREFIX, timeout=10) as client:
        for n in range(10):  # warm-up
            timed(client, "POST", "/auth/password/forgot", {"user_id": KNOWN[n % len(KNOWN)]})
            timed(client, "POST", "/auth/password/forgot", {"user_id": f"warm{n}@nowhere.example"})
            timed(client, "GET", "/health")
        for n in range(count):
            ask_known = {"user_id": KNOWN[n % len(KNOWN)]}
            ask_unknown = {"user_id": f"x{n}@nowhere.example"}
            # Which goes first alternates: the work a known ID's ask does after its answer
            # (token, mail) may slow whatever request comes next, known or not.
            if n % 2:
                unknown.append(timed(client, "POST", "/auth/password/forgot", ask_unknown))
                known.append(timed(client, "POST", "/auth/password/forgot", ask_known))
            else:
                known.append(timed(client, "POST", "/auth/password/forgot", ask_known))
                unknown.append(timed(client, "POST", "/auth/password/forgot", ask_unknown))
            health.append(timed(client, "GET", "/health"))
    return known, unknown, health


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-tui-bench-") as tmp:
        settings = ServerSettings(data_dir=Path(tmp))
        portal = start_background_server(settings)
        try:
            known, unknown, health = run(portal.url, max(args.count, 1))
        finally:
            portal.stop()
        mails = len(list((Path(tmp) / "mail" / "new").iterdir()))
    known_median = statistics.median(known)
    unknown_median = statistics.median(unknown)
    health_median = statistics.median(health)
    print(f"POST /auth/password/forgot over loopback, {len(known)} asks each, interleaved:")
    print(f"  known user IDs:   median {known_median:.3f} ms ({mails} reset mails sent)")
    print(f"  unknown user IDs: median {unknown_median:.3f} ms")
    print(f"  difference of the medians: {abs(known_median - unknown_median):.3f} ms")
    print(
        f"  reference GET /health: median {health_median:.3f} ms; known "
        f"{known_median / health_median:.2f}x, unknown {unknown_median / health_median:.2f}x"
    )


if __name__ == "__main__":
    main()
