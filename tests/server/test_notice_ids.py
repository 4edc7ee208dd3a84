"""Notice ids from the caller (`?since=`, `Last-Event-ID`) are bounded: digits that are
not ASCII ("²", "١") and ids larger than SQLite stores are a 400 that says what to send,
never a 500 nor a stream that starts and then breaks (the client would reconnect with
the same id for ever)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.server.request_helpers import LEAD, headers_for

ODD_IDS = ["²", "١٢", "9" * 20, str(2**63), "9" * 30]


@pytest.mark.parametrize("since", ODD_IDS)
async def test_since_that_is_no_notice_id_is_400(
    app: FastAPI, api: httpx.AsyncClient, since: str
) -> None:
    for path in ("/notifications", "/notifications/stream"):
        response = await api.get(path, params={"since": since}, headers=headers_for(app, LEAD))
        assert response.status_code == 400, (path, response.text)
        problem = response.json()
        assert problem["code"] == "malformed" and problem["fix"]


@pytest.mark.parametrize("last", ["9" * 20, str(2**63), "9" * 32])
async def test_a_last_event_id_past_any_notice_is_400_before_the_stream_starts(
    app: FastAPI, api: httpx.AsyncClient, last: str
) -> None:
    headers = headers_for(app, LEAD) | {"Last-Event-ID": last}
    response = await api.get("/notifications/stream", headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "The Last-Event-ID header is not a notice id."


async def test_the_largest_id_is_still_one(app: FastAPI, api: httpx.AsyncClient) -> None:
    response = await api.get(
        "/notifications", params={"since": str(2**63 - 1)}, headers=headers_for(app, LEAD)
    )
    assert (response.status_code, response.json()) == (200, [])
