"""Bounded work per request, in process (limits.py, errors.py): bodies over the limit are
refused before parsing and before authentication, declared or chunked; deep JSON is
refused; error lists are capped.

The socket-level guards (slow headers and bodies, the connection cap, memory under many
large bodies) are in test_limits_live.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from cc_tui.server.limits import json_depth_over
from tests.server.request_helpers import ADMIN, headers_for

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code
    return body


async def test_a_declared_body_over_the_limit_is_refused_before_login_work(
    api: httpx.AsyncClient,
) -> None:
    body = b'{"user_id": "' + b"a" * (2 * MIB) + b'", "password": "x"}'
    response = await api.post("/auth/login", content=body, headers=JSON)
    problem = assert_problem(response, 413, "too_large")
    assert "1 MiB" in str(problem["detail"])
    assert response.headers["connection"] == "close"


async def test_the_limit_comes_before_authentication(api: httpx.AsyncClient) -> None:
    """No token, too large: 413, not 401 (nothing about the caller is looked up)."""
    response = await api.post("/requests", content=b"[" + b"0," * MIB + b"0]", headers=JSON)
    assert_problem(response, 413, "too_large")


async def test_a_chunked_body_over_the_limit_is_refused(api: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"user_id": "'
        for _ in range(64):  # 4 MiB in all, no Content-Length
            sent += 64 * 1024
            yield b"a" * (64 * 1024)
        yield b'", "password": "x"}'

    response = await api.post("/auth/login", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too_large")


async def test_a_body_just_under_the_limit_is_read(api: httpx.AsyncClient) -> None:
    body = json.dumps({"user_id": "a" * (MIB - 100), "password": "x"}).encode()
    response = await api.post("/auth/login", content=body, headers=JSON)
    assert_problem(response, 422, "validation_failed")  # user_id too long, not too_large


async def test_the_limit_is_a_setting(app: FastAPI, api: httpx.AsyncClient) -> None:
    from tests.server.login_helpers import portal

    settings = app.state.context.settings
    small = type(settings)(**{**settings.__dict__, "data_dir": settings.data_dir.parent / "s"})
    small.max_body_bytes = 1000
    async with portal(small) as (_, client):
        response = await client.post("/auth/login", json={"user_id": "u" * 2000, "password": "x"})
        problem = assert_problem(response, 413, "too_large")
        assert "1,000 bytes" in str(problem["detail"])


async def test_deep_json_is_refused_not_a_server_error(api: httpx.AsyncClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = await api.post("/auth/login", content=body, headers=JSON)
    assert_problem(response, 400, "malformed")


async def test_brackets_inside_strings_do_not_count() -> None:
    assert not json_depth_over(json.dumps({"a": "[[[[[[[[[[" * 10}).encode(), 32)
    assert json_depth_over(b'{"a": ' + b"[" * 33 + b"]" * 33 + b"}", 32)
    assert not json_depth_over(b'{"a": "\\"' + b"[" * 40 + b'"}', 32)


async def test_an_answer_lists_the_first_20_errors_and_the_count(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    body = {"user_id": "new@harbour.example", "name": "N", "rights": list(range(5000))}
    response = await api.post("/admin/users", json=body, headers=headers_for(app, ADMIN))
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["error_count"] == 5000
    assert isinstance(problem["errors"], list) and len(problem["errors"]) == 20
    assert len(response.content) < 5000
