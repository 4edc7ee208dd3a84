"""Idempotency-Key: a retry gets the first answer back and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI

from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.jobs import run_housekeeping
from tests.server.request_helpers import (
    CHECKER,
    LEAD,
    MAKER,
    context_of,
    create,
    good_values,
    headers_for,
)


def count(app: FastAPI, sql: str, *params: object) -> int:
    return int(context_of(app).db.connect().execute(sql, params).fetchone()[0])


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


async def test_a_retried_create_makes_one_request(app: FastAPI, api: httpx.AsyncClient) -> None:
    maker = keyed(headers_for(app, MAKER), "create-1")
    body = {"eservice": "CT027", "fields": {"remarks": "once"}}
    first = await api.post("/requests", json=body, headers=maker)
    again = await api.post("/requests", json=body, headers=maker)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert count(app, "SELECT count(*) FROM requests") == 1
    assert count(app, "SELECT count(*) FROM request_audit") == 1


async def test_concurrent_retries_of_one_create_make_one_request(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = keyed(headers_for(app, MAKER), "create-many")
    body = {"eservice": "CT027", "fields": {}}
    answers = await asyncio.gather(
        *(api.post("/requests", json=body, headers=maker) for _ in range(20))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["ref"] for a in answers}) == 1
    assert count(app, "SELECT count(*) FROM requests") == 1


async def test_a_retried_action_is_taken_once(app: FastAPI, api: httpx.AsyncClient) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    path = f"/requests/{request['ref']}/actions/submit"
    first = await api.post(path, json={"version": 1}, headers=keyed(maker, "submit-1"))
    again = await api.post(path, json={"version": 1}, headers=keyed(maker, "submit-1"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["version"] == 2
    assert count(app, "SELECT count(*) FROM request_audit WHERE action = 'submit'") == 1
    # Checkers were told once.
    assert count(app, "SELECT count(*) FROM notifications") == 2
    # Without the key, the same call is a new attempt, and a stale one.
    plain = await api.post(path, json={"version": 1}, headers=maker)
    assert plain.status_code == 409


async def test_a_retried_save_is_saved_once(app: FastAPI, api: httpx.AsyncClient) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker)
    path = f"/requests/{request['ref']}"
    body = {"version": 1, "fields": {"remarks": "again"}}
    first = await api.patch(path, json=body, headers=keyed(maker, "save-1"))
    again = await api.patch(path, json=body, headers=keyed(maker, "save-1"))
    assert first.status_code == again.status_code == 200
    assert again.json()["version"] == 2
    assert count(app, "SELECT count(*) FROM request_audit") == 2
    # Other values under the same key are another save: refused, not silently dropped.
    other = {"version": 1, "fields": {"remarks": "something else"}}
    refused = await api.patch(path, json=other, headers=keyed(maker, "save-1"))
    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"


async def test_a_key_reused_for_another_request_is_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"), key="reuse")
    # Another path.
    response = await api.post(
        f"/requests/{request['ref']}/actions/submit",
        json={"version": 1},
        headers=keyed(maker, "reuse"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "idempotency_key_reused"
    assert "POST /api/v1/requests" in body["detail"]
    assert "new, unique Idempotency-Key" in body["fix"]
    # The same path with another body (typed since): the first answer stands.
    response = await api.post(
        "/requests",
        json={"eservice": "CT027", "fields": {"remarks": "typed later"}},
        headers=keyed(maker, "reuse"),
    )
    assert response.status_code == 201
    assert response.json()["ref"] == request["ref"]
    assert response.headers["idempotent-replayed"] == "true"
    # Another eService is another request.
    response = await api.post(
        "/requests", json={"eservice": "TH01", "fields": {}}, headers=keyed(maker, "reuse")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert count(app, "SELECT count(*) FROM requests") == 1
    assert count(app, "SELECT count(*) FROM request_audit") == 1


async def test_keys_belong_to_their_user(app: FastAPI, api: httpx.AsyncClient) -> None:
    body = {"eservice": "CT027", "fields": {}}
    mine = await api.post("/requests", json=body, headers=keyed(headers_for(app, MAKER), "k"))
    theirs = await api.post("/requests", json=body, headers=keyed(headers_for(app, LEAD), "k"))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["ref"] != theirs.json()["ref"]
    assert theirs.json()["maker"] == LEAD


async def test_a_failed_attempt_stores_nothing_so_its_retry_runs(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027") | {"new_limit": "1"})
    path = f"/requests/{request['ref']}/actions/submit"
    failed = await api.post(path, json={"version": 1}, headers=keyed(maker, "try"))
    assert failed.status_code == 422
    await api.patch(
        f"/requests/{request['ref']}",
        json={"version": 1, "fields": {"new_limit": "9,000,000"}},
        headers=maker,
    )
    retried = await api.post(path, json={"version": 2}, headers=keyed(maker, "try"))
    assert retried.status_code == 200
    assert retried.json()["status"] == "pending_checker"


async def test_a_replay_answers_during_maintenance(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=HKT))  # Friday
    maker = keyed(headers_for(app, MAKER), "before-the-window")
    body = {"eservice": "CT027", "fields": {}}
    first = await api.post("/requests", json=body, headers=maker)
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=HKT))  # Saturday, in the window
    fresh = keyed(headers_for(app, MAKER), "before-the-window")
    replay = await api.post("/requests", json=body, headers=fresh)
    assert replay.status_code == 201
    assert replay.json()["ref"] == first.json()["ref"]
    new = await api.post("/requests", json=body, headers=keyed(fresh, "in-the-window"))
    assert new.status_code == 503


async def test_keys_expire_after_24_hours(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = {"eservice": "CT027", "fields": {}}
    first = await api.post("/requests", json=body, headers=keyed(headers_for(app, MAKER), "day"))
    clock.advance(timedelta(hours=23))
    replay = await api.post("/requests", json=body, headers=keyed(headers_for(app, MAKER), "day"))
    assert replay.json()["ref"] == first.json()["ref"]
    clock.advance(timedelta(hours=2))
    assert clock.now().astimezone(HKT).weekday() < 5
    later = await api.post("/requests", json=body, headers=keyed(headers_for(app, MAKER), "day"))
    assert later.status_code == 201
    assert later.json()["ref"] != first.json()["ref"]
    clock.advance(timedelta(hours=25))
    assert run_housekeeping(context_of(app)).keys_forgotten == 1
    assert count(app, "SELECT count(*) FROM idempotency_keys") == 0


async def test_a_malformed_key_is_400(app: FastAPI, api: httpx.AsyncClient) -> None:
    for key in ("x" * 256, "with space", ""):
        response = await api.post(
            "/requests",
            json={"eservice": "CT027", "fields": {}},
            headers=keyed(headers_for(app, CHECKER), key),
        )
        assert response.status_code == 400, key
        assert response.json()["code"] == "malformed"
