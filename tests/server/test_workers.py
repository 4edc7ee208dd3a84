"""`cc-tui server --workers N`: N processes on one store.

The rules that must hold across processes (one approval wins, idempotency keys,
lockout counts, notices) are in test_processes.py; here: the command itself, and the
settings each worker is given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from cc_tui.api import API_PREFIX
from cc_tui.cli import main
from cc_tui.server.runner import free_port, settings_from_text, settings_to_text
from cc_tui.server.settings import ServerSettings
from tests.waiting import wait_for_portal


def test_a_worker_gets_every_setting_but_the_clock(tmp_path: Path) -> None:
    settings = ServerSettings(
        data_dir=tmp_path / "portal",
        smtp="127.0.0.1:2525",
        session_idle=timedelta(minutes=7),
        maintenance_start=dt_time(9, 30),
        seed_demo=False,
        seed_requests=12,
        argon2_time_cost=1,
    )
    again = settings_from_text(settings_to_text(settings))
    assert again.data_dir == settings.data_dir
    assert again.smtp == "127.0.0.1:2525"
    assert again.session_idle == timedelta(minutes=7)
    assert again.maintenance_start == dt_time(9, 30)
    assert (again.seed_demo, again.seed_requests, again.argon2_time_cost) == (False, 12, 1)
    assert again == ServerSettings(**{**vars(settings), "clock": again.clock})


@pytest.mark.parametrize("value", ["0", "65", "two", "-1"])
def test_a_worker_count_that_is_not_one_to_64_is_refused_saying_so(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["server", "--workers", value])
    assert stopped.value.code == 2
    assert "a whole number from 1 to 64" in capsys.readouterr().err


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_two_workers_serve_one_store_and_stop_together(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "cc_tui", "server", "--workers", "2", "--seed", "0"]
    command += ["--port", str(port), "--data-dir", str(tmp_path / "portal")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}{API_PREFIX}/health"
        wait_for_portal(url.removesuffix("/health"), server)
        # uvicorn's supervisor has its two workers (and multiprocessing's tracker).
        workers = [
            pid
            for pid in children(server.pid)
            if "multiprocessing.resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()
        ]
        assert len(workers) == 2
        assert all(httpx.get(url, timeout=5).status_code == 200 for _ in range(20))
    finally:
        os.kill(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output.decode(errors="replace")
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
