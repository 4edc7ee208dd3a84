"""Bounded work per request over real sockets (http_protocol.py, limits.py): headers
and bodies that trickle are timed out, connections past the cap get a clear 503, a
body over the limit is refused without being read; and the server's memory stays low
while 20 clients each send 100 MiB at once (a server process of its own, whose peak
resident size the kernel keeps: VmHWM)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from cc_tui.api import API_PREFIX
from cc_tui.server.runner import BackgroundServer, free_port, start_background_server
from cc_tui.server.settings import ServerSettings
from tests.server.raw_http import closed_by_server, connect, head, read_response
from tests.waiting import wait_for_portal

HEALTH = f"{API_PREFIX}/health"
LOGIN = f"{API_PREFIX}/auth/login"
MIB = 1024 * 1024
PEAK_LIMIT_MB = 300


@pytest.fixture
def strict_portal(server_settings: ServerSettings) -> Iterator[BackgroundServer]:
    """A live portal with short deadlines and a cap of three connections."""
    settings = replace(server_settings, header_timeout=0.5, body_timeout=0.5, max_connections=3)
    portal = start_background_server(settings)
    try:
        yield portal
    finally:
        portal.stop()


def test_headers_that_trickle_get_408_and_the_connection_closes(
    strict_portal: BackgroundServer,
) -> None:
    with connect(strict_portal.url) as sock:
        sock.sendall(f"GET {HEALTH} HTTP/1.1\r\nHost: portal.test\r\n".encode())
        response = read_response(sock)
        assert response is not None and response.status == 408
        assert response.json()["code"] == "timed_out"
        assert closed_by_server(sock)


def test_a_connection_that_sends_nothing_is_closed(strict_portal: BackgroundServer) -> None:
    with connect(strict_portal.url) as sock:
        assert closed_by_server(sock)


def test_a_kept_alive_connection_may_not_trickle_its_next_request(
    strict_portal: BackgroundServer,
) -> None:
    with connect(strict_portal.url) as sock:
        sock.sendall(head("GET", HEALTH))
        first = read_response(sock)
        assert first is not None and first.status == 200
        sock.sendall(b"GET ")
        second = read_response(sock)
        assert second is not None and second.status == 408


def test_a_body_that_trickles_gets_408(strict_portal: BackgroundServer) -> None:
    with connect(strict_portal.url) as sock:
        headers = {"Content-Type": "application/json", "Content-Length": "100"}
        sock.sendall(head("POST", LOGIN, headers) + b'{"user_id": ')
        response = read_response(sock)
        assert response is not None and response.status == 408
        assert response.json()["code"] == "timed_out"
        assert closed_by_server(sock)


def test_a_declared_large_body_is_refused_before_it_is_sent(
    strict_portal: BackgroundServer,
) -> None:
    """Content-Length of 100 MiB, no byte of the body sent: the answer comes at once."""
    with connect(strict_portal.url) as sock:
        headers = {"Content-Type": "application/json", "Content-Length": str(100 * MIB)}
        sock.sendall(head("POST", LOGIN, headers))
        response = read_response(sock)
        assert response is not None and response.status == 413
        assert response.json()["code"] == "too_large"


def test_connections_past_the_cap_get_a_clear_503(strict_portal: BackgroundServer) -> None:
    idle = [connect(strict_portal.url) for _ in range(3)]
    try:
        # The three idle connections are held (each will be timed out after 0.5 s, so
        # the fourth goes in while they are still open: it is sent at once).
        with connect(strict_portal.url) as sock:
            sock.sendall(head("GET", HEALTH))
            response = read_response(sock)
        assert response is not None and response.status == 503
        problem = response.json()
        assert problem["code"] == "busy"
        assert "3" in problem["detail"]
        assert response.headers["retry-after"] == "2"
    finally:
        for sock in idle:
            sock.close()
    # Once they are gone, the portal serves again (the closes reach it in their own time).
    with httpx.Client(base_url=strict_portal.url) as client:
        for _ in range(200):
            if client.get(HEALTH).status_code == 200:
                break
        else:
            pytest.fail("the portal kept answering 503 after the connections closed")


UPLOAD = f"{API_PREFIX}/requests/ECS00000001/attachments"
MULTIPART_HEAD = {"Content-Type": "multipart/form-data; boundary=b"}


def test_an_early_answer_to_an_upload_waits_for_the_body_and_keeps_the_connection(
    strict_portal: BackgroundServer,
) -> None:
    """No token: 401 before the body is read. The portal reads the (small) rest first,
    so the client, still sending, gets the answer and may use the connection again."""
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
    body += b"%PDF-" + b"x" * MIB + b"\r\n--b--\r\n"
    headers = {**MULTIPART_HEAD, "Content-Length": str(len(body))}
    with connect(strict_portal.url) as sock:
        sock.sendall(head("POST", UPLOAD, headers) + body)
        response = read_response(sock)
        assert response is not None and response.status == 401
        assert response.headers.get("connection") != "close"
        sock.sendall(head("GET", HEALTH))
        again = read_response(sock)
        assert again is not None and again.status == 200


def test_an_early_answer_to_an_upload_past_the_file_limit_closes_the_connection(
    strict_portal: BackgroundServer,
) -> None:
    """A chunked upload of 40 MiB with no token: the portal drops at most the upload
    limit's worth of it, then answers and closes; it does not read the rest."""
    piece = b"%x\r\n%s\r\n" % (MIB, b"x" * MIB)
    headers = {**MULTIPART_HEAD, "Transfer-Encoding": "chunked"}
    sent = 0
    with connect(strict_portal.url) as sock:
        try:
            sock.sendall(head("POST", UPLOAD, headers))
            for _ in range(40):
                sock.sendall(piece)
                sent += 1
        except OSError:
            pass  # the server answered and closed while we were still sending
        try:
            response = read_response(sock)
        except OSError:
            response = None
        if response is not None:
            assert response.status == 401
            assert response.headers["connection"] == "close"
        assert closed_by_server(sock)
    assert sent < 40, "the portal read all 40 MiB of a body it had refused"


# -- memory under 20 clients of 100 MiB each -------------------------------------------------


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc (Linux only)")


def _send_100_mib(url: str, chunked: bool, answers: list[int]) -> None:
    """Send a 100 MiB JSON body (chunked, or with its Content-Length) as fast as the
    server takes it; record the status answered (0 when the server cut us off)."""
    headers = {"Content-Type": "application/json"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(100 * MIB)

    def framed(data: bytes) -> bytes:
        return (b"%x\r\n" % len(data)) + data + b"\r\n" if chunked else data

    piece = framed(b"a" * MIB)
    status = 0
    with connect(url, timeout=60) as sock:
        try:
            sock.sendall(head("POST", LOGIN, headers) + framed(b'{"user_id": "'))
            for _ in range(100):
                sock.sendall(piece)
        except OSError:
            pass  # the server answered and closed while we were still sending
        try:
            response = read_response(sock)
        except OSError:
            response = None
        if response is not None:
            status = response.status
    answers.append(status)


def large_body_peak_mb(data_dir: Path, clients: int = 20) -> tuple[float, float, list[int]]:
    """(resident MB before, peak resident MB after, statuses) of a `cc-tui server`
    process while `clients` clients each send it a 100 MiB body at once."""
    port = free_port()
    env = {**os.environ, "HOME": str(data_dir / "home")}
    command = [sys.executable, "-c", "from cc_tui.cli import main; main()", "server"]
    command += ["--port", str(port), "--seed", "0", "--data-dir", str(data_dir / "portal")]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_portal(url, server, timeout=120)
        with httpx.Client(base_url=url) as client:
            before = _peak_rss_mb(server.pid)
            answers: list[int] = []
            threads = [
                threading.Thread(target=_send_100_mib, args=(url, i % 2 == 0, answers))
                for i in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = _peak_rss_mb(server.pid)
            assert client.get(HEALTH).status_code == 200, "the portal is still up"
        return before, peak, answers
    finally:
        server.terminate()
        server.wait(30)


def test_twenty_clients_of_100_mib_each_keep_the_server_under_300_mb(tmp_path: Path) -> None:
    before, peak, answers = large_body_peak_mb(tmp_path)
    print(f"server resident: {before:.0f} MB at rest, peak {peak:.0f} MB; answers {answers}")
    assert peak < PEAK_LIMIT_MB, f"peak {peak:.0f} MB (at rest {before:.0f} MB)"
    assert set(answers) <= {0, 413}, answers
    assert answers.count(413) >= 1, answers


def test_headers_over_16_kib_get_431_and_the_connection_closes(
    strict_portal: BackgroundServer,
) -> None:
    """The httptools parser has no limit of its own: the guard counts the bytes."""
    with connect(strict_portal.url) as sock:
        sock.sendall(f"GET {HEALTH} HTTP/1.1\r\nHost: portal.test\r\n".encode())
        for _ in range(20):
            sock.sendall(b"X-Filler: " + b"x" * 1000 + b"\r\n")
        response = read_response(sock)
        assert response is not None and response.status in (400, 431)
        if response.status == 431:  # h11, where httptools is missing, answers 400 itself
            assert response.json()["code"] == "too_large"
        assert closed_by_server(sock)
