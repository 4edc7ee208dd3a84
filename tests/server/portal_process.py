"""The portal as a process of its own, for the tests that must kill it or read its
memory: `python -m tests.server.portal_process DATA_DIR PORT` runs uvicorn exactly as
`cc-tui server` does (runner.serve_forever), on a clock stopped at Monday 2026-11-23
10:00 HKT (a business day, outside maintenance) so that writes are open whatever the
day the tests run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import free_port, serve_forever
from cc_tui.server.settings import ServerSettings
from tests.waiting import wait_for_portal

START = datetime(2026, 11, 23, 10, 0, tzinfo=HKT)


def settings(data_dir: Path) -> ServerSettings:
    return ServerSettings(
        data_dir=data_dir,
        clock=FakeClock(START),
        argon2_time_cost=1,
        argon2_memory_cost=8192,
    )


@contextmanager
def portal_process(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start the portal process and yield (process, base URL) once it answers /health;
    terminate it afterwards if it is still running."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.server.portal_process", str(data_dir), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_portal(url, process, timeout=120)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(30)


if __name__ == "__main__":
    serve_forever(settings(Path(sys.argv[1])), "127.0.0.1", int(sys.argv[2]))
