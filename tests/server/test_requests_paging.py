"""Keyset paging while requests change, and cursors that are not the list's own.

The guarantee (store/request_query.py): a request that is not changed while someone
pages through a list is seen exactly once. A request changed meanwhile moves to the
newest end; in a newest-first list it then either was seen already or is not seen.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.sections import Sort
from cc_tui.server.app import create_app
from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.requests import get_request_row, update_request
from tests.server.requests_read_helpers import (
    CHECKER,
    KOWLOON,
    LEAD,
    all_refs,
    context_of,
    headers_for,
    in_process,
)


@pytest.fixture
def portal(server_settings: ServerSettings) -> FastAPI:
    server_settings.seed_requests = 600
    server_settings.seed_random = 5
    return create_app(server_settings)


@pytest.fixture
async def api(portal: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(portal) as client:
        yield client


def touch(app: FastAPI, refs: list[str], clock: FakeClock) -> None:
    """Change each request (a new version, a new updated_at), as a save would."""
    context = context_of(app)
    with context.db.transaction() as conn:
        for ref in refs:
            clock.advance(seconds=1)
            row = get_request_row(conn, ref)
            assert row is not None
            update_request(conn, row, row.version, clock.now(), title=row.title + " (edited)")


@pytest.mark.parametrize("sort", [Sort.UPDATED_DESC, Sort.UPDATED_ASC, Sort.STATUS, Sort.REF_ASC])
async def test_paging_while_requests_change_sees_every_unchanged_request_once(
    api: httpx.AsyncClient, portal: FastAPI, clock: FakeClock, sort: Sort
) -> None:
    headers = headers_for(portal, LEAD)
    before = await all_refs(api, headers, sort=sort.value, limit=200)
    seen: list[str] = []
    cursor: str | None = None
    changed: set[str] = set()
    page_number = 0
    while True:
        params: dict[str, str | int] = {"sort": sort.value, "limit": 25}
        if cursor:
            params["cursor"] = cursor
        response = await api.get("/requests", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(item["ref"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        page_number += 1
        # Between pages, change one request already seen and two not yet seen.
        ahead = [ref for ref in before if ref not in seen and ref not in changed][page_number:][:2]
        behind = [seen[page_number % len(seen)]]
        touch(portal, behind + ahead, clock)
        changed.update(behind + ahead)
    unchanged = [ref for ref in before if ref not in changed]
    assert changed
    for ref in unchanged:
        assert seen.count(ref) == 1, ref
    assert set(seen) <= set(before)
    if sort is Sort.UPDATED_DESC:
        assert len(seen) == len(set(seen))  # a changed request moves behind the cursor


async def test_the_next_page_starts_after_the_last_row_even_if_rows_are_added(
    api: httpx.AsyncClient, portal: FastAPI, clock: FakeClock
) -> None:
    headers = headers_for(portal, CHECKER)
    first = (await api.get("/requests", params={"limit": 10}, headers=headers)).json()
    clock.advance(timedelta(minutes=5))
    touch(portal, [first["items"][-1]["ref"]], clock)
    rest = await all_refs(api, headers, limit=200)
    second = (
        await api.get(
            "/requests", params={"limit": 10, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    first_refs = [item["ref"] for item in first["items"]]
    assert [item["ref"] for item in second["items"]] == [
        ref for ref in rest if ref not in first_refs
    ][:10]


def _tamper(cursor: str, change: dict[str, object]) -> str:
    body, _, mac = cursor.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(change)
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{forged}.{mac}"


async def test_a_tampered_or_foreign_cursor_is_a_400_never_another_firms_rows(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    lead = headers_for(portal, LEAD)
    kowloon = headers_for(portal, KOWLOON)
    page = (await api.get("/requests", params={"limit": 5}, headers=lead)).json()
    cursor = page["next_cursor"]
    assert cursor
    body, _, mac = cursor.partition(".")
    attempts = [
        ({"cursor": _tamper(cursor, {"k": [0, 0]})}, lead),
        ({"cursor": _tamper(cursor, {"k": [2**70, 1]})}, lead),
        ({"cursor": f"{body}.{mac[:-2]}AA"}, lead),
        ({"cursor": f"{body[:-4]}AAAA.{mac}"}, lead),
        ({"cursor": "not a cursor"}, lead),
        ({"cursor": "...."}, lead),
        ({"cursor": "%%%"}, lead),
        ({"cursor": body}, lead),
        ({"cursor": cursor, "section": "history"}, lead),
        ({"cursor": cursor, "q": "status:draft"}, lead),
        ({"cursor": cursor, "sort": "ref"}, lead),
        ({"cursor": cursor}, kowloon),
    ]
    for params, headers in attempts:
        response = await api.get("/requests", params=params | {"limit": 5}, headers=headers)
        assert response.status_code == 400, params
        problem = response.json()
        assert problem["code"] == "bad_cursor"
        assert problem["fix"]
    good = await api.get("/requests", params={"cursor": cursor, "limit": 5}, headers=lead)
    assert good.status_code == 200
